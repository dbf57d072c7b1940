// One training step of iResNet-18 (SGD with momentum and weight decay, ArcFace head) and one
// inference pass, on tfjs's `cpu` backend with bctkit's native add-on (oneDNN convolutions when
// built with them, and again with oneDNN switched off: im2col + OpenBLAS), without it (JavaScript
// kernels), and in PyTorch CPU (Debian python3-torch, 2 threads) twice: as installed, and with
// glibc's malloc keeping freed memory (see HEAP_MALLOC), all in the same invocation.
//
//   pnpm bench train-step [--input-size 112] [--batch 32] [--classes 1000] [--steps 2]
//                         [--skip-js] [--skip-im2col] [--json]
//
// Each contender warms up on a full batch (the JavaScript one on 2 images: a step takes minutes
// there), then times `--steps` inference passes and `--steps` training steps (the JavaScript
// contender one). The figures are images per second, and the peak resident memory of the native
// contender (measured first, so the figure is its own) and of each PyTorch process.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { loadBuilt } from './arguments.mjs';

function option(args, name, fallback) {
  const index = args.indexOf(name);
  return index < 0 ? fallback : Number(args[index + 1]);
}

/**
 * img/s of inference and of training steps with the kernels installed now. Each mode warms up on
 * a full batch first (`full`; the JavaScript contender on 2 images, a full step takes minutes
 * there), so buffers, oneDNN's generated kernels and the pool are in place, then times `steps`.
 */
async function measure({ tf, backbones, losses, cli }, { size, batch, classes, steps }, full, log) {
  const model = backbones.createBackbone({ type: 'iresnet-18', inputSize: size, seed: 1 });
  const head = losses.createHead(
    { type: 'arcface', scale: 64, margin: 0.5 },
    { numClasses: classes, embeddingDim: 512, seed: 2 },
  );
  const optimizer = new cli.Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 3);
  const labels = Array.from({ length: batch }, (_, i) => (i * 7919) % classes);
  const variables = [...model.trainableVariables, ...head.trainableVariables];
  const step = (x, y) => {
    const { value, grads } = tf.variableGrads(
      () => head.loss(model.apply(x, { training: true }), y),
      variables,
    );
    optimizer.step(
      variables.map((v) => [v, grads[v.name]]),
      0.1,
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const seconds = (body) => {
    const start = performance.now();
    body();
    return (performance.now() - start) / 1000;
  };
  const few = tf.slice(images, 0, 2);
  const warm = full ? images : few;
  const infer = () => tf.tidy(() => model.embed(images).dataSync());
  tf.tidy(() => model.embed(warm).dataSync());
  let inferred = 0;
  for (let s = 0; s < steps; s++) inferred += seconds(infer);
  log(`  inference ${((batch * steps) / inferred).toFixed(3)} img/s; training...`);
  step(warm, labels.slice(0, warm.shape[0]));
  let trained = 0;
  for (let s = 0; s < steps; s++) trained += seconds(() => step(images, labels));
  tf.dispose([images, few]);
  model.dispose();
  head.dispose();
  optimizer.dispose();
  return { infer: (batch * steps) / inferred, train: (batch * steps) / trained };
}

/** The PyTorch peer's figures, in a process of its own with `env` added. */
function pytorch(settings, env, log) {
  try {
    return JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          join(import.meta.dirname, 'train_step_peer.py'),
          ...[settings.size, settings.batch, settings.classes, settings.steps].map(String),
        ],
        { encoding: 'utf8', env: { ...process.env, ...env } },
      ),
    );
  } catch (error) {
    log(`PyTorch unavailable (apt-get install python3-torch): ${error.message.split('\n')[0]}`);
    return null;
  }
}

/**
 * glibc settings that keep freed memory in the heap instead of returning it to the system, so a
 * process does not fault its pages in again on every step. PyTorch's CPU allocator has no cache of
 * its own; bctkit's buffer pool does this for its kernels. Shown so the comparison is fair both
 * ways.
 */
const HEAP_MALLOC = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' };

export async function run(args) {
  const json = args.includes('--json');
  const log = json ? () => {} : (line) => console.error(line);
  const settings = {
    size: option(args, '--input-size', 112),
    batch: option(args, '--batch', 32),
    classes: option(args, '--classes', 1000),
    steps: option(args, '--steps', 2),
  };
  const packages = await loadBuilt({
    ops: 'tensor-ops',
    backbones: 'backbones',
    losses: 'losses',
    cli: 'cli',
  });
  const { tf, ops } = packages;
  await ops.useBackend('cpu');
  tf.env().set('PROD', true);
  const status = ops.cpuKernelStatus();
  const library = status.library ?? 'JavaScript';
  const onednn = /oneDNN/.test(library);
  const results = { native: null, im2col: null, js: null, pytorch: null, pytorchHeap: null };
  let nativeRssMb = null;
  if (status.native.length > 0) {
    log(`native add-on (${library})...`);
    results.native = await measure(packages, settings, true, log);
    nativeRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    if (onednn && !args.includes('--skip-im2col')) {
      log('native add-on with oneDNN switched off (im2col + OpenBLAS)...');
      process.env.BCTKIT_ONEDNN = '0';
      results.im2col = await measure(packages, settings, true, log);
      delete process.env.BCTKIT_ONEDNN;
    }
  } else {
    log(`native add-on unavailable: ${status.nativeUnavailable}`);
  }
  if (!args.includes('--skip-js')) {
    log('JavaScript kernels (one step; this takes minutes)...');
    ops.installCpuKernels({ native: false });
    results.js = await measure(packages, { ...settings, steps: 1 }, false, log);
    ops.installCpuKernels();
  }
  log('PyTorch...');
  results.pytorch = pytorch(settings, {}, log);
  log('PyTorch with heap-keeping malloc...');
  results.pytorchHeap = pytorch(settings, HEAP_MALLOC, log);
  const ratio = (key, mode, peer = 'pytorch') =>
    results[key] && results[peer] ? +(results[key][mode] / results[peer][mode]).toFixed(3) : null;
  const contenders = ['native', 'im2col', 'js'];
  const output = {
    benchmark: 'train-step',
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
    model: 'iresnet-18',
    ...settings,
    kernels: library,
    train: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v?.train ?? null])),
    infer: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v?.infer ?? null])),
    ratioToPytorch: Object.fromEntries(
      ['train', 'infer'].map((mode) => [
        mode,
        Object.fromEntries(contenders.map((key) => [key, ratio(key, mode)])),
      ]),
    ),
    ratioToPytorchHeap: Object.fromEntries(
      ['train', 'infer'].map((mode) => [mode, { native: ratio('native', mode, 'pytorchHeap') }]),
    ),
    peakRssMb: {
      native: nativeRssMb,
      pytorch: results.pytorch?.maxRssMb ?? null,
      pytorchHeap: results.pytorchHeap?.maxRssMb ?? null,
    },
    torch: results.pytorch?.torch ?? null,
  };
  if (json) {
    console.log(JSON.stringify(output));
    return;
  }
  const fmt = (value) => (value === null ? '-' : value.toPrecision(3));
  console.log(
    `iresnet-18 at ${settings.size}x${settings.size}, batch ${settings.batch}, ArcFace over ${settings.classes} classes, ${output.kernels} (img/s, higher is better)`,
  );
  console.log(
    '            native  im2col      js  PyTorch  PyTorch(heap)  native/PyTorch  native/PyTorch(heap)',
  );
  for (const mode of ['train', 'infer']) {
    const row = output[mode];
    console.log(
      `  ${mode.padEnd(8)}${fmt(row.native).padStart(8)}${fmt(row.im2col).padStart(8)}${fmt(row.js).padStart(8)}${fmt(row.pytorch).padStart(9)}${fmt(row.pytorchHeap).padStart(15)}${String(output.ratioToPytorch[mode].native ?? '-').padStart(16)}${String(output.ratioToPytorchHeap[mode].native ?? '-').padStart(22)}`,
    );
  }
  const rss = output.peakRssMb;
  console.log(
    `  peak resident memory (MB): native ${rss.native ?? '-'}, PyTorch ${rss.pytorch ?? '-'}, PyTorch(heap) ${rss.pytorchHeap ?? '-'}`,
  );
}
