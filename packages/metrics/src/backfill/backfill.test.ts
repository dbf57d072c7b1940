import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostMatrix } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import reference from '../fixtures/backfill.json' with { type: 'json' };
import { backfillCurve, backfillOrder, queryAdapterBackfillInputs } from './backfill.js';
import { writeBackfillReport } from './write-backfill.js';

const rows = reference.labels.length;
const fresh = createHostMatrix(Float32Array.from(reference.new), rows, reference.dim);
const old = createHostMatrix(Float32Array.from(reference.old), rows, reference.dim);

describe('backfillOrder', () => {
  it("uncertainty: numpy's order (farthest from the identity's mean old feature first)", () => {
    expect(Array.from(backfillOrder('uncertainty', old, reference.labels))).toEqual(
      reference.uncertaintyOrder,
    );
  });

  it('random is a seeded permutation; class keeps each identity together', () => {
    const random = backfillOrder('random', old, reference.labels, 3);
    expect([...random].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(Array.from(backfillOrder('random', old, reference.labels, 3))).toEqual(
      Array.from(random),
    );
    const byClass = backfillOrder('class', old, reference.labels, 3);
    const runs = Array.from(byClass, (i) => reference.labels[i]).filter(
      (label, k, all) => k === 0 || label !== all[k - 1],
    );
    expect(runs).toHaveLength(new Set(reference.labels).size);
  });
});

describe('backfillCurve', () => {
  it('matches numpy at every fraction, from the cross-test (0) to the self-test (1)', () => {
    const before = tf.memory().numTensors;
    const curve = backfillCurve(fresh, old, reference.labels, reference.uncertaintyOrder, {
      policy: 'uncertainty',
    });
    expect(tf.memory().numTensors).toBe(before);
    curve.points.forEach((point, k) => {
      const expected = reference.points[k]!;
      expect(point.backfilled).toBe(expected.backfilled);
      expect(point.top1).toBeCloseTo(expected.top1, 12);
      expect(point.mapAtR).toBeCloseTo(expected.mapAtR, 5);
    });
    const mean =
      reference.points.reduce((sum, point) => sum + point.top1, 0) / reference.points.length;
    expect(curve.areaTop1).toBeCloseTo(mean, 12);
  });

  it('refuses different widths and row counts', () => {
    const narrow = createHostMatrix(old.data.slice(0, rows * 4), rows, 4);
    expect(() =>
      backfillCurve(fresh, narrow, reference.labels, reference.uncertaintyOrder),
    ).toThrow(/8 wide and the old 4/);
    expect(() =>
      backfillCurve(fresh, old, reference.labels.slice(1), reference.uncertaintyOrder),
    ).toThrow(/59 labels/);
  });

  it('writes the report: JSON, Markdown and the curves as SVG and PNG', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-backfill-'));
    try {
      const curve = backfillCurve(fresh, old, reference.labels, reference.uncertaintyOrder, {
        policy: 'uncertainty',
      });
      const files = await writeBackfillReport(directory, [curve]);
      expect(await readFile(files.markdown, 'utf8')).toMatch(/\| 100% \| /);
      expect(JSON.parse(await readFile(files.json, 'utf8'))[0].policy).toBe('uncertainty');
      expect((await readFile(files.png)).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('queryAdapterBackfillInputs', () => {
  it('scores old rows with the mapped query and backfilled rows with the query itself', () => {
    // A query adapter into a narrower old space: a fixed 2 x dim map of the new features.
    const oldDim = 2;
    const mappedData = new Float32Array(rows * oldDim);
    for (let i = 0; i < rows; i++)
      for (let k = 0; k < oldDim; k++)
        mappedData[i * oldDim + k] =
          reference.new[i * reference.dim + k]! + 0.5 * reference.new[i * reference.dim + k + 1]!;
    const oldData = new Float32Array(rows * oldDim);
    for (let i = 0; i < rows; i++)
      for (let k = 0; k < oldDim; k++)
        oldData[i * oldDim + k] = reference.old[i * reference.dim + k]!;
    const mapped = createHostMatrix(mappedData, rows, oldDim);
    const narrowOld = createHostMatrix(oldData, rows, oldDim);
    const inputs = queryAdapterBackfillInputs(mapped, fresh, narrowOld);
    const order = reference.uncertaintyOrder;
    const half = Math.round(rows / 2);
    const curve = backfillCurve(inputs.newFeatures, inputs.oldFeatures, reference.labels, order, {
      fractions: [0, 0.5, 1],
      queries: inputs.queries,
    });
    // Brute force: the cosine of the query's mapped embedding with an old row, or of the query
    // with a backfilled row; top-1 excludes the query's own image.
    const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < a.length; k++) {
        dot += a[k]! * b[k]!;
        na += a[k]! ** 2;
        nb += b[k]! ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    const row = (data: ArrayLike<number>, i: number, width: number) =>
      Array.from({ length: width }, (_, k) => data[i * width + k]!);
    const top1 = (backfilled: number) => {
      const isNew = new Set(Array.from(order).slice(0, backfilled));
      let hits = 0;
      for (let q = 0; q < rows; q++) {
        let best = -Infinity;
        let bestIndex = -1;
        for (let g = 0; g < rows; g++) {
          if (g === q) continue;
          const score = isNew.has(g)
            ? cosine(row(reference.new, q, reference.dim), row(reference.new, g, reference.dim))
            : cosine(row(mappedData, q, oldDim), row(oldData, g, oldDim));
          if (score > best) {
            best = score;
            bestIndex = g;
          }
        }
        if (reference.labels[bestIndex] === reference.labels[q]) hits++;
      }
      return hits / rows;
    };
    expect(curve.points.map((point) => point.top1)).toEqual([top1(0), top1(half), top1(rows)]);
    expect(() => queryAdapterBackfillInputs(fresh, fresh, narrowOld)).toThrow(
      /must be as wide as the old features/,
    );
  });
});
