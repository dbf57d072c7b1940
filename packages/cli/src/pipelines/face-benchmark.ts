import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adapters, applyAdapter, fitAdapter, readAdapter } from '@bctkit/adapters';
import { extractFeatures, loadCheckpoint } from '@bctkit/backbones';
import {
  createDataLoader,
  openSource,
  packSource,
  planClassSplit,
  RecordSet,
  writeRecordSubset,
} from '@bctkit/datasets';
import { classPrototypes, compatibilityLosses, denoiseCredible } from '@bctkit/losses';
import { evaluatePairs, type RetrievalResult, retrievalMetrics } from '@bctkit/metrics';
import { type HostMatrix, InvalidConfigError, writeNpy } from '@bctkit/tensor-ops';
import { openListPairSet } from '../commands/verification.js';
import { QUERY_ADAPTER_FILE } from '../training/query-adapter.js';
import { declaredResourceFiles } from '../training/resources.js';
import { type StepReport, train } from '../training/train.js';
import type { TrainConfigInput } from '../training/train-config.js';
import { encodedImageSource } from './embed-images.js';

/** The methods the face benchmark compares, `none` first. */
export const FACE_BENCHMARK_METHODS = [
  'none',
  'l2',
  'bct',
  'unibct',
  'mixbct',
  'lce',
  'advbct',
  'nccl',
] as const;

/** The settings of one face-benchmark configuration (a preset). */
export interface FaceBenchmarkPreset {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly description?: string;
  /** Identity list of the training set (relative to the LFW folder) and its minimum images. */
  readonly trainIdentities: string;
  readonly minImages: number;
  /** Share of the training identities the old model sees (MixBCT's extended-class split). */
  readonly oldShare: number;
  /** Identity list of the held-out 1:N set, its minimum images, and the verification pairs. */
  readonly testIdentities: string;
  readonly testMinImages: number;
  readonly pairs: string;
  /** Side of the square input. */
  readonly inputSize: number;
  readonly backbone: Readonly<Record<string, unknown> & { type: string }>;
  readonly oldHead: Readonly<Record<string, unknown> & { type: string }>;
  readonly newHead: Readonly<Record<string, unknown> & { type: string }>;
  readonly oldEpochs: number;
  readonly newEpochs: number;
  /** Start every new model from the old model's backbone weights (`init`) instead of at random. */
  readonly initFromOld: boolean;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Options per method (besides `type`), the same for every seed. */
  readonly methodOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The methods a run compares by default. Default {@link FACE_BENCHMARK_METHODS}. */
  readonly methods?: readonly string[];
  /**
   * Backbone settings per method over `backbone`, e.g. a longer embedding for BT²; a new model
   * longer than the old one starts from it with `init.grow`.
   */
  readonly methodBackbones?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Adapters (registry ids) fitted between the unconstrained new model (`none`) and the old
   * model on the support images ({@link FaceBenchmarkPreset.adapterSupport}), each evaluated as a
   * cross-test (`none+<id>`). Default none.
   */
  readonly adapters?: readonly string[];
  /**
   * The images the adapters are fitted on, as an identity list (relative to the LFW folder) and
   * a minimum of images per identity. An adapter needs no labels, only both models' features of
   * the same images, so any image outside the test identities and the pairs may serve, e.g. the
   * training list's identities with fewer images than `minImages`. Default: the training set.
   */
  readonly adapterSupport?: { readonly identities: string; readonly minImages: number };
}

/** Results of one model (old, or new with one method) under one seed. */
export interface FaceRunResult {
  readonly method: string;
  readonly seed: number;
  /** Seconds of training and of evaluation. */
  readonly trainSeconds: number;
  readonly tests: Readonly<Record<string, FaceTestResult>>;
  /**
   * For an adapter, the features it was fitted on (a cached result fitted on others is fitted
   * again).
   */
  readonly fittedOn?: string;
}

/** Verification (pairs) and 1:N (leave-one-out retrieval) figures of one test. */
export interface FaceTestResult {
  readonly accuracy: number;
  readonly tar: Readonly<Record<string, number>>;
  readonly auc: number;
  readonly top1: number;
  readonly top5: number;
  readonly mapAtR: number;
}

/** Options of {@link runFaceBenchmark}. */
export interface FaceBenchmarkOptions {
  readonly preset: FaceBenchmarkPreset;
  /** The LFW folder with the protocol files (`peopleDevTrain.txt`, `pairsDevTest.txt` ...). */
  readonly lfw: string;
  /** The aligned crops, `<name>/<name>_NNNN.jpg` (LFW's tar extracted). */
  readonly images: string;
  /** Cache and output folder; finished runs found here are not run again. */
  readonly out: string;
  readonly seeds: readonly number[];
  readonly methods: readonly string[];
  /** Adapters to fit on `none` (see {@link FaceBenchmarkPreset.adapters}); default the preset's. */
  readonly adapters?: readonly string[];
  readonly log?: (line: string) => void;
  readonly onStep?: (stage: string, report: StepReport) => void;
}

/** Writes JSON atomically (temporary name, then rename). */
async function writeJson(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.partial-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Packs an identity-filtered, resized image folder once (kept when present). */
async function packOnce(
  directory: string,
  root: string,
  identities: string,
  minImages: number,
  size: number,
): Promise<string> {
  const rec = join(directory, 'train.rec');
  if ((await readJson(join(directory, 'done.json'))) !== undefined) return rec;
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  // LFW's aligned crops lack one listed person (Betsy_Coffin, one image).
  const source = await openSource({
    type: 'image-folder',
    root,
    identities,
    minImages,
    skipMissing: true,
  });
  try {
    const result = await packSource(source, directory, 'train', { size: [size, size] });
    await writeJson(join(directory, 'done.json'), result);
  } finally {
    await source.close();
  }
  return rec;
}

async function embedRecord(model: string, rec: string, flip: boolean): Promise<HostMatrix> {
  const { backbone } = await loadCheckpoint(model);
  const source = await openSource({ type: 'rec', path: rec });
  const loader = await createDataLoader(source, { batchSize: 128, shuffle: false, workers: 0 });
  try {
    const features = await extractFeatures(backbone, loader.batches(0), {
      total: source.size,
      flip,
    });
    return { data: features.features, rows: features.count, cols: features.dim };
  } finally {
    backbone.dispose();
    await loader.close();
    await source.close();
  }
}

async function recordLabels(rec: string): Promise<Int32Array> {
  const source = await openSource({ type: 'rec', path: rec });
  try {
    return await source.labels();
  } finally {
    await source.close();
  }
}

/** A model's embeddings of the evaluation sets (flip-test). */
interface Embedded {
  readonly pairs: HostMatrix;
  readonly test: HostMatrix;
}

/** Embeds the pair images and the 1:N test set, both packed at the model's input size. */
async function embedEvaluation(
  model: string,
  pairsRec: string,
  testRec: string,
): Promise<Embedded> {
  return {
    pairs: await embedRecord(model, pairsRec, true),
    test: await embedRecord(model, testRec, true),
  };
}

/** The map a run's method learned from new queries into the old space, when it wrote one. */
async function readQueryAdapter(runDirectory: string) {
  const path = join(runDirectory, QUERY_ADAPTER_FILE);
  try {
    await stat(path);
  } catch {
    return undefined;
  }
  return readAdapter(path);
}

function rows(matrix: HostMatrix, parity: 0 | 1): HostMatrix {
  const count = matrix.rows / 2;
  const data = new Float32Array(count * matrix.cols);
  for (let k = 0; k < count; k++)
    data.set(
      matrix.data.subarray((2 * k + parity) * matrix.cols, (2 * k + parity + 1) * matrix.cols),
      k * matrix.cols,
    );
  return { data, rows: count, cols: matrix.cols };
}

function testResult(
  queries: Embedded,
  gallery: Embedded,
  same: Uint8Array,
  labels: Int32Array,
): FaceTestResult {
  const pairs = evaluatePairs(rows(queries.pairs, 0), rows(gallery.pairs, 1), same);
  const retrieval: RetrievalResult = retrievalMetrics(queries.test, labels, gallery.test, labels, {
    excludeSameIndex: true,
  });
  return {
    accuracy: pairs.accuracy.mean,
    tar: pairs.tar,
    auc: pairs.auc,
    top1: retrieval.top['1']!,
    top5: retrieval.top['5']!,
    mapAtR: retrieval.mapAtR,
  };
}

/**
 * The real-face benchmark: on LFW, an old model learns a share of the training identities
 * (MixBCT's extended-class split); its features of the whole training set are extracted,
 * denoised and averaged into prototypes; then a new model learns every training identity with
 * each compatibility method. Every model is evaluated on held-out identities: LFW pairs (10-fold
 * accuracy, TAR at FAR) and 1:N leave-one-out retrieval, self (new / new), cross (new queries,
 * old gallery) and old / old. Adapters (the preset's `adapters`) are fitted between the
 * unconstrained new model and the old one on the support images (`adapterSupport`), and
 * cross-tested as `none+<adapter>`. Each (seed, method) result is cached as JSON in `out`, so a
 * killed run continues where it stopped.
 */
export async function runFaceBenchmark(options: FaceBenchmarkOptions): Promise<FaceRunResult[]> {
  const { preset, out } = options;
  const log = options.log ?? (() => {});
  for (const method of options.methods) compatibilityLosses.get(method);
  const adapterIds = options.adapters ?? preset.adapters ?? [];
  for (const id of adapterIds) adapters.get(id);
  const { images } = options;
  const size = preset.inputSize;
  const dataDirectory = join(out, 'data');
  log('packing the training and test identities...');
  const trainRec = await packOnce(
    join(dataDirectory, 'train'),
    images,
    join(options.lfw, preset.trainIdentities),
    preset.minImages,
    size,
  );
  const testRec = await packOnce(
    join(dataDirectory, 'test'),
    images,
    join(options.lfw, preset.testIdentities),
    preset.testMinImages,
    size,
  );
  // The images the adapters are fitted on, and how a cached adapter result says so.
  const support = adapterIds.length > 0 ? preset.adapterSupport : undefined;
  const supportRec =
    support === undefined
      ? trainRec
      : await packOnce(
          join(dataDirectory, 'support'),
          images,
          join(options.lfw, support.identities),
          support.minImages,
          size,
        );
  const fittedOn = `flip-test features of ${
    support === undefined
      ? 'the training images'
      : `${support.identities} (>= ${support.minImages} images)`
  }`;
  const oldRec = join(dataDirectory, 'old', 'train.rec');
  if ((await readJson(join(dataDirectory, 'old', 'done.json'))) === undefined) {
    const set = await RecordSet.open(trainRec);
    try {
      const plan = planClassSplit(await set.labels(), preset.oldShare, set.numClasses);
      await mkdir(join(dataDirectory, 'old'), { recursive: true });
      await writeRecordSubset(set, plan.first, join(dataDirectory, 'old'));
      await writeJson(join(dataDirectory, 'old', 'done.json'), {
        images: plan.first.indices.length,
        classes: plan.first.numClasses,
      });
    } finally {
      await set.close();
    }
  }
  const pairs = await openListPairSet(join(options.lfw, preset.pairs), images, {
    skipMissing: true,
  });
  // The pair images, resized once: every model then reads them like the test set.
  const pairsDirectory = join(dataDirectory, 'pairs');
  const pairsRec = join(pairsDirectory, 'train.rec');
  if ((await readJson(join(pairsDirectory, 'done.json'))) === undefined) {
    await rm(pairsDirectory, { recursive: true, force: true });
    await mkdir(pairsDirectory, { recursive: true });
    const result = await packSource(
      encodedImageSource('pairs', pairs.images),
      pairsDirectory,
      'train',
      {
        size: [size, size],
      },
    );
    await writeJson(join(pairsDirectory, 'done.json'), result);
  }
  const testLabels = await recordLabels(testRec);
  const trainLabels = await recordLabels(trainRec);
  const numClasses = Math.max(...trainLabels) + 1;

  const base = (seed: number): TrainConfigInput => ({
    data: { type: 'rec', path: trainRec },
    backbone: { ...preset.backbone, inputSize: size },
    head: { ...preset.newHead },
    optimizer: { learningRate: preset.learningRate },
    batchSize: preset.batchSize,
    epochs: preset.newEpochs,
    seed,
    workers: 0,
    checkpointEvery: 100_000,
  });
  const results: FaceRunResult[] = [];
  for (const seed of options.seeds) {
    const seedDirectory = join(out, `seed-${seed}`);
    await mkdir(seedDirectory, { recursive: true });
    const runModel = async (stage: string, config: TrainConfigInput): Promise<number> => {
      const runDirectory = join(seedDirectory, 'runs', stage);
      const done = await readJson<{ seconds: number }>(join(runDirectory, 'done.json'));
      if (done !== undefined) return done.seconds;
      log(`seed ${seed}: training ${stage}...`);
      const started = Date.now();
      const result = await train(config, {
        out: runDirectory,
        resume: true,
        onStep: (report) => options.onStep?.(`${stage} (seed ${seed})`, report),
      });
      result.backbone.dispose();
      result.head.dispose();
      const seconds = (Date.now() - started) / 1000;
      await writeJson(join(runDirectory, 'done.json'), { seconds });
      return seconds;
    };
    const checkpointOf = (stage: string) => join(seedDirectory, 'runs', stage, 'checkpoint');

    // The old model, its features of the new training set, denoising and prototypes.
    const oldSeconds = await runModel('old', {
      ...base(seed),
      data: { type: 'rec', path: oldRec },
      head: { ...preset.oldHead },
      epochs: preset.oldEpochs,
    });
    const files = {
      oldFeatures: join(seedDirectory, 'old-features.npy'),
      credible: join(seedDirectory, 'credible.npy'),
      prototypes: join(seedDirectory, 'prototypes.npy'),
    };
    // A new model's config under this seed: the preset's settings, the method's options and
    // backbone, started from the old model (grown when the method's embedding is longer).
    const newModel = (method: string): TrainConfigInput => {
      const backbone = { ...preset.backbone, ...preset.methodBackbones?.[method] };
      const grow = backbone.embeddingDim !== preset.backbone.embeddingDim;
      return {
        ...base(seed),
        backbone: { ...backbone, inputSize: size },
        loss: { type: method, ...(preset.methodOptions[method] ?? {}) },
        ...(preset.initFromOld
          ? { init: grow ? { from: checkpointOf('old'), grow } : checkpointOf('old') }
          : {}),
        ...declaredResourceFiles(compatibilityLosses.get(method), files),
      };
    };
    if ((await readJson(join(seedDirectory, 'features.json'))) === undefined) {
      log(`seed ${seed}: old features of the training set, denoising, prototypes...`);
      const oldFeatures = await embedRecord(checkpointOf('old'), trainRec, false);
      await writeNpy(files.oldFeatures, oldFeatures);
      const { credible } = await denoiseCredible(oldFeatures, trainLabels);
      await writeNpy(
        files.credible,
        { data: Float32Array.from(credible), rows: credible.length, cols: 1 },
        [credible.length],
      );
      await writeNpy(
        files.prototypes,
        await classPrototypes(oldFeatures, trainLabels, { numClasses }),
      );
      await writeJson(join(seedDirectory, 'features.json'), { rows: oldFeatures.rows });
    }
    const oldEmbedded = await embedEvaluation(checkpointOf('old'), pairsRec, testRec);
    const oldResultPath = join(seedDirectory, 'old.json');
    let oldResult = await readJson<FaceRunResult>(oldResultPath);
    if (oldResult === undefined) {
      oldResult = {
        method: 'old',
        seed,
        trainSeconds: oldSeconds,
        tests: { old: testResult(oldEmbedded, oldEmbedded, pairs.sameIdentity, testLabels) },
      };
      await writeJson(oldResultPath, oldResult);
    }
    results.push(oldResult);

    for (const method of options.methods) {
      const resultPath = join(seedDirectory, `${method}.json`);
      let result = await readJson<FaceRunResult>(resultPath);
      if (result === undefined) {
        const seconds = await runModel(`new-${method}`, newModel(method));
        log(`seed ${seed}: evaluating ${method}...`);
        const embedded = await embedEvaluation(checkpointOf(`new-${method}`), pairsRec, testRec);
        // A method that learns its own map into the old space (BT²) crosses through it.
        const map = await readQueryAdapter(join(seedDirectory, 'runs', `new-${method}`));
        const queries =
          map === undefined
            ? embedded
            : {
                pairs: applyAdapter(map, embedded.pairs),
                test: applyAdapter(map, embedded.test),
              };
        result = {
          method,
          seed,
          trainSeconds: seconds,
          tests: {
            self: testResult(embedded, embedded, pairs.sameIdentity, testLabels),
            cross: testResult(queries, oldEmbedded, pairs.sameIdentity, testLabels),
          },
        };
        await writeJson(resultPath, result);
      }
      results.push(result);
    }
    // Adapters between the unconstrained new model and the old one, fitted on both models'
    // features of the support images, computed once per seed. They are flip-test features, as
    // the evaluation's, so that the adapter maps the distribution it is applied to.
    let unconstrained: { train: HostMatrix; oldTrain: HostMatrix; embedded: Embedded } | undefined;
    const adapterInputs = async () => {
      if (unconstrained !== undefined) return unconstrained;
      await runModel('new-none', newModel('none'));
      const model = checkpointOf('new-none');
      unconstrained = {
        train: await embedRecord(model, supportRec, true),
        oldTrain: await embedRecord(checkpointOf('old'), supportRec, true),
        embedded: await embedEvaluation(model, pairsRec, testRec),
      };
      return unconstrained;
    };
    for (const id of adapterIds) {
      const resultPath = join(seedDirectory, `none+${id}.json`);
      let result = await readJson<FaceRunResult>(resultPath);
      if (result === undefined || result.fittedOn !== fittedOn) {
        const { train: newTrain, oldTrain, embedded: newEmbedded } = await adapterInputs();
        log(`seed ${seed}: fitting and evaluating the ${id} adapter...`);
        const started = Date.now();
        const gallerySide = adapters.get(id).defaultRole === 'gallery';
        const adapter = await fitAdapter(
          gallerySide ? { from: oldTrain, to: newTrain } : { from: newTrain, to: oldTrain },
          { method: id },
        );
        const seconds = (Date.now() - started) / 1000;
        const mapped = (embedded: Embedded): Embedded => ({
          pairs: applyAdapter(adapter, embedded.pairs),
          test: applyAdapter(adapter, embedded.test),
        });
        // A query adapter maps new queries into the old space; a gallery adapter (FCT) maps the
        // old gallery into the new space.
        const cross = gallerySide
          ? testResult(newEmbedded, mapped(oldEmbedded), pairs.sameIdentity, testLabels)
          : testResult(mapped(newEmbedded), oldEmbedded, pairs.sameIdentity, testLabels);
        result = { method: `none+${id}`, seed, trainSeconds: seconds, tests: { cross }, fittedOn };
        await writeJson(resultPath, result);
      }
      results.push(result);
    }
  }
  if (results.length === 0) throw new InvalidConfigError('seeds', 'no seeds to run');
  return results;
}
