/**
 * insightface iResNet backbones, checkpoints, weight import and external feature extractors for bctkit.
 *
 * Not released yet: this package is built under issue #4; until then it only exports its version.
 * @packageDocumentation
 * @module @bctkit/backbones
 */
export { VERSION } from './version.js';
