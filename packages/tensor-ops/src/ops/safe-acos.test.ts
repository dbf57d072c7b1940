import { expectAllClose, expectNoTensorLeaks, numericGradient } from '@bctkit/test-utils';
import { grad, sum, type Tensor, tensor1d } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { reference } from '../fixtures/reference.js';
import { safeAcos } from './safe-acos.js';

describe('safeAcos', () => {
  it('matches PyTorch acos and its gradient inside (-1, 1)', () => {
    const { x, y, grad: expected } = reference.acos;
    expectAllClose(safeAcos(tensor1d(x)).dataSync(), y, { atol: 2e-6 });
    // Float32 near +-1: the derivative -1/sqrt(1 - x^2) magnifies rounding of x.
    expectAllClose(grad((t: Tensor) => sum(safeAcos(t)))(tensor1d(x)).dataSync(), expected, {
      atol: 1e-4,
      rtol: 1e-3,
    });
  });

  it('agrees with finite differences at interior points', () => {
    const point = [-0.8, -0.25, 0.4, 0.6];
    const loss = (t: Tensor) => sum(safeAcos(t));
    const analytic = grad(loss)(tensor1d(point)).dataSync();
    expectAllClose(analytic, numericGradient(loss, point, [4], 1e-3), { atol: 2e-3 });
  });

  it('keeps the gradient finite at exactly +-1: -1/sqrt(epsilon)', () => {
    const gradient = grad((t: Tensor) => sum(safeAcos(t)))(tensor1d([-1, 1])).dataSync();
    expectAllClose(gradient, [-1000, -1000], { atol: 0, rtol: 1e-6 }); // epsilon 1e-6
    const custom = grad((t: Tensor) => sum(safeAcos(t, { epsilon: 1e-4 })))(
      tensor1d([1]),
    ).dataSync();
    expectAllClose(custom, [-100]);
  });

  it('clips inputs beyond +-1 (value pi or 0) with zero gradient there', () => {
    const input = tensor1d([-1.0000001, 1.00001, 1.5]);
    expectAllClose(safeAcos(input).dataSync(), [Math.PI, 0, 0]);
    expect(Array.from(grad((t: Tensor) => sum(safeAcos(t)))(input).dataSync())).toEqual([0, 0, 0]);
  });

  it('frees every intermediate tensor in forward and backward passes', () => {
    const input = tensor1d([0.1, 0.99]);
    expectNoTensorLeaks(() => {
      safeAcos(input).dispose();
      grad((t: Tensor) => sum(safeAcos(t)))(input).dispose();
    });
  });
});
