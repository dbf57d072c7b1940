/**
 * The `bct` command line, and the library functions its commands are built on.
 * @packageDocumentation
 * @module @bctkit/cli
 */

export { activateBackend } from './backend.js';
export { type InspectReport, inspectRecordSet } from './commands/data.js';
export { formatDemo } from './commands/demo.js';
export {
  collectEnvironment,
  type EnvironmentReport,
  formatEnvironment,
} from './commands/env.js';
export { formatIdentificationReport, formatIjbcReport } from './commands/eval.js';
export {
  COMPONENT_CATEGORIES,
  type ListedComponent,
  listComponents,
} from './commands/list.js';
export { applyOverrides } from './commands/train.js';
export {
  formatVerification,
  openBinPairSet,
  openListPairSet,
  type PairSet,
  type VerificationSummary,
  type VerificationTest,
  verificationTests,
} from './commands/verification.js';
export { type ConfigField, configFields } from './config-fields.js';
export { describeFailure, type FailureReport } from './errors/describe-failure.js';
export { UsageError } from './errors/usage-error.js';
export { type CliIo, processIo } from './io.js';
export {
  DEMO_EPOCHS,
  DEMO_HEAD,
  DEMO_MIXBCT_RATIO,
  DEMO_OLD_HEAD,
  type DemoMethodResult,
  type DemoOptions,
  type DemoResult,
  runDemo,
} from './pipelines/demo.js';
export {
  type EmbedImagesOptions,
  type EncodedImages,
  embedImages,
  encodedImageSource,
} from './pipelines/embed-images.js';
export {
  FACE_BENCHMARK_METHODS,
  type FaceBenchmarkOptions,
  type FaceBenchmarkPreset,
  type FaceRunResult,
  type FaceTestResult,
  runFaceBenchmark,
} from './pipelines/face-benchmark.js';
export { embedIjbcImages, type IjbcImageOptions } from './pipelines/ijbc-images.js';
export { loadFeatureExtractor } from './pipelines/load-extractor.js';
export {
  computeKind,
  labelsPath,
  mergeShards,
  parseShard,
  readShardInfo,
  type ShardInfo,
  shardRange,
  sliceSource,
  writeShardInfo,
} from './pipelines/shards.js';
export {
  type BctkitPlugin,
  type LoadedPlugin,
  loadPlugins,
  type PluginRegistries,
  type PluginRegistry,
} from './plugins/load-plugins.js';
export { PluginError } from './plugins/plugin-error.js';
export { type FacePresetEntry, facePresets } from './presets/face-presets.js';
export {
  type PresetOptions,
  type PresetOptionsInput,
  presetOptionsSchema,
  type ScenarioSpec,
  scenarioConfig,
  scenarios,
} from './presets/scenarios.js';
export { createProgram } from './program.js';
export { createProgress, type ProgressReporter } from './progress.js';
export { runCli } from './run-cli.js';
export {
  type QueuedStageOptions,
  type QueuedStageResult,
  runQueuedStage,
} from './scale/producer.js';
export { DEFAULT_REDIS_URL, redisConnection } from './scale/redis.js';
export { ShardFailedError } from './scale/shard-failed-error.js';
export {
  parseShardJob,
  runShardProcess,
  type ShardJobData,
  ShardProcessError,
  type ShardProcessOptions,
} from './scale/shard-job.js';
export {
  checkStageArguments,
  SHARDED_STAGES,
  type ShardedStage,
  shardOutPath,
  stageOf,
} from './scale/stages.js';
export { runWorker, type WorkerOptions } from './scale/worker.js';
export {
  jsonLinesLog,
  type StepReport,
  type TrainCallback,
  tensorBoardLog,
} from './training/callbacks.js';
export {
  Checkpointer,
  type CheckpointParts,
  type ResumePoint,
  type RunPosition,
  readResumePoint,
} from './training/checkpointer.js';
export { clipGlobalNorm } from './training/clip.js';
export {
  builtInRegistries,
  type ComponentRegistries,
  copyGlobalRegistries,
  globalRegistries,
  type TrainRegistries,
} from './training/registries.js';
export {
  declaredResourceFiles,
  type ResolvedResources,
  type RunResource,
  resolveResources,
  STANDARD_RESOURCES,
  type StandardResourceFiles,
} from './training/resources.js';
export { learningRateAt, type Schedule, scheduleSchema } from './training/schedule.js';
export { Sgd, type SgdOptions } from './training/sgd.js';
export { TensorBoardWriter } from './training/tensorboard.js';
export {
  readTrainConfig,
  type TrainOptions,
  type TrainResult,
  train,
} from './training/train.js';
export {
  type TrainConfig,
  type TrainConfigInput,
  trainConfigSchema,
} from './training/train-config.js';
export {
  type StepOutcome,
  type StepPosition,
  TrainStep,
  type TrainStepParts,
} from './training/train-step.js';
export { VERSION } from './version.js';
