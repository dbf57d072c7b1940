import { nativeAddOn } from '../kernels/native-kernels.js';

/**
 * Sorts a `Float32Array` ascending in place and returns it, in exactly the order
 * `Float32Array.prototype.sort()` gives (`-0` before `+0`, infinities at the ends): with a radix
 * sort through the native add-on when it is built (about ten times faster on millions of
 * values), else with the typed-array sort. Exclude NaNs first: their place is unspecified.
 */
export function sortFloat32(values: Float32Array): Float32Array {
  const native = nativeAddOn().module;
  if (native !== undefined && values.length > 1) native.sortFloat32(values);
  else values.sort();
  return values;
}
