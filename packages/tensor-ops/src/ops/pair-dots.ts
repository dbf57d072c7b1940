import { ShapeMismatchError } from '../errors/errors.js';
import { checkIndices, type HostMatrix, type IndexList } from './host-matrix.js';

/**
 * Dot products of index pairs: `result[p] = <left[leftIndex[p]], right[rightIndex[p]]>`.
 *
 * Used to score verification pairs (IJB-C template pairs) without forming the full similarity
 * matrix; with L2-normalised rows the dot product is the cosine similarity. `left` and `right` may
 * be the same matrix (self-test) or an old and a new model's features (cross-test). Runs in
 * JavaScript with double-precision accumulation, in one pass over the pairs.
 *
 * @throws {@link ShapeMismatchError} when the widths or index counts differ.
 * @throws {@link IndexOutOfRangeError} for an index outside its matrix.
 */
export function pairDots(
  left: HostMatrix,
  right: HostMatrix,
  leftIndex: IndexList,
  rightIndex: IndexList,
): Float32Array {
  if (left.cols !== right.cols) {
    throw new ShapeMismatchError(`pairDots: widths differ (${left.cols} vs ${right.cols}).`);
  }
  if (leftIndex.length !== rightIndex.length) {
    throw new ShapeMismatchError(
      `pairDots: ${leftIndex.length} left indices but ${rightIndex.length} right indices.`,
    );
  }
  checkIndices(leftIndex, left.rows, 'left row');
  checkIndices(rightIndex, right.rows, 'right row');
  const dim = left.cols;
  const out = new Float32Array(leftIndex.length);
  const a = left.data;
  const b = right.data;
  for (let p = 0; p < out.length; p++) {
    const i = leftIndex[p]! * dim;
    const j = rightIndex[p]! * dim;
    let total = 0;
    for (let k = 0; k < dim; k++) total += a[i + k]! * b[j + k]!;
    out[p] = total;
  }
  return out;
}
