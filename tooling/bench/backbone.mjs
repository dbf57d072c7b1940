// iResNet forward and training-step throughput on the pure-JS `cpu` backend, beside PyTorch CPU
// (Debian python3-torch, 2 threads) running the same model, input and batch in the same invocation.
//
//   pnpm bench backbone [--depth 18] [--input-size 112] [--batch 32] [--json]
//
// Each contender runs one warm-up pass on 2 images, then one timed pass on the batch. The training
// step is SGD with momentum on the backbone plus a 1,000-class normalised-linear margin head
// (CosFace form, s = 64, m = 0.4): the head costs little next to the backbone.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const CLASSES = 1000;

function option(args, name, fallback) {
  const index = args.indexOf(name);
  return index < 0 ? fallback : Number(args[index + 1]);
}

export async function run(args) {
  const json = args.includes('--json');
  const log = json ? () => {} : (line) => console.error(line);
  const depth = option(args, '--depth', 18);
  const size = option(args, '--input-size', 112);
  const batch = option(args, '--batch', 32);
  const requireFromBackbones = createRequire(join(root, 'packages', 'backbones', 'package.json'));
  const tf = await import(requireFromBackbones.resolve('@tensorflow/tfjs-core'));
  await import(requireFromBackbones.resolve('@tensorflow/tfjs-backend-cpu'));
  const ops = await import(join(root, 'packages', 'tensor-ops', 'dist', 'index.js'));
  const backbones = await import(join(root, 'packages', 'backbones', 'dist', 'index.js'));
  await ops.useBackend('cpu');
  tf.env().set('PROD', true); // no "install tfjs-node" banner

  const model = backbones.createBackbone({ type: `iresnet-${depth}`, inputSize: size });
  const head = tf.variable(tf.randomNormal([512, CLASSES], 0, 0.01, 'float32', 1));
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 2);
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7919) % CLASSES),
    'int32',
  );
  const time = async (body) => {
    const start = performance.now();
    const out = body();
    await out.data();
    out.dispose();
    return (performance.now() - start) / 1000;
  };
  const slice = (tensor, count) => tf.slice(tensor, 0, count);

  log(`iresnet-${depth}, ${size}x${size}, batch ${batch}, cpu backend: forward...`);
  await time(() => model.embed(slice(images, 2)));
  const forward = await time(() => model.embed(images));

  const optimizer = tf.train.momentum(0.1, 0.9);
  const variables = [...model.trainableVariables, head];
  const step = (x, y) =>
    optimizer.minimize(
      () => {
        const embeddings = model.apply(x, { training: true });
        const cosine = tf.matMul(
          tf.div(embeddings, tf.norm(embeddings, 2, 1, true)),
          tf.div(head, tf.norm(head, 2, 0, true)),
        );
        const margin = tf.mul(tf.oneHot(y, CLASSES), 0.4);
        return tf.losses.softmaxCrossEntropy(
          tf.oneHot(y, CLASSES),
          tf.mul(tf.sub(cosine, margin), 64),
        );
      },
      true,
      variables,
    );
  log('training step...');
  await time(() => step(slice(images, 2), slice(labels, 2)));
  const train = await time(() => step(images, labels));
  const ours = { inferImagesPerSecond: batch / forward, trainImagesPerSecond: batch / train };

  let peer = null;
  try {
    log('PyTorch peer...');
    peer = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [join(import.meta.dirname, 'backbone_peer.py'), depth, size, batch, CLASSES].map(String),
        { encoding: 'utf8' },
      ),
    );
  } catch (error) {
    log(`peer unavailable (apt-get install python3-torch): ${error.message.split('\n')[0]}`);
  }
  const result = {
    benchmark: 'backbone',
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
    model: `iresnet-${depth}`,
    inputSize: size,
    batch,
    ours,
    peer,
    ratio: peer
      ? {
          infer: +(ours.inferImagesPerSecond / peer.inferImagesPerSecond).toFixed(4),
          train: +(ours.trainImagesPerSecond / peer.trainImagesPerSecond).toFixed(4),
        }
      : null,
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  const fmt = (value) => value.toPrecision(3);
  console.log(`iresnet-${depth} at ${size}x${size}, batch ${batch} (img/s, higher is better)`);
  console.log(
    `  inference: bctkit cpu ${fmt(ours.inferImagesPerSecond)}${peer ? `, PyTorch ${fmt(peer.inferImagesPerSecond)}, ratio ${result.ratio.infer}` : ''}`,
  );
  console.log(
    `  training:  bctkit cpu ${fmt(ours.trainImagesPerSecond)}${peer ? `, PyTorch ${fmt(peer.trainImagesPerSecond)}, ratio ${result.ratio.train}` : ''}`,
  );
}
