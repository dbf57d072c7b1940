/**
 * insightface iResNet backbones on tfjs-core, checkpoints, PyTorch weight import (`.pth`,
 * safetensors), external tfjs models as feature extractors, and batched feature extraction.
 * @packageDocumentation
 * @module @bctkit/backbones
 */
export type { ApplyOptions, Backbone, FeatureExtractor } from './backbone.js';
export {
  type BackboneConfig,
  type BackboneSize,
  type BackboneSpec,
  backbones,
  createBackbone,
  createBackboneRegistry,
  defineBackbone,
  resolveBackboneConfig,
} from './builtins.js';
export {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointMetadata,
  type LoadedCheckpoint,
  loadCheckpoint,
  readCheckpointMetadata,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from './checkpoint/checkpoint.js';
export {
  ExternalModel,
  type ExternalModelConfig,
  type ExternalModelConfigInput,
  externalModelConfigSchema,
  loadExternalModel,
} from './external/external-model.js';
export { fileHandler } from './external/file-handler.js';
export { repairFusedReluBeforePrelu } from './external/prelu-repair.js';
export {
  type ExtractedFeatures,
  type ExtractOptions,
  extractFeatures,
  type ImageBatch,
  writeFeatures,
} from './extract/extract-features.js';
export {
  type BlockPlan,
  type ConvPlan,
  countMacs,
  countParameters,
  IRESNET_DEPTHS,
  type IResNetDepth,
  type IResNetOptions,
  type IResNetOptionsInput,
  type IResNetPlan,
  iresnetOptionsSchema,
  planIResNet,
  type TensorSpec,
} from './iresnet/architecture.js';
export { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './iresnet/batch-norm.js';
export { IResNet } from './iresnet/iresnet.js';
export {
  exportStateDict,
  type LoadStateDictOptions,
  loadStateDict,
  type ReadStateDictOptions,
  readStateDict,
  torchShape,
} from './torch/load-state-dict.js';
export { parseTorchCheckpoint } from './torch/read-pth.js';
export { parseSafetensors, writeSafetensors } from './torch/safetensors.js';
export {
  DTYPE_BYTES,
  fromFloat32,
  type StateDict,
  type StateDtype,
  type StateTensor,
  toFloat32,
} from './torch/state-dict.js';
export { VERSION } from './version.js';
