import { createHostMatrix, InvalidConfigError, ShapeMismatchError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import reference from '../fixtures/retrieval.json' with { type: 'json' };
import { retrievalMetrics } from './retrieval-metrics.js';

const matrix = (rows: number[][]) =>
  createHostMatrix(Float32Array.from(rows.flat()), rows.length, rows[0]!.length);
const labels = reference.labels;
const newFeatures = matrix(reference.newFeatures);
const oldFeatures = matrix(reference.oldFeatures);

describe('retrievalMetrics against a numpy reference (full ranking per query)', () => {
  it.each([
    ['self (new queries, new gallery)', newFeatures, newFeatures, reference.self],
    ['cross (new queries, old gallery)', newFeatures, oldFeatures, reference.cross],
    ['old (old queries, old gallery)', oldFeatures, oldFeatures, reference.old],
  ] as const)('%s, leave-one-out', (_, queries, gallery, expected) => {
    for (const blockRows of [7, 1024]) {
      const result = retrievalMetrics(queries, labels, gallery, labels, {
        excludeSameIndex: true,
        blockRows,
      });
      expect(result.top).toEqual(expected.top);
      expect(result.mapAtR).toBeCloseTo(expected.mapAtR, 12);
      expect(result.queriesWithRelevant).toBe(expected.queriesWithRelevant);
    }
  });

  it('a separate query set against the whole gallery', () => {
    const rows = reference.queryRows;
    const queries = matrix(rows.map((row) => reference.newFeatures[row]!));
    const result = retrievalMetrics(
      queries,
      rows.map((row) => labels[row]!),
      oldFeatures,
      labels,
    );
    expect(result.top).toEqual(reference.split.top);
    expect(result.mapAtR).toBeCloseTo(reference.split.mapAtR, 12);
  });
});

describe('retrievalMetrics', () => {
  it('computes a small case by hand', () => {
    // Query along x; gallery: same class at 0 deg and 90 deg, other class at 45 deg.
    const query = matrix([[1, 0]]);
    const gallery = matrix([
      [1, 0.01],
      [0, 1],
      [1, 1],
    ]);
    const result = retrievalMetrics(query, [0], gallery, [0, 0, 1], { ks: [1, 2] });
    // ranking: same (rank 1), other (2), same (3); R = 2: AP@R = (1/1) / 2 = 0.5
    expect(result.top).toEqual({ '1': 1, '2': 1 });
    expect(result.mapAtR).toBe(0.5);
  });

  it('counts a query without relevant items as a top-k miss and leaves it out of mAP@R', () => {
    const result = retrievalMetrics(
      matrix([
        [1, 0],
        [0, 1],
      ]),
      [0, 9],
      matrix([[1, 0]]),
      [0],
    );
    expect(result.top['1']).toBe(0.5);
    expect(result.queriesWithRelevant).toBe(1);
    expect(result.mapAtR).toBe(1);
  });

  it('rejects mismatched labels and leave-one-out on different sets', () => {
    expect(() => retrievalMetrics(newFeatures, [1], newFeatures, labels)).toThrow(
      ShapeMismatchError,
    );
    expect(() =>
      retrievalMetrics(matrix([[1, 0]]), [0], newFeatures, labels, { excludeSameIndex: true }),
    ).toThrow(InvalidConfigError);
  });
});
