import { describe, expect, it } from 'vitest';
import { IndexOutOfRangeError, ShapeMismatchError } from '../errors/errors.js';
import { checkIndices, createHostMatrix, hostRowsToTensor } from './host-matrix.js';

describe('host matrices', () => {
  it('checks that the data fits the shape', () => {
    expect(createHostMatrix(new Float32Array(6), 2, 3).rows).toBe(2);
    expect(() => createHostMatrix(new Float32Array(5), 2, 3)).toThrow(
      'A [2, 3] matrix needs 6 values, got 5.',
    );
    expect(() => createHostMatrix(new Float32Array(0), 0, 0)).toThrow(ShapeMismatchError);
  });

  it('copies a row range into a tensor', () => {
    const matrix = createHostMatrix(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    expect(hostRowsToTensor(matrix, 1, 3).arraySync()).toEqual([
      [3, 4],
      [5, 6],
    ]);
    expect(hostRowsToTensor(matrix).shape).toEqual([3, 2]);
    expect(() => hostRowsToTensor(matrix, 2, 4)).toThrow(IndexOutOfRangeError);
  });

  it('names the kind and position of a bad index', () => {
    expect(() => checkIndices([0, 1, 7], 5, 'class')).toThrow(
      'class index 7 at position 2 is outside [0, 5).',
    );
    expect(() => checkIndices([Number.NaN], 5)).toThrow(IndexOutOfRangeError);
    expect(() => checkIndices([], 0)).not.toThrow();
  });
});
