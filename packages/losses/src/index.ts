/**
 * Margin heads (ArcFace, CosFace, combined, normalised-linear, softmax, Partial FC sampling) and
 * backward-compatible training losses, with the offline tools they need (MixBCT denoising, class
 * prototypes), for any tfjs training loop.
 * @packageDocumentation
 * @module @bctkit/losses
 */
export {
  type CompatibilitySpec,
  compatibilityLosses,
  createCompatibilityLoss,
  createCompatibilityRegistry,
  createHead,
  createHeadRegistry,
  defineCompatibilityLoss,
  defineHead,
  type HeadContext,
  type HeadSpec,
  heads,
  prepareCompatibilityLoss,
} from './builtins.js';
export {
  type AdvBctConfig,
  type AdvBctContext,
  type AdvBctLoss,
  advBctConfigSchema,
  createAdvBctLoss,
} from './compat/advbct.js';
export { type BctConfig, type BctContext, bctConfigSchema, createBctLoss } from './compat/bct.js';
export {
  type Bt2Config,
  type Bt2Context,
  basisTransform,
  bt2ConfigSchema,
  createBt2Loss,
} from './compat/bt2.js';
export type {
  CompatibilityInputs,
  CompatibilityLoss,
  EpochStartTools,
} from './compat/compatibility-loss.js';
export {
  createL2Loss,
  type L2Config,
  l2ConfigSchema,
  weakenedL2ConfigSchema,
} from './compat/l2.js';
export {
  createLceLoss,
  type LceConfig,
  type LceContext,
  lceConfigSchema,
} from './compat/lce.js';
export {
  createMixBctLoss,
  type MixBctConfig,
  type MixBctDraw,
  type MixBctLoss,
  mixBctConfigSchema,
} from './compat/mixbct.js';
export {
  createNcclLoss,
  type NcclConfig,
  type NcclLoss,
  ncclConfigSchema,
} from './compat/nccl.js';
export { createNoCompatibility } from './compat/none.js';
export { requireOld } from './compat/require-old.js';
export {
  CREDIBLE_FLAGS,
  checkResource,
  OLD_FEATURES,
  PROTOTYPES,
  type ResourceDimensions,
  type ResourceSpec,
  type Resources,
  requireResource,
} from './compat/resources.js';
export {
  createUniBctLoss,
  type UniBctConfig,
  type UniBctLoss,
  uniBctConfigSchema,
} from './compat/unibct.js';
export { hostLabels, type Labels, maskedCrossEntropy } from './heads/labels.js';
export { applyMargin, type Margin, marginLogits } from './heads/margin.js';
export {
  type ClassificationHead,
  MarginHead,
  type MarginHeadOptions,
} from './heads/margin-head.js';
export { type ClassSample, sampleClasses } from './heads/partial-fc.js';
export { SimplexHead, type SimplexHeadOptions, simplexVertices } from './heads/simplex-head.js';
export { SoftmaxHead } from './heads/softmax-head.js';
export {
  type AdvBctBoundaries,
  advBctClassBoundaries,
  type LceCentres,
  lceClassCentres,
} from './offline/class-boundaries.js';
export { type ClassChunk, classChunks } from './offline/class-chunks.js';
export {
  classShardRows,
  type DenoiseOptions,
  type DenoiseResult,
  denoiseCredible,
} from './offline/denoise.js';
export type { FeatureSource } from './offline/feature-rows.js';
export { classPrototypes, type PrototypeOptions } from './offline/prototypes.js';
export { type RefineOptions, refinePrototypes } from './offline/refine-prototypes.js';
export { VERSION } from './version.js';
