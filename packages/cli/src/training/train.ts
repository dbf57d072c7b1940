import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Backbone, extractFeatures, resolveBackboneConfig } from '@bctkit/backbones';
import { createDataLoader, type DatasetSource, openSource } from '@bctkit/datasets';
import {
  type ClassificationHead,
  type CompatibilityLoss,
  type CompatibilitySpec,
  createHead,
  OLD_FEATURES,
} from '@bctkit/losses';
import {
  createDirectory,
  type HostMatrix,
  InvalidConfigError,
  OutputExistsError,
  parseConfig,
  readFileOrFail,
  removeStalePartials,
  TrainingDivergedError,
  writeFileAtomic,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { pathExists } from '../path-exists.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { jsonLinesLog, type StepReport, type TrainCallback, tensorBoardLog } from './callbacks.js';
import { Checkpointer, readResumePoint } from './checkpointer.js';
import { initialiseWeights, initSource } from './initialise.js';
import { QUERY_ADAPTER_FILE, writeQueryAdapter } from './query-adapter.js';
import { copyGlobalRegistries, globalRegistries, type TrainRegistries } from './registries.js';
import { loadResources, type ResolvedResources, resolveResources } from './resources.js';
import { learningRateAt } from './schedule.js';
import { Sgd } from './sgd.js';
import { type TrainConfig, type TrainConfigInput, trainConfigSchema } from './train-config.js';
import { TrainStep } from './train-step.js';

export type { StepReport } from './callbacks.js';

/** What {@link train} reports about its data before the first step. */
export interface DataReport {
  readonly images: number;
  readonly classes: number;
  /** `[height, width, channels]` of the dataset's first image. */
  readonly sourceShape: readonly [number, number, 1 | 3];
  /**
   * `[height, width, channels]` the backbone takes: images of another size are resized to it
   * (antialiased bilinear, as Pillow's `BILINEAR`), RGB turned grey (ITU-R 601) or grey repeated.
   */
  readonly inputShape: readonly [number, number, 1 | 3];
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Run directory: `checkpoint/`, `train.jsonl` and `tensorboard/` go here. */
  readonly out: string;
  /** Continue the run in `out` from its last checkpoint (same data order and random draws). */
  readonly resume?: boolean;
  /**
   * Without `resume`, replace a run already in `out` (its checkpoint, log and TensorBoard
   * events). Default false: an existing run is refused rather than overwritten.
   */
  readonly force?: boolean;
  readonly onStep?: (report: StepReport) => void;
  /**
   * Followers of the run besides its JSONL log and TensorBoard events (which it always writes),
   * called after each step and checkpoint, after those and before `onStep`.
   */
  readonly callbacks?: readonly TrainCallback[];
  /** Told once, before the first step, what the data is and how its images are converted. */
  readonly onData?: (report: DataReport) => void;
  /** Stop after this many steps of this invocation (for tests and time-boxed runs). */
  readonly maxSteps?: number;
  /**
   * Stops the run cleanly: the step under way finishes, a checkpoint is written, and `train`
   * returns with `interrupted` set (`bct train` aborts it on SIGINT). `--resume` continues.
   */
  readonly signal?: AbortSignal;
  /**
   * The components the config may name. Default: the process-wide registries of each package
   * ({@link globalRegistries}); `bct train --plugin` passes copies with the plugins' components.
   */
  readonly registries?: TrainRegistries;
  /** Told things the user should know that are not errors (e.g. a resource the method ignores). */
  readonly onNote?: (message: string) => void;
}

/** The trained model and its head. The caller disposes both. */
export interface TrainResult {
  readonly backbone: Backbone;
  readonly head: ClassificationHead;
  readonly steps: number;
  readonly lastLoss: number;
  readonly config: TrainConfig;
  /** True when {@link TrainOptions.signal} stopped the run before its end. */
  readonly interrupted?: boolean;
  /** Steps this invocation ran (0 when `resume` found the run already finished). */
  readonly stepsThisRun: number;
  /**
   * The adapter file mapping the new model's queries into the old space, for methods that learn
   * one (BT²): `<out>/query-adapter.json`, written with every checkpoint.
   */
  readonly queryAdapter?: string;
}

/** A per-step seed, so random draws do not depend on how many steps ran before a resume. */
function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
}

/** The backbone's features of every image of `source`, in dataset order, without flips. */
async function embedInOrder(
  backbone: Backbone,
  source: DatasetSource,
  batchSize: number,
): Promise<HostMatrix> {
  const loader = await createDataLoader(source, {
    batchSize,
    shuffle: false,
    flip: false,
    workers: 0,
    size: [backbone.inputShape[0], backbone.inputShape[1]],
    channels: backbone.inputShape[2],
  });
  try {
    const features = await extractFeatures(backbone, loader.batches(0), { total: source.size });
    return { data: features.features, rows: features.count, cols: features.dim };
  } finally {
    await loader.close();
  }
}

/**
 * Trains a backbone with a head and a compatibility loss: SGD with momentum and weight decay,
 * the learning-rate schedule, gradient-norm clipping of the backbone, a seeded data order, and a
 * checkpoint (backbone, head, optimiser and loss state) every `checkpointEvery` steps and at each
 * epoch's end, written atomically. With `resume`, a killed run continues from its last checkpoint
 * with the same data order and random draws: the result equals an uninterrupted run.
 *
 * The pieces are exported for a loop of one's own: {@link TrainStep} (one update),
 * {@link Checkpointer} (save and restore everything a resume needs) and {@link TrainCallback}s
 * ({@link jsonLinesLog}, {@link tensorBoardLog}, or yours through `options.callbacks`).
 *
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for a bad config, or a resume whose config
 *   differs from the run's.
 */
export async function train(input: TrainConfigInput, options: TrainOptions): Promise<TrainResult> {
  const config = parseConfig(trainConfigSchema, input, 'config');
  const registries = await withPlugins(config, options);
  const checked = checkBeforeTraining(config, registries);
  for (const key of checked.resources.ignored)
    options.onNote?.(
      `config.${key} is not read: ${registries.losses.get(config.loss.type).id} does not use it`,
    );
  await refuseExistingRun(options);

  const source = await openSource(config.data, 'config.data', registries.sources);
  try {
    return await trainOn(source, config, checked, { ...options, registries });
  } finally {
    await source.close();
  }
}

/**
 * The registries of the run: the given ones (or the process-wide ones) and, when the config
 * names plugins, copies of them with the plugins' components, so that loading a plugin changes
 * nothing outside the run.
 */
async function withPlugins(config: TrainConfig, options: TrainOptions): Promise<TrainRegistries> {
  const base = options.registries ?? globalRegistries();
  if (config.plugins === undefined || config.plugins.length === 0) return base;
  const registries = copyGlobalRegistries(base);
  for (const plugin of await loadPlugins(config.plugins, registries))
    options.onNote?.(
      `plugin ${plugin.origin}: ${plugin.components.length === 0 ? 'registered nothing' : `registered ${plugin.components.join(', ')}`}`,
    );
  return registries;
}

/** What {@link checkBeforeTraining} found, for the run to use as it is. */
interface CheckedRun {
  readonly method: CompatibilitySpec;
  /** The loss config as its schema parses it (defaults filled in). */
  readonly lossConfig: { type: string };
  readonly backbone: ReturnType<typeof resolveBackboneConfig>;
  readonly resources: ResolvedResources;
}

/**
 * Checks, before any data is read or model built, the options of every component (a bad value
 * stops the run before it writes anything) and that the config gives every resource the
 * compatibility method declares.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} naming the first bad or missing config key.
 */
function checkBeforeTraining(config: TrainConfig, registries: TrainRegistries): CheckedRun {
  const method = registries.losses.get(config.loss.type);
  const lossConfig = parseConfig(
    method.configSchema,
    { ...config.loss, type: method.id },
    'config.loss',
  );
  const head = registries.heads.get(config.head.type);
  parseConfig(head.configSchema, { ...config.head, type: head.id }, 'config.head');
  const backbone = resolveBackboneConfig(
    { seed: config.seed, ...config.backbone },
    'config.backbone',
    registries.backbones,
  );
  return { method, lossConfig, backbone, resources: resolveResources(config, method) };
}

/** What a run leaves in its directory. */
const RUN_FILES = ['checkpoint', 'train.jsonl', 'tensorboard', QUERY_ADAPTER_FILE] as const;

/**
 * Refuses, before anything is read or written, to start a new run over an existing one, unless
 * `resume` (continue it) or `force` (replace it).
 */
async function refuseExistingRun(options: TrainOptions): Promise<void> {
  if (options.resume || options.force) return;
  for (const name of RUN_FILES) {
    const path = join(options.out, name);
    if (await pathExists(path))
      throw new OutputExistsError(path, '--out', 'or continue the run with --resume');
  }
}

/**
 * Creates the run directory once every input has been checked, removes the temporary files a
 * killed run left there, and with `force` (not `resume`) the previous run's files.
 */
async function createRunDirectory(options: TrainOptions): Promise<void> {
  await createDirectory(options.out, 'create the run directory');
  for (const directory of [options.out, join(options.out, 'checkpoint')])
    await removeStalePartials(directory);
  if (options.force && !options.resume)
    for (const name of RUN_FILES)
      await rm(join(options.out, name), { recursive: true, force: true });
}

/**
 * Drops the log lines of steps after `step` (written after the last checkpoint by a run that was
 * killed), so that after a resume the log holds each step once.
 */
async function truncateLog(logFile: string, step: number): Promise<void> {
  if (!(await pathExists(logFile))) return;
  const lines = (await readFileOrFail(logFile, 'the training log')).toString('utf8').split('\n');
  const kept = lines.filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { step?: number }).step! <= step;
    } catch {
      return false; // a line cut short by the kill
    }
  });
  if (kept.length !== lines.filter((line) => line.trim() !== '').length)
    await writeFileAtomic(logFile, kept.map((line) => `${line}\n`).join(''));
}

/** {@link train} on an open dataset (which the caller closes). */
async function trainOn(
  source: DatasetSource,
  config: TrainConfig,
  checked: CheckedRun,
  options: TrainOptions & { readonly registries: TrainRegistries },
): Promise<TrainResult> {
  const { registries } = options;
  const { method, resources } = checked;
  const checkpointDirectory = join(options.out, 'checkpoint');
  const logFile = join(options.out, 'train.jsonl');
  const { embeddingDim } = checked.backbone.spec.size(checked.backbone.config);
  const numClasses = config.numClasses ?? source.numClasses;
  // Every resource the method declares, read and checked against the run before any model is
  // built: a wrong file stops here, not at the first step.
  const matrices = await loadResources(resources.used, {
    images: source.size,
    classes: numClasses,
    embeddingDim,
  });
  const perImage = new Map(
    resources.used
      .filter(({ spec }) => spec.rows === 'images')
      .map(({ spec }) => [spec.key, matrices.get(spec.key)!]),
  );

  const configText = JSON.stringify(config);
  const resume =
    options.resume && (await pathExists(join(checkpointDirectory, 'model.json')))
      ? await readResumePoint(checkpointDirectory, configText, options.out)
      : undefined;
  if (resume !== undefined) await truncateLog(logFile, resume.step);
  const backbone = resume?.backbone ?? checked.backbone.spec.create(checked.backbone.config);
  const trainingLabels = await source.labels();
  const head = createHead(
    config.head,
    { numClasses, embeddingDim: backbone.embeddingDim, seed: config.seed },
    'config.head',
    registries.heads,
  );
  // A new run may start from existing weights (a resume has its own). The run directory is made
  // only once they are known to fit.
  const init = initSource(config);
  try {
    if (resume === undefined && init !== undefined) await initialiseWeights(init, backbone, head);
    await createRunDirectory(options);
  } catch (error) {
    backbone.dispose();
    head.dispose();
    if (resume !== undefined) tf.dispose([...resume.tensors.values()]);
    throw error;
  }
  // The method builds its own context from its resources (LCE's class centres, ...).
  const loss: CompatibilityLoss = method.create(
    checked.lossConfig,
    await method.prepare({
      labels: trainingLabels,
      numClasses,
      embeddingDim: backbone.embeddingDim,
      matrices,
    }),
  );
  const optimizer = new Sgd({
    momentum: config.optimizer.momentum,
    weightDecay: config.optimizer.weightDecay,
  });
  const checkpointer = new Checkpointer({
    directory: checkpointDirectory,
    backbone,
    head,
    loss,
    optimizer,
    config: configText,
  });
  if (resume !== undefined) checkpointer.restore(resume.tensors);
  const trainStep = new TrainStep({
    backbone,
    head,
    loss,
    optimizer,
    clipNorm: config.optimizer.clipNorm,
    perImage,
  });

  let step = resume?.step ?? 0;
  let lastLoss = resume?.lastLoss ?? Number.NaN;
  let lastCheckpointStep: number | undefined = resume?.step;
  let queryAdapter: string | undefined;
  const callbacks: TrainCallback[] = [
    jsonLinesLog(logFile),
    tensorBoardLog(join(options.out, 'tensorboard')),
    // The adapter of a method that learns a map into the old space, beside every checkpoint.
    {
      onCheckpoint: async () => {
        queryAdapter = await writeQueryAdapter(options.out, loss, {
          rows: source.size,
          inputs: resources.used.map(({ spec }) => matrices.get(spec.key)!),
        });
      },
    },
    ...(options.callbacks ?? []),
    ...(options.onStep === undefined ? [] : [{ onStep: options.onStep }]),
  ];
  const checkpoint = async (epoch: number, nextBatch: number) => {
    await checkpointer.save({ step, epoch, nextBatch, lastLoss });
    lastCheckpointStep = step;
    for (const callback of callbacks) await callback.onCheckpoint?.(step);
  };

  const loader = await createDataLoader(source, {
    batchSize: config.batchSize,
    shuffle: true,
    flip: config.flip,
    seed: config.seed,
    ...(config.workers === undefined ? {} : { workers: config.workers }),
    // Images of another size or colour than the backbone takes are converted to its input.
    size: [backbone.inputShape[0], backbone.inputShape[1]],
    channels: backbone.inputShape[2],
  });
  options.onData?.({
    images: source.size,
    classes: numClasses,
    sourceShape: loader.sourceShape,
    inputShape: loader.imageShape,
  });
  const stepsPerEpoch = loader.batchesPerEpoch;
  const totalSteps = stepsPerEpoch * config.epochs;
  let stepsThisRun = 0;
  const result = (interrupted: boolean): TrainResult => ({
    backbone,
    head,
    steps: step,
    lastLoss,
    config,
    stepsThisRun,
    ...(queryAdapter === undefined ? {} : { queryAdapter }),
    ...(interrupted ? { interrupted: true } : {}),
  });
  try {
    const startEpoch = resume?.epoch ?? 0;
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      let batchIndex = epoch === startEpoch ? (resume?.nextBatch ?? 0) : 0;
      if (batchIndex === 0 && loss.atEpochStart !== undefined) {
        const oldFeatures = matrices.get(OLD_FEATURES.key);
        await loss.atEpochStart({
          epoch,
          ...(oldFeatures === undefined ? {} : { oldFeatures }),
          resources: matrices,
          labels: trainingLabels,
          numClasses,
          embedTrainingSet: () => embedInOrder(backbone, source, config.batchSize),
        });
      }
      for await (const batch of loader.batches(epoch, { startBatch: batchIndex })) {
        const started = performance.now();
        const learningRate = learningRateAt(
          config.schedule,
          config.optimizer.learningRate,
          step,
          stepsPerEpoch,
          config.epochs,
        );
        const outcome = await trainStep.run(batch, {
          learningRate,
          epoch,
          epochs: config.epochs,
          progress: step / totalSteps,
          seed: stepSeed(config.seed, step),
        });
        lastLoss = outcome.loss;
        batch.release();
        step++;
        stepsThisRun++;
        batchIndex++;
        if (!Number.isFinite(lastLoss))
          throw new TrainingDivergedError(
            step,
            lastLoss,
            `training diverged: lower config.optimizer.learningRate and start again (--force); ${lastCheckpointStep === undefined ? 'no checkpoint was written yet' : `the checkpoint of step ${lastCheckpointStep} is kept`}`,
          );
        const report: StepReport = {
          step,
          totalSteps,
          epoch,
          loss: lastLoss,
          learningRate,
          gradientNorm: outcome.gradientNorm,
          imagesPerSecond: batch.indices.length / ((performance.now() - started) / 1000),
        };
        for (const callback of callbacks) await callback.onStep?.(report);
        const epochDone = batchIndex === stepsPerEpoch;
        const due = step % config.checkpointEvery === 0 || epochDone;
        if (due) await checkpoint(epochDone ? epoch + 1 : epoch, epochDone ? 0 : batchIndex);
        const aborted = options.signal?.aborted === true;
        if (aborted || (options.maxSteps !== undefined && stepsThisRun >= options.maxSteps)) {
          if (!due) await checkpoint(epoch, batchIndex);
          return result(aborted);
        }
      }
    }
    return result(false);
  } finally {
    optimizer.dispose();
    loss.dispose();
    await loader.close();
  }
}

/** Reads a training config file: JSON, or YAML when `yaml` is installed (`.yaml`/`.yml`). */
export async function readTrainConfig(path: string): Promise<unknown> {
  const text = (await readFileOrFail(path, 'the training config')).toString('utf8');
  if (/\.ya?ml$/i.test(path)) {
    const yaml = (await import('yaml')) as { parse(text: string): unknown };
    try {
      return yaml.parse(text);
    } catch (cause) {
      throw new InvalidConfigError(
        path,
        `not valid YAML: ${(cause as Error).message.split('\n', 1)[0]}`,
        { cause },
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidConfigError(path, `not JSON: ${(cause as Error).message}`);
  }
}
