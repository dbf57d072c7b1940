/**
 * A conformance suite for third-party losses: `import { checkLossConformance } from '@bctkit/losses/test'`.
 * @module @bctkit/losses/test
 */
export {
  ConformanceError,
  type ConformanceOptions,
  checkLossConformance,
  type LossUnderTest,
} from './conformance.js';
export { checkMethodConformance, type MethodConformanceOptions } from './method-conformance.js';
