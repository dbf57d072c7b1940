import {
  gather,
  type Tensor,
  type Tensor2D,
  tensor1d,
  tensor2d,
  tidy,
} from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors/errors.js';
import { checkIndices, type HostMatrix, type IndexList } from './host-matrix.js';

/**
 * {@link gatherRows} in JavaScript memory: `result[i] = matrix[indices[i]]`, as a new
 * {@link HostMatrix} (a batch's rows of a per-image resource, without a tensor).
 * @throws {@link IndexOutOfRangeError} for an index outside [0, rows).
 */
export function gatherHostRows(matrix: HostMatrix, indices: IndexList): HostMatrix {
  checkIndices(indices, matrix.rows);
  const out = new Float32Array(indices.length * matrix.cols);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i]! * matrix.cols;
    out.set(matrix.data.subarray(start, start + matrix.cols), i * matrix.cols);
  }
  return { data: out, rows: indices.length, cols: matrix.cols };
}

/**
 * Picks rows of a matrix by index: `result[i] = source[indices[i]]`. Indices may repeat.
 *
 * The source is a tensor `[rows, dim]`, or a {@link HostMatrix} in JavaScript memory (e.g. all
 * old-model features of a training set, looked up by the dataset indices of a batch, as MixBCT and
 * the L2 baseline do). Indices are checked first: tfjs would otherwise return garbage or zeros for
 * an out-of-range index on some backends.
 *
 * @returns a `[indices.length, dim]` tensor.
 * @throws {@link IndexOutOfRangeError} for an index outside [0, rows).
 */
export function gatherRows(source: Tensor | HostMatrix, indices: IndexList): Tensor2D {
  if ('data' in source && source.data instanceof Float32Array) {
    const rows = gatherHostRows(source as HostMatrix, indices);
    return tensor2d(rows.data, [rows.rows, rows.cols]);
  }
  const tensor = source as Tensor;
  if (tensor.rank !== 2) {
    throw new ShapeMismatchError(
      `gatherRows expects a [rows, dim] tensor, got shape [${tensor.shape}].`,
    );
  }
  checkIndices(indices, tensor.shape[0]!);
  return tidy(() => gather(tensor, tensor1d(Int32Array.from(indices), 'int32')) as Tensor2D);
}
