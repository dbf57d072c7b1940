import { expectAllClose, expectNoTensorLeaks, numericGradient } from '@bctkit/test-utils';
import { grad, mul, sum, type Tensor, tensor, tensor2d } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { reference } from '../fixtures/reference.js';
import { l2Normalize } from './l2-normalize.js';

const { shape, x, weights, y, grad: expectedGrad } = reference.l2Normalize;

describe('l2Normalize', () => {
  it('matches PyTorch F.normalize, including a zero row and a tiny row', () => {
    const values = expectNoTensorLeaks(() => {
      const input = tensor(x, shape);
      const out = l2Normalize(input);
      const data = out.dataSync();
      input.dispose();
      out.dispose();
      return data;
    });
    expectAllClose(values, y, { atol: 1e-6 });
  });

  it('matches hand-computed values on another axis', () => {
    // Columns of [[3, 0], [4, 0]] have norms 5 and 0.
    const out = l2Normalize(
      tensor2d([
        [3, 0],
        [4, 0],
      ]),
      { axis: 0 },
    );
    expectAllClose(out.dataSync(), [0.6, 0, 0.8, 0]);
  });

  it('has the gradient PyTorch computes (weighted-sum loss)', () => {
    const w = tensor(weights, shape);
    const loss = (input: Tensor) => sum(mul(l2Normalize(input), w));
    const analytic = grad(loss)(tensor(x, shape)).dataSync();
    // The zero row's gradient is w / epsilon (about 1e12), so compare relatively.
    expectAllClose(analytic, expectedGrad, { atol: 1e-5, rtol: 1e-4 });
    expect(analytic.every(Number.isFinite)).toBe(true);
  });

  it('agrees with finite differences away from zero', () => {
    const point = [0.5, -1.2, 2.0, 0.1, 0.9, -0.3];
    const w = tensor2d([
      [0.3, -0.7, 1.1],
      [0.2, 0.5, -0.4],
    ]);
    const loss = (input: Tensor) => sum(mul(l2Normalize(input), w));
    const analytic = grad(loss)(tensor(point, [2, 3])).dataSync();
    expectAllClose(analytic, numericGradient(loss, point, [2, 3], 1e-2), { atol: 2e-3 });
  });

  it('frees every intermediate tensor', () => {
    const input = tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expectNoTensorLeaks(() => l2Normalize(input).dispose());
    input.dispose();
  });
});
