// Feature extraction with an external tfjs graph model (MobileFaceNet from models/mobilefacenet,
// 112x112, 192-d) on tfjs's `cpu` backend with bctkit's kernels (the default for `bct` when the
// native add-on is built), on `cpu` with tfjs's own kernels, and on `wasm` (tfjs's WebAssembly
// backend, the fastest tfjs backend for it before bctkit's depthwise and fused kernels), in one
// invocation. Every contender embeds the same images; the features are compared with wasm's.
//
//   pnpm bench external-model [--config models/mobilefacenet/repaired.json] [--batch 32]
//                             [--steps 3] [--skip-js] [--json]
//
// Each contender warms up on a full batch, then times `--steps` batches (tfjs's own kernels one:
// they take seconds per batch). The figures are images per second.
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBuilt, option } from './arguments.mjs';

const root = join(import.meta.dirname, '..', '..');

/** img/s and the features of `images` (host values) on the backend active now. */
async function measure({ tf, backbones }, config, images, shape, steps) {
  const model = await backbones.loadExternalModel(config);
  const input = tf.tensor4d(images, shape);
  const run = () => tf.tidy(() => model.embed(input).dataSync());
  const features = run(); // warm-up on the full batch, and the features to compare
  const start = performance.now();
  for (let s = 0; s < steps; s++) run();
  const seconds = (performance.now() - start) / 1000;
  input.dispose();
  model.dispose();
  return { imagesPerSecond: (shape[0] * steps) / seconds, features: Float32Array.from(features) };
}

function largestDifference(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export async function run(args) {
  const json = args.includes('--json');
  const log = json ? () => {} : (line) => console.error(line);
  const config = resolve(option(args, 'config', join(root, 'models/mobilefacenet/repaired.json')));
  const batch = Number(option(args, 'batch', 32));
  const steps = Number(option(args, 'steps', 3));
  const packages = await loadBuilt({ ops: 'tensor-ops', backbones: 'backbones' });
  const { tf, ops } = packages;
  tf.env().set('PROD', true);
  const loader = ops.createModuleLoader(join(root, 'packages', 'cli', 'package.json'));
  // Smooth, face-sized images in bctkit's input scale [-1, 1], the same for every contender.
  const shape = [batch, 112, 112, 3];
  const images = Float32Array.from(
    { length: batch * 112 * 112 * 3 },
    (_, i) => Math.sin(i / 977) * 0.8 + (i % 3) * 0.05 + Math.sin(i / 31) * 0.1,
  );
  const results = { native: null, js: null, wasm: null };
  await ops.useBackend('cpu', { loader, purpose: 'inference' });
  const status = ops.cpuKernelStatus();
  if (status.native.length > 0) {
    log(`cpu with bctkit's native kernels (${status.library})...`);
    results.native = await measure(packages, config, images, shape, steps);
  } else {
    log(`native add-on unavailable: ${status.nativeUnavailable}`);
  }
  if (!args.includes('--skip-js')) {
    log("cpu with tfjs's own kernels...");
    ops.uninstallCpuKernels();
    results.js = await measure(packages, config, images, shape, 1);
    ops.installCpuKernels();
  }
  try {
    await ops.useBackend('wasm', { loader, purpose: 'inference' });
    log('wasm...');
    results.wasm = await measure(packages, config, images, shape, steps);
  } catch (error) {
    log(`wasm unavailable: ${error.message.split('\n')[0]}`);
  }
  const speed = (key) => results[key]?.imagesPerSecond ?? null;
  const ratio = (key) =>
    results[key] && results.wasm ? +(speed(key) / speed('wasm')).toFixed(3) : null;
  const difference = (key) =>
    results[key] && results.wasm
      ? largestDifference(results[key].features, results.wasm.features)
      : null;
  const output = {
    benchmark: 'external-model',
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
    config,
    batch,
    steps,
    kernels: status.library ?? 'JavaScript',
    imagesPerSecond: { native: speed('native'), js: speed('js'), wasm: speed('wasm') },
    ratioToWasm: { native: ratio('native'), js: ratio('js') },
    largestFeatureDifferenceFromWasm: { native: difference('native'), js: difference('js') },
  };
  if (json) {
    console.log(JSON.stringify(output));
    return;
  }
  const fmt = (value) => (value === null ? '-' : value.toPrecision(3));
  console.log(`${config}, batch ${batch} (img/s, higher is better)`);
  console.log('  contender                         img/s  / wasm  largest |feature - wasm|');
  for (const [key, label] of [
    ['native', `cpu, bctkit kernels (${output.kernels})`],
    ['js', "cpu, tfjs's own kernels"],
    ['wasm', 'wasm'],
  ]) {
    console.log(
      `  ${label.slice(0, 32).padEnd(32)}${fmt(speed(key)).padStart(7)}${String(key === 'wasm' ? 1 : (ratio(key) ?? '-')).padStart(8)}  ${key === 'wasm' ? '' : fmt(difference(key))}`,
    );
  }
}
