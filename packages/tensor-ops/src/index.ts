/**
 * Tensor operations, backend runtime, registries and errors shared by every bctkit package.
 * @packageDocumentation
 * @module @bctkit/tensor-ops
 */
export {
  AUTO_BACKEND_ORDER,
  type BackendId,
  type BackendSpec,
  backends,
} from './backend/backends.js';
export {
  type DescribeRuntimeOptions,
  describeRuntime,
  type PackagePresence,
  type RuntimeReport,
} from './backend/describe-runtime.js';
export { ensureBackend, hasBackend, requireBackend } from './backend/ensure-backend.js';
export { createModuleLoader, type ModuleLoader } from './backend/module-loader.js';
export { registerGradients } from './backend/register-gradients.js';
export {
  type BackendAttempt,
  type BackendInfo,
  type BackendPreference,
  type BackendPurpose,
  installCommand,
  type UseBackendOptions,
  useBackend,
} from './backend/use-backend.js';
export { parseConfig } from './config/parse-config.js';
export * from './errors/index.js';
export { removeStalePartials, temporaryPathFor, writeFileAtomic } from './fs/atomic-write.js';
export { createDirectory } from './fs/create-directory.js';
export {
  type NpyDtype,
  NpyFile,
  type NpyHeader,
  type NpyReadOptions,
  parseNpyHeader,
  readNpy,
  writeNpy,
} from './fs/npy.js';
export {
  type PickleGlobal,
  type PickleTuple,
  type PickleValue,
  type UnpickleOptions,
  unpickle,
} from './fs/pickle.js';
export { readFileOrFail } from './fs/read-file.js';
export {
  type BufferPoolStatus,
  bufferPoolStatus,
  clearBufferPool,
  configureBufferPool,
} from './kernels/buffer-pool.js';
export { conv2dBackpropFilterNhwc } from './kernels/conv2d-backprop-filter.js';
export {
  type CpuKernelOptions,
  type CpuKernelStatus,
  cpuKernelStatus,
  installCpuKernels,
  uninstallCpuKernels,
} from './kernels/install-cpu-kernels.js';
export { assertFiniteRows } from './ops/assert-finite.js';
export { type BatchNormTrainingResult, batchNormTraining } from './ops/batch-norm-training.js';
export {
  type CosineBlocksOptions,
  cosineSimilarity,
  cosineSimilarityBlocks,
  type SimilarityBlock,
} from './ops/cosine-similarity.js';
export { gatherHostRows, gatherRows } from './ops/gather-rows.js';
export {
  checkIndices,
  createHostMatrix,
  type HostMatrix,
  hostRowsToTensor,
  type IndexList,
} from './ops/host-matrix.js';
export { type L2NormalizeOptions, l2Normalize } from './ops/l2-normalize.js';
export { normalizeRows } from './ops/normalize-rows.js';
export { pairDots } from './ops/pair-dots.js';
export { replaceRows } from './ops/replace-rows.js';
export { type NativeRocPoints, nativeRocPoints } from './ops/roc-points.js';
export { type SafeAcosOptions, safeAcos } from './ops/safe-acos.js';
export { type SgdStepOptions, type SgdStepResult, sgdStep } from './ops/sgd-step.js';
export { sortFloat32 } from './ops/sort-float32.js';
export { stopGradient } from './ops/stop-gradient.js';
export { createRandom, type RandomState, SeededRandom } from './random/seeded-random.js';
export { editDistance } from './registry/edit-distance.js';
export {
  BUILT_IN,
  type ComponentSpec,
  Registry,
  type RegistryEntry,
} from './registry/registry.js';
export { VERSION } from './version.js';
