export { assertBuiltAfterSources, type SourceTree } from './built-is-current.js';
export { expectAllClose, maxAbsDifference } from './close.js';
export { numericGradient } from './finite-difference.js';
export { expectNoTensorLeaks, withNoTensorLeaks } from './leaks.js';
