import { expectNoTensorLeaks } from '@bctkit/test-utils';
import { add, grads, mul, sum, type Tensor, tensor1d } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { stopGradient } from './stop-gradient.js';

describe('stopGradient', () => {
  it('passes values through and blocks the gradient', () => {
    const x = tensor1d([1, -2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3]);
    // f(a, b) = sum(a * stop(b)) + sum(stop(a) * b): d/da = b, d/db = a.
    const [da, db] = grads((a: Tensor, b: Tensor) =>
      add(sum(mul(a, stopGradient(b))), sum(mul(stopGradient(a), b))),
    )([tensor1d([1, 2, 3]), tensor1d([4, 5, 6])]);
    expect(Array.from(da!.dataSync())).toEqual([4, 5, 6]);
    expect(Array.from(db!.dataSync())).toEqual([1, 2, 3]);
  });

  it('frees its intermediate tensors', () => {
    const x = tensor1d([1, 2]);
    expectNoTensorLeaks(() => stopGradient(x).dispose());
  });
});
