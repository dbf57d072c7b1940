/**
 * Margin heads (ArcFace, CosFace, softmax) and backward-compatible training losses (L2, BCT, UniBCT, MixBCT, LCE, AdvBCT, NCCL) for bctkit.
 *
 * Not released yet: this package is built under issue #5; until then it only exports its version.
 * @packageDocumentation
 * @module @bctkit/losses
 */
export { VERSION } from './version.js';
