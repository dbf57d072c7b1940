/**
 * IJB-C 1:1 and 1:N, verification sets, self/cross compatibility tests for bctkit.
 *
 * Not released yet: this package is built under issue #6; until then it only exports its version.
 * @packageDocumentation
 * @module @bctkit/metrics
 */
export { VERSION } from './version.js';
