// One training step of iResNet-18 (SGD with momentum and weight decay, ArcFace head) and one
// inference pass, on tfjs's `cpu` backend with bctkit's native add-on, without it (JavaScript
// kernels), and in PyTorch CPU (Debian python3-torch, 2 threads), all in the same invocation.
//
//   pnpm bench train-step [--input-size 112] [--batch 32] [--classes 1000] [--steps 2]
//                         [--skip-js] [--json]
//
// Each contender warms up on 2 images, then times `--steps` full-batch steps (the JavaScript
// contender one: a step takes minutes there). The figures are images per second.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function option(args, name, fallback) {
  const index = args.indexOf(name);
  return index < 0 ? fallback : Number(args[index + 1]);
}

async function load() {
  const requireFrom = createRequire(join(root, 'packages', 'cli', 'package.json'));
  const tf = await import(requireFrom.resolve('@tensorflow/tfjs-core'));
  const dist = (name) => join(root, 'packages', name, 'dist', 'index.js');
  return {
    tf,
    ops: await import(dist('tensor-ops')),
    backbones: await import(dist('backbones')),
    losses: await import(dist('losses')),
    cli: await import(dist('cli')),
  };
}

/** img/s of inference and of training steps with the kernels installed now. */
async function measure({ tf, backbones, losses, cli }, { size, batch, classes, steps }, log) {
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
  tf.tidy(() => model.embed(few).dataSync());
  const infer = seconds(() => tf.tidy(() => model.embed(images).dataSync()));
  log(`  inference ${(batch / infer).toFixed(3)} img/s; training...`);
  step(few, labels.slice(0, 2));
  let trained = 0;
  for (let s = 0; s < steps; s++) trained += seconds(() => step(images, labels));
  tf.dispose([images, few]);
  model.dispose();
  head.dispose();
  optimizer.dispose();
  return { infer: batch / infer, train: (batch * steps) / trained };
}

export async function run(args) {
  const json = args.includes('--json');
  const log = json ? () => {} : (line) => console.error(line);
  const settings = {
    size: option(args, '--input-size', 112),
    batch: option(args, '--batch', 32),
    classes: option(args, '--classes', 1000),
    steps: option(args, '--steps', 2),
  };
  const packages = await load();
  const { tf, ops } = packages;
  await ops.useBackend('cpu');
  tf.env().set('PROD', true);
  const status = ops.cpuKernelStatus();
  const results = { native: null, js: null, pytorch: null };
  if (status.native.length > 0) {
    log(`native add-on (${status.native.length} kernels)...`);
    results.native = await measure(packages, settings, log);
  } else {
    log(`native add-on unavailable: ${status.nativeUnavailable}`);
  }
  if (!args.includes('--skip-js')) {
    log('JavaScript kernels (one step; this takes minutes)...');
    ops.installCpuKernels({ native: false });
    results.js = await measure(packages, { ...settings, steps: 1 }, log);
    ops.installCpuKernels();
  }
  try {
    log('PyTorch...');
    results.pytorch = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          join(import.meta.dirname, 'train_step_peer.py'),
          ...[settings.size, settings.batch, settings.classes, settings.steps].map(String),
        ],
        { encoding: 'utf8' },
      ),
    );
  } catch (error) {
    log(`PyTorch unavailable (apt-get install python3-torch): ${error.message.split('\n')[0]}`);
  }
  const ratio = (key, mode) =>
    results[key] && results.pytorch
      ? +(results[key][mode] / results.pytorch[mode]).toFixed(3)
      : null;
  const output = {
    benchmark: 'train-step',
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
    model: 'iresnet-18',
    ...settings,
    train: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v?.train ?? null])),
    infer: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v?.infer ?? null])),
    ratioToPytorch: {
      train: { native: ratio('native', 'train'), js: ratio('js', 'train') },
      infer: { native: ratio('native', 'infer'), js: ratio('js', 'infer') },
    },
    torch: results.pytorch?.torch ?? null,
  };
  if (json) {
    console.log(JSON.stringify(output));
    return;
  }
  const fmt = (value) => (value === null ? '-' : value.toPrecision(3));
  console.log(
    `iresnet-18 at ${settings.size}x${settings.size}, batch ${settings.batch}, ArcFace over ${settings.classes} classes (img/s, higher is better)`,
  );
  console.log('            native      js  PyTorch  native/PyTorch  js/PyTorch');
  for (const mode of ['train', 'infer']) {
    const row = output[mode];
    const r = output.ratioToPytorch[mode];
    console.log(
      `  ${mode.padEnd(8)}${fmt(row.native).padStart(8)}${fmt(row.js).padStart(8)}${fmt(row.pytorch).padStart(9)}${String(r.native ?? '-').padStart(16)}${String(r.js ?? '-').padStart(12)}`,
    );
  }
}
