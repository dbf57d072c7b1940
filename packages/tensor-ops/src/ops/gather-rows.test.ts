import { expectNoTensorLeaks } from '@bctkit/test-utils';
import { tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { IndexOutOfRangeError, ShapeMismatchError } from '../errors/errors.js';
import { gatherRows } from './gather-rows.js';
import { createHostMatrix } from './host-matrix.js';

const rows = [
  [0, 1, 2],
  [10, 11, 12],
  [20, 21, 22],
  [30, 31, 32],
];

describe('gatherRows', () => {
  it('picks rows of a tensor in the given order, with repeats', () => {
    const source = tensor2d(rows);
    expect(gatherRows(source, [3, 0, 3]).arraySync()).toEqual([rows[3], rows[0], rows[3]]);
  });

  it('picks rows of a host matrix the same way', () => {
    const host = createHostMatrix(Float32Array.from(rows.flat()), 4, 3);
    expect(gatherRows(host, Int32Array.from([2, 1])).arraySync()).toEqual([rows[2], rows[1]]);
    expect(gatherRows(host, []).shape).toEqual([0, 3]);
  });

  it('rejects out-of-range and non-integer indices, and non-matrices', () => {
    const host = createHostMatrix(Float32Array.from(rows.flat()), 4, 3);
    expect(() => gatherRows(host, [0, 4])).toThrow('row index 4 at position 1 is outside [0, 4).');
    expect(() => gatherRows(tensor2d(rows), [-1])).toThrow(IndexOutOfRangeError);
    expect(() => gatherRows(host, [1.5])).toThrow(IndexOutOfRangeError);
    expect(() => gatherRows(tensor1d([1, 2]), [0])).toThrow(ShapeMismatchError);
  });

  it('frees every intermediate tensor', () => {
    const source = tensor2d(rows);
    expectNoTensorLeaks(() => gatherRows(source, [1, 2]).dispose());
  });
});
