/**
 * MXNet RecordIO streaming, MixBCT class/data splits, small real datasets and a fast loader for bctkit.
 *
 * Not released yet: this package is built under issue #3; until then it only exports its version.
 * @packageDocumentation
 * @module @bctkit/datasets
 */
export { VERSION } from './version.js';
