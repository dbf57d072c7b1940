/**
 * IJB-C 1:1 and 1:N, verification sets, self/cross compatibility tests for bctkit.
 *
 * Work in progress under issue #6: the verification core (ROC, TAR at FAR, AUC, 10-fold accuracy)
 * is here; IJB-C, retrieval metrics and compatibility reports follow.
 * @packageDocumentation
 * @module @bctkit/metrics
 */
export {
  INSIGHTFACE_THRESHOLDS,
  type KFoldAccuracy,
  type KFoldOptions,
  kFoldAccuracy,
} from './verification/k-fold-accuracy.js';
export { areaUnderCurve, type Roc, type RocOptions, rocCurve } from './verification/roc.js';
export { IJBC_FARS, type TarAtFar, tarAtFar } from './verification/tar-at-far.js';
export { VERSION } from './version.js';
