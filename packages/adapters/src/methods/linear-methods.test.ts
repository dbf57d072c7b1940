import { createHostMatrix, ShapeMismatchError } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { applyAdapter, fitAdapter } from '../fit-adapter.js';
import reference from '../fixtures/adapters.json' with { type: 'json' };

const matrix = (values: number[], rows: number, cols: number) =>
  createHostMatrix(Float32Array.from(values), rows, cols);

/** The product of an affine adapter's factors, `[p, q]`. */
function product(parameters: Record<string, { shape: readonly number[]; data: Float32Array }>) {
  if (parameters.w !== undefined) return Array.from(parameters.w.data);
  const [p, r] = parameters.a!.shape as [number, number];
  const q = parameters.bt!.shape[1]!;
  const out = new Array<number>(p * q).fill(0);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < r; k++)
      for (let j = 0; j < q; j++)
        out[i * q + j]! += parameters.a!.data[i * r + k]! * parameters.bt!.data[k * q + j]!;
  return out;
}

describe('procrustes', () => {
  for (const case_ of reference.procrustes)
    it(`matches numpy's SVD solution from ${case_.p} to ${case_.q} dimensions`, async () => {
      const before = tf.memory().numTensors;
      const adapter = await fitAdapter(
        {
          from: matrix(case_.from, case_.rows, case_.p),
          to: matrix(case_.to, case_.rows, case_.q),
        },
        { method: 'procrustes' },
      );
      expect(adapter).toMatchObject({ fromDim: case_.p, toDim: case_.q, role: 'query' });
      expectAllClose(adapter.parameters.w!.data, case_.w, { atol: 2e-5, rtol: 1e-4 });
      // Orthonormal rows (narrower input) or columns: a narrower input keeps its lengths.
      const mapped = applyAdapter(adapter, matrix(case_.from, case_.rows, case_.p));
      if (case_.p <= case_.q)
        for (let row = 0; row < 5; row++) {
          const slice = mapped.data.subarray(row * case_.q, (row + 1) * case_.q);
          expect(Math.hypot(...slice)).toBeCloseTo(1, 5);
        }
      expect(tf.memory().numTensors).toBe(before);
    });

  it('refuses a rank-deficient fit: too few support rows for the dimension', async () => {
    const { from, to, p, q } = reference.procrustes[0]!;
    await expect(
      fitAdapter(
        {
          from: matrix(from.slice(0, 3 * p), 3, p),
          to: matrix(to.slice(0, 3 * q), 3, q),
          names: { from: 'a.npy', to: 'b.npy' },
        },
        { method: 'procrustes' },
      ),
    ).rejects.toThrow(
      /a\.npy -> b\.npy: the Procrustes fit is rank-deficient: 3 support rows for the 8 dimensions/,
    );
  });

  it('fits rows that span fewer dimensions on those only, and says so', async () => {
    // Rows in the xy-plane of 3-D, turned by 90 degrees in it: (x, y, 0) -> (-y, x, 0). The
    // partial rotation is exact in the plane and zero on z (hand-derived).
    const plane = [1, 0, 0, 0.6, 0.8, 0, -0.8, 0.6, 0, 0.28, -0.96, 0];
    const turned = plane.map((_, i) =>
      i % 3 === 0 ? -plane[i + 1]! : i % 3 === 1 ? plane[i - 1]! : 0,
    );
    const notes: string[] = [];
    const adapter = await fitAdapter(
      { from: matrix(plane, 4, 3), to: matrix(turned, 4, 3) },
      { method: 'procrustes', onNote: (note) => notes.push(note) },
    );
    expectAllClose(adapter.parameters.w!.data, [0, 1, 0, -1, 0, 0, 0, 0, 0], { atol: 1e-6 });
    expect(notes).toEqual([expect.stringMatching(/4 support rows span 2 of the 3 dimensions/)]);
  });
});

describe('affine', () => {
  for (const case_ of reference.affine)
    it(`matches scikit-learn's Ridge${case_.rank === null ? '' : ` reduced to rank ${case_.rank}`}`, async () => {
      const adapter = await fitAdapter(
        {
          from: matrix(case_.from, case_.rows, case_.p),
          to: matrix(case_.to, case_.rows, case_.q),
        },
        {
          method: 'affine',
          options: { ridge: case_.ridge, ...(case_.rank === null ? {} : { rank: case_.rank }) },
        },
      );
      expectAllClose(product(adapter.parameters), case_.w, { atol: 2e-5, rtol: 1e-4 });
      expectAllClose(adapter.parameters.b!.data, case_.b, { atol: 2e-5, rtol: 1e-4 });
      if (case_.rank !== null) expect(adapter.parameters.a!.shape).toEqual([case_.p, case_.rank]);
    });

  it('refuses a rank above the widths and a singular unridged fit', async () => {
    const { from, to, p, q } = reference.affine[0]!;
    const input = { from: matrix(from, 80, p), to: matrix(to, 80, q) };
    await expect(fitAdapter(input, { method: 'affine', options: { rank: 9 } })).rejects.toThrow(
      /rank 9 exceeds the widths 8 and 5/,
    );
    const few = { from: matrix(from.slice(0, 4 * p), 4, p), to: matrix(to.slice(0, 4 * q), 4, q) };
    await expect(fitAdapter(few, { method: 'affine', options: { ridge: 0 } })).rejects.toThrow(
      ShapeMismatchError,
    );
  });
});
