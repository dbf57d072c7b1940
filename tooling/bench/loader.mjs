// Loader throughput: decode + flip + normalise + batch of 112x112 JPEG records, against PIL's
// one-core decode rate for the same bytes, measured in alternating rounds of the same run (these
// hosts' speed drifts within seconds: each round times one epoch of ours, then one PIL pass).
// `--folder DIR` measures a folder of class folders of JPEGs instead of synthetic images.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { option } from './arguments.mjs';

const root = join(import.meta.dirname, '..', '..');
const requireFromDatasets = createRequire(join(root, 'packages', 'datasets', 'package.json'));
const IMAGES = 2000;
const BATCH = 128;
/** Timed passes over the images for the secondary figures (best of them). */
const TIMED_EPOCHS = 5;
/** Alternating rounds of one loader epoch and one PIL pass, after one untimed round. */
const ROUNDS = 11;

/**
 * Starts PIL's decode loop (tooling/bench/pil_decode.py) on `folder`; `pass()` times one pass over
 * every file. Undefined when Python or PIL is missing.
 */
async function startPil(folder) {
  const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'pil_decode.py'), folder], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('PIL exited');
    return JSON.parse(value);
  };
  child.on('error', () => undefined);
  try {
    const { pil, images } = await nextLine();
    return {
      version: pil,
      images,
      async pass() {
        child.stdin.write('1\n');
        return (await nextLine()).imagesPerSecond;
      },
      close: () => child.stdin.end(),
    };
  } catch {
    child.kill();
    return undefined;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export async function run(args) {
  const json = args.includes('--json');
  const log = json ? () => {} : (line) => console.log(line);
  await import(requireFromDatasets.resolve('@tensorflow/tfjs-backend-cpu'));
  const jpeg = requireFromDatasets('jpeg-js');
  const datasets = await import(join(root, 'packages', 'datasets', 'dist', 'index.js'));
  const work = mkdtempSync(join(tmpdir(), 'bctkit-bench-loader-'));
  try {
    // 1. The images, in class folders: face-crop-like synthetic JPEGs (class patterns plus noise,
    // 112x112, quality 95), or the user's folder (`--folder`, e.g. LFW's aligned 112x112 crops).
    const given = option(args, 'folder', undefined);
    const folder = given ?? join(work, 'faces');
    if (given === undefined) {
      const synthetic = await datasets.openSource({
        type: 'synthetic',
        classes: 100,
        imagesPerClass: IMAGES / 100,
        height: 112,
        width: 112,
        noise: 3,
      });
      mkdirSync(join(folder, 'all'), { recursive: true });
      for (let i = 0; i < IMAGES; i++) {
        const { image } = await synthetic.read(i);
        const rgba = Buffer.alloc(112 * 112 * 4, 255);
        for (let p = 0; p < 112 * 112; p++)
          for (let c = 0; c < 3; c++) rgba[p * 4 + c] = image.data[p * 3 + c];
        const encoded = jpeg.encode({ data: rgba, width: 112, height: 112 }, 95).data;
        writeFileSync(join(folder, 'all', `${String(i).padStart(5, '0')}.jpg`), encoded);
      }
    }
    await datasets.packSource(
      await datasets.openSource({ type: 'image-folder', root: folder }),
      work,
    );
    const source = await datasets.openSource({ type: 'rec', path: join(work, 'train.rec') });
    const blobs = [];
    for (let i = 0; i < source.size; i++) blobs.push((await source.read(i)).image.bytes);
    const images = blobs.length;
    const bytes = blobs.reduce((sum, blob) => sum + blob.length, 0);
    const first = datasets.decodeImage(blobs[0]);
    log(
      `${images} JPEGs of ${first.width}x${first.height} from ${given ?? 'synthetic face-like images'}, ${(bytes / images / 1024).toFixed(1)} KiB on average, batch ${BATCH}`,
    );

    // 2. Ours: the full loader. The headline pairs each epoch of the two-worker loader with a PIL
    // pass right after it; the other loader figures are the best of their epochs.
    const epochRate = async (loader, epoch) => {
      const start = performance.now();
      let count = 0;
      for await (const batch of loader.batches(epoch)) {
        count += batch.indices.length;
        batch.release(); // what a training loop does: the batch memory is reused
      }
      return count / ((performance.now() - start) / 1000);
    };
    const openLoader = (workers) =>
      datasets.createDataLoader(source, { batchSize: BATCH, workers, seed: 1 });
    const measure = async (workers) => {
      const loader = await openLoader(workers);
      // One warm-up epoch (worker start, JIT), not timed; then the best of TIMED_EPOCHS.
      let best = 0;
      for (let epoch = 0; epoch <= TIMED_EPOCHS; epoch++) {
        const rate = await epochRate(loader, epoch);
        if (epoch > 0) best = Math.max(best, rate);
      }
      await loader.close();
      return best;
    };
    const workers = availableParallelism();
    const decoder = datasets.jpegDecoder();
    const pil = await startPil(folder);
    if (pil !== undefined && pil.images !== images) {
      throw new Error(
        `PIL found ${pil.images} .jpg files under ${folder}, the loader ${images} images`,
      );
    }
    const rounds = [];
    {
      const loader = await openLoader(workers);
      for (let round = 0; round <= ROUNDS; round++) {
        const ours = await epochRate(loader, round);
        const peer = pil === undefined ? undefined : await pil.pass();
        if (round > 0) rounds.push({ ours, peer });
      }
      await loader.close();
    }
    pil?.close();
    const loaderRate = Math.max(...rounds.map((round) => round.ours));
    const pilRate = pil === undefined ? undefined : Math.max(...rounds.map((round) => round.peer));
    const oneCoreLoader = await measure(0);
    // Worker threads read the environment when they start: these use jpeg-js.
    process.env.BCTKIT_JPEG_DECODER = 'jpeg-js';
    const portableLoaderRate = decoder.native ? await measure(workers) : loaderRate;
    delete process.env.BCTKIT_JPEG_DECODER;

    // 3. Ours: decode only, one core.
    const decodeRateOf = (decode) => {
      let best = 0;
      for (let repeat = 0; repeat <= TIMED_EPOCHS; repeat++) {
        const start = performance.now();
        for (const blob of blobs) decode(blob);
        best = Math.max(best, images / ((performance.now() - start) / 1000));
      }
      return best;
    };
    const decodeRate = decodeRateOf(datasets.decodeImage);
    const portableDecodeRate = decodeRateOf(datasets.decodeJpegPortable);
    await source.close();

    const result = {
      benchmark: 'loader',
      machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
      images,
      folder: given ?? null,
      averageJpegBytes: Math.round(bytes / images),
      ours: {
        decoder: decoder.name,
        loaderImagesPerSecond: Math.round(loaderRate),
        loaderMedianImagesPerSecond: Math.round(median(rounds.map((round) => round.ours))),
        loaderWorkers: workers,
        loaderInProcessImagesPerSecond: Math.round(oneCoreLoader),
        decodeOneCoreImagesPerSecond: Math.round(decodeRate),
        jpegJsLoaderImagesPerSecond: Math.round(portableLoaderRate),
        jpegJsDecodeOneCoreImagesPerSecond: Math.round(portableDecodeRate),
      },
      peer:
        pil === undefined
          ? null
          : {
              name: `PIL ${pil.version}`,
              decodeOneCoreImagesPerSecond: Math.round(pilRate),
              decodeOneCoreMedianImagesPerSecond: Math.round(median(rounds.map((r) => r.peer))),
            },
      rounds: rounds.map((round) => ({
        ours: Math.round(round.ours),
        peer: round.peer === undefined ? null : Math.round(round.peer),
      })),
      ratios:
        pil === undefined
          ? null
          : {
              loaderVsPilOneCore: +(loaderRate / pilRate).toFixed(3),
              medianOfRoundRatios: +median(rounds.map((r) => r.ours / r.peer)).toFixed(3),
              decodeOneCoreVsPil: +(decodeRate / pilRate).toFixed(3),
              goal: 'loader >= 2x PIL one core',
            },
    };
    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    const row = (name, value, note = '') =>
      log(`${name.padEnd(46)} ${String(value).padStart(8)} img/s ${note}`);
    if (!decoder.native) log(`native decoder unavailable: ${decoder.reason}`);
    row(`ours: loader, ${workers} workers, ${decoder.name}`, result.ours.loaderImagesPerSecond);
    row('  median epoch', result.ours.loaderMedianImagesPerSecond);
    row(
      `ours: loader, in-process (1 core), ${decoder.name}`,
      result.ours.loaderInProcessImagesPerSecond,
    );
    row(`ours: ${decoder.name} decode only (1 core)`, result.ours.decodeOneCoreImagesPerSecond);
    if (decoder.native) {
      row(`ours: loader, ${workers} workers, jpeg-js`, result.ours.jpegJsLoaderImagesPerSecond);
      row('ours: jpeg-js decode only (1 core)', result.ours.jpegJsDecodeOneCoreImagesPerSecond);
    }
    if (pil === undefined) {
      log('peer: PIL unavailable (apt-get install python3-pil)');
    } else {
      row(`peer: PIL ${pil.version} decode (1 core)`, result.peer.decodeOneCoreImagesPerSecond);
      row('  median pass', result.peer.decodeOneCoreMedianImagesPerSecond);
      log(
        `ratio loader / PIL one core, best epoch / best pass: ${result.ratios.loaderVsPilOneCore} (goal >= 2)`,
      );
      log(
        `ratio loader / PIL one core, median of ${ROUNDS} alternating rounds: ${result.ratios.medianOfRoundRatios}`,
      );
      log(`ratio decode / PIL, one core each: ${result.ratios.decodeOneCoreVsPil}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
