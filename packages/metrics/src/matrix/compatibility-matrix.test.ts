import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostMatrix } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import reference from '../fixtures/compat-matrix.json' with { type: 'json' };
import { compatibilityMatrix, retrievalMatrix } from './compatibility-matrix.js';
import { writeMatrixReport } from './write-matrix.js';

const rows = reference.labels.length;
const features = reference.features.map((values) =>
  createHostMatrix(Float32Array.from(values), rows, reference.dim),
);

describe('retrievalMatrix', () => {
  it('matches numpy: the top-1 matrix, every criterion, AC and AM (tooling/reference/compat_matrix.py)', () => {
    const before = tf.memory().numTensors;
    const matrix = retrievalMatrix(['g0', 'g1', 'g2'], features, reference.labels);
    expect(tf.memory().numTensors).toBe(before);
    expect(matrix.metric).toBe('top-1');
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        expect(matrix.values[i]![j]).toBeCloseTo(reference.values[i]![j]!, 12);
    expect(matrix.criteria).toHaveLength(3);
    matrix.criteria.forEach((criterion, k) => {
      expect(criterion).toMatchObject({
        newer: reference.criteria[k]!.newer,
        older: reference.criteria[k]!.older,
        compatible: reference.criteria[k]!.compatible,
      });
    });
    expect(matrix.ac).toBeCloseTo(reference.ac, 12);
    expect(matrix.am).toBeCloseTo(reference.am, 12);
  });

  it('leaves pairs of different widths out (null, not compatible) and refuses row mismatches', () => {
    const narrow = createHostMatrix(features[1]!.data.slice(0, rows * 4), rows, 4);
    const matrix = retrievalMatrix(['g0', 'narrow'], [features[0]!, narrow], reference.labels);
    expect(matrix.values[1]![0]).toBeNull();
    expect(matrix.criteria[0]!.compatible).toBe(false);
    const short = createHostMatrix(
      features[1]!.data.slice(0, 10 * reference.dim),
      10,
      reference.dim,
    );
    expect(() => retrievalMatrix(['a', 'b'], [features[0]!, short], reference.labels)).toThrow(
      /b has 10 rows, a 60/,
    );
  });
});

describe('compatibilityMatrix', () => {
  it('scores a hand-made 3-generation matrix: AC 2/3, AM the lower-triangle mean', () => {
    // values[i][j]: rows are query models, columns gallery models.
    const table = [
      [0.5, 0.1, 0.1],
      [0.6, 0.7, 0.2],
      [0.4, 0.8, 0.9],
    ];
    const matrix = compatibilityMatrix(['a', 'b', 'c'], (i, j) => table[i]![j]!);
    expect(matrix.criteria.map((c) => [c.newer, c.older, c.compatible])).toEqual([
      [1, 0, true], // 0.6 > 0.5
      [2, 0, false], // 0.4 <= 0.5
      [2, 1, true], // 0.8 > 0.7
    ]);
    expect(matrix.ac).toBeCloseTo(2 / 3, 12);
    expect(matrix.am).toBeCloseTo((0.5 + 0.6 + 0.7 + 0.4 + 0.8 + 0.9) / 6, 12);
    expect(() => compatibilityMatrix(['a'], () => 1)).toThrow(/at least 2 generations/);
  });
});

describe('writeMatrixReport', () => {
  it('writes JSON, Markdown with every criterion, and the heat map as SVG and PNG', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-matrix-'));
    try {
      const matrix = retrievalMatrix(['g0', 'g1', 'g2'], features, reference.labels);
      const files = await writeMatrixReport(directory, matrix);
      expect(JSON.parse(await readFile(files.json, 'utf8')).ac).toBeCloseTo(reference.ac, 12);
      const markdown = await readFile(files.markdown, 'utf8');
      expect(markdown).toMatch(/\| g2 \| g0 \| 20\.00 \| 45\.00 \| no \|/);
      expect(markdown).toMatch(/AC 33\.3% of 3 pairs; AM 51\.39/);
      expect(await readFile(files.svg, 'utf8')).toMatch(/^<svg/);
      expect((await readFile(files.png)).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
