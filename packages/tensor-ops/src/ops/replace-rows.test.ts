import { expectAllClose, expectNoTensorLeaks, numericGradient } from '@bctkit/test-utils';
import {
  grads,
  matMul,
  pow,
  sum,
  type Tensor,
  type Tensor2D,
  tensor,
  tensor2d,
} from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { IndexOutOfRangeError, InvalidConfigError, ShapeMismatchError } from '../errors/errors.js';
import { reference } from '../fixtures/reference.js';
import { l2Normalize } from './l2-normalize.js';
import { replaceRows } from './replace-rows.js';

const ref = reference.replaceRows;

/** The downstream loss of the reference: sum((normalize(mixed) @ W^T)^2). */
function headLoss(mixed: Tensor2D, weights: Tensor2D): Tensor {
  return sum(pow(matMul(l2Normalize(mixed), weights, false, true), 2));
}

describe('replaceRows', () => {
  it('puts the replacement rows in place and keeps the others (PyTorch reference)', () => {
    const out = replaceRows(
      tensor(ref.x, ref.shape as [number, number]) as Tensor2D,
      ref.rows,
      tensor2d(ref.replacement, [2, 4]),
    );
    expectAllClose(out.dataSync(), ref.mixed, { atol: 1e-7 });
  });

  it('gives zero gradient to replaced rows of x and none to the replacement', () => {
    const weights = tensor2d(ref.weights, [6, 4]);
    const [gradX, gradReplacement] = grads((x: Tensor, replacement: Tensor) =>
      headLoss(replaceRows(x as Tensor2D, ref.rows, replacement as Tensor2D), weights),
    )([tensor(ref.x, [6, 4]), tensor2d(ref.replacement, [2, 4])]);
    expectAllClose(gradX!.dataSync(), ref.gradX, { atol: 1e-5, rtol: 1e-4 });
    const rows = gradX!.arraySync() as number[][];
    expect(rows[4]!.every((value) => value === 0)).toBe(true);
    expect(rows[1]!.every((value) => value === 0)).toBe(true);
    expect(rows[0]!.some((value) => value !== 0)).toBe(true);
    expect(ref.replacementGradIsNone).toBe(true);
    expect(Array.from(gradReplacement!.dataSync()).every((value) => value === 0)).toBe(true);
  });

  it('agrees with finite differences on the rows that are kept', () => {
    const weights = tensor2d(ref.weights, [6, 4]);
    const replacement = tensor2d(ref.replacement, [2, 4]);
    const loss = (x: Tensor) =>
      headLoss(replaceRows(x as Tensor2D, ref.rows, replacement), weights);
    const [analytic] = grads(loss)([tensor(ref.x, [6, 4])]);
    expectAllClose(analytic!.dataSync(), numericGradient(loss, ref.x, [6, 4], 1e-2), {
      atol: 5e-3,
      rtol: 5e-3,
    });
  });

  it('returns a copy when nothing is replaced', () => {
    const x = tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const out = replaceRows(x, [], tensor2d([], [0, 2]));
    expect(out.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(out).not.toBe(x);
  });

  it('rejects mismatched shapes, bad and repeated rows', () => {
    const x = tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(() => replaceRows(x, [0], tensor2d([[1, 2, 3]]))).toThrow(ShapeMismatchError);
    expect(() => replaceRows(x, [0, 1], tensor2d([[1, 2]]))).toThrow(ShapeMismatchError);
    expect(() => replaceRows(x, [3], tensor2d([[1, 2]]))).toThrow(IndexOutOfRangeError);
    expect(() =>
      replaceRows(
        x,
        [1, 1],
        tensor2d([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(InvalidConfigError);
  });

  it('frees every intermediate tensor', () => {
    const x = tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const replacement = tensor2d([[9, 9]]);
    expectNoTensorLeaks(() => replaceRows(x, [1], replacement).dispose());
  });
});
