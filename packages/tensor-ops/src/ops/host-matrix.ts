import { type Tensor2D, tensor2d } from '@tensorflow/tfjs-core';
import { IndexOutOfRangeError, ShapeMismatchError } from '../errors/errors.js';

/**
 * A row-major float32 matrix held in JavaScript memory (not a tensor): embeddings read from an
 * `.npy` file, a block of features, template features. Row `i` is
 * `data.subarray(i * cols, (i + 1) * cols)`.
 */
export interface HostMatrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Any list of integer indices. */
export type IndexList = ArrayLike<number>;

/**
 * Wraps a flat array as a `[rows, cols]` matrix, checking that the sizes agree.
 * @throws {@link ShapeMismatchError} when `data.length !== rows * cols`.
 */
export function createHostMatrix(data: Float32Array, rows: number, cols: number): HostMatrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) {
    throw new ShapeMismatchError(
      `A matrix needs integer rows >= 0 and cols >= 1, got [${rows}, ${cols}].`,
    );
  }
  if (data.length !== rows * cols) {
    throw new ShapeMismatchError(
      `A [${rows}, ${cols}] matrix needs ${rows * cols} values, got ${data.length}.`,
    );
  }
  return { data, rows, cols };
}

/**
 * Checks that every index is an integer in [0, size).
 * @param what used in the message, e.g. `row` or `class`.
 * @throws {@link IndexOutOfRangeError} naming the first bad index and its position.
 */
export function checkIndices(indices: IndexList, size: number, what = 'row'): void {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new IndexOutOfRangeError(
        `${what} index ${index} at position ${i} is outside [0, ${size}).`,
      );
    }
  }
}

/** Copies rows `start` (inclusive) to `end` (exclusive) of a host matrix into a `[end - start, cols]` tensor. */
export function hostRowsToTensor(matrix: HostMatrix, start = 0, end = matrix.rows): Tensor2D {
  if (
    !(
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      0 <= start &&
      start <= end &&
      end <= matrix.rows
    )
  ) {
    throw new IndexOutOfRangeError(`row range [${start}, ${end}) is outside [0, ${matrix.rows}].`);
  }
  return tensor2d(matrix.data.subarray(start * matrix.cols, end * matrix.cols), [
    end - start,
    matrix.cols,
  ]);
}
