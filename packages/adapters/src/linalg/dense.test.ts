import { expectAllClose } from '@bctkit/test-utils';
import { describe, expect, it } from 'vitest';
import reference from '../fixtures/adapters.json' with { type: 'json' };
import { solveSymmetric, symmetricEigen } from './dense.js';

describe('symmetricEigen', () => {
  it("matches numpy's eigh (values, and vectors up to sign)", () => {
    const { n, matrix, values, vectors } = reference.eigen;
    const result = symmetricEigen({ data: Float64Array.from(matrix), rows: n, cols: n });
    expectAllClose(result.values, values, { atol: 1e-10, rtol: 1e-10 });
    for (let k = 0; k < n; k++) {
      const ours = Array.from({ length: n }, (_, i) => result.vectors.data[i * n + k]!);
      const theirs = Array.from({ length: n }, (_, i) => vectors[i * n + k]!);
      const sign = Math.sign(ours.reduce((sum, value, i) => sum + value * theirs[i]!, 0));
      expectAllClose(
        ours.map((value) => value * sign),
        theirs,
        { atol: 1e-9, rtol: 1e-9 },
      );
    }
  });
});

describe('solveSymmetric', () => {
  it('solves a hand-derived 2x2 system and refuses a singular one', () => {
    // [[4, 2], [2, 3]] x = [[2], [5]]  ->  x = [-0.5, 2]
    const x = solveSymmetric(
      { data: Float64Array.from([4, 2, 2, 3]), rows: 2, cols: 2 },
      { data: Float64Array.from([2, 5]), rows: 2, cols: 1 },
    );
    expectAllClose(x.data, [-0.5, 2], { atol: 1e-12 });
    expect(() =>
      solveSymmetric(
        { data: Float64Array.from([1, 1, 1, 1]), rows: 2, cols: 2 },
        { data: Float64Array.from([1, 1]), rows: 2, cols: 1 },
      ),
    ).toThrow(/not positive definite/);
  });
});
