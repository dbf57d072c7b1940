import {
  clone,
  gather,
  type Tensor2D,
  tensor1d,
  tensor2d,
  tidy,
  where,
} from '@tensorflow/tfjs-core';
import { InvalidConfigError, ShapeMismatchError } from '../errors/errors.js';
import { checkIndices, type IndexList } from './host-matrix.js';
import { stopGradient } from './stop-gradient.js';

/**
 * Returns `x` with the rows at `rows` replaced by the rows of `replacement`, treated as constants.
 *
 * `result[rows[j]] = replacement[j]`; every other row is `x`'s. No gradient flows through a
 * replaced row: the gradient of the result with respect to `x` is zero on those rows, and none
 * reaches `replacement`. This is MixBCT's mixing step: a share of a batch's new embeddings is
 * swapped for the old model's features of the same images, so those rows train only the
 * classifier, never the backbone.
 *
 * @param x `[batch, dim]`, e.g. new-model embeddings.
 * @param rows distinct row indices into `x`.
 * @param replacement `[rows.length, dim]`, e.g. normalised old features.
 * @throws {@link ShapeMismatchError} when the shapes disagree.
 * @throws {@link IndexOutOfRangeError} for a row outside [0, batch).
 * @throws {@link InvalidConfigError} when a row appears twice.
 */
export function replaceRows(x: Tensor2D, rows: IndexList, replacement: Tensor2D): Tensor2D {
  const [batch, dim] = x.shape;
  if (x.rank !== 2 || replacement.rank !== 2) {
    throw new ShapeMismatchError(
      `replaceRows expects 2-D tensors, got [${x.shape}] and [${replacement.shape}].`,
    );
  }
  if (replacement.shape[0] !== rows.length || replacement.shape[1] !== dim) {
    throw new ShapeMismatchError(
      `replaceRows: ${rows.length} rows of width ${dim} need a [${rows.length}, ${dim}] replacement, ` +
        `got [${replacement.shape}].`,
    );
  }
  checkIndices(rows, batch);
  const source = new Int32Array(batch);
  const replaced = new Uint8Array(batch);
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j]!;
    if (replaced[row] === 1) {
      throw new InvalidConfigError(
        'rows',
        `row ${row} is listed twice; rows to replace must be distinct.`,
      );
    }
    replaced[row] = 1;
    source[row] = j;
  }
  if (rows.length === 0) return clone(x);
  return tidy(() => {
    const constants = gather(stopGradient<Tensor2D>(replacement), tensor1d(source, 'int32'));
    return where(tensor2d(replaced, [batch, 1], 'bool'), constants, x);
  });
}
