import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError, ShapeMismatchError, writeNpy } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/reference.json' with { type: 'json' };
import { advBctClassBoundaries, lceClassCentres } from './class-boundaries.js';
import { classShardRows, denoiseCredible } from './denoise.js';
import { classPrototypes } from './prototypes.js';
import { refinePrototypes } from './refine-prototypes.js';

const matrix = (values: number[], cols: number) => ({
  data: Float32Array.from(values),
  rows: values.length / cols,
  cols,
});

describe('denoiseCredible (MixBCT)', () => {
  it('marks the same rows credible as the numpy reference, in memory and streaming from .npy', async () => {
    const { features, labels, dim, ratio, credible } = fixture.denoise;
    const inMemory = await denoiseCredible(matrix(features, dim), labels, { ratio });
    expect([...inMemory.credible]).toEqual(credible);
    expect(inMemory.dropped).toBe(credible.filter((flag) => flag === 0).length);
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-denoise-'));
    try {
      const path = join(directory, 'old.npy');
      await writeNpy(path, matrix(features, dim));
      const progress: number[] = [];
      const streamed = await denoiseCredible(path, labels, {
        ratio,
        onProgress: (done) => progress.push(done),
      });
      expect([...streamed.credible]).toEqual(credible);
      expect(progress.at(-1)).toBe(2 * labels.length);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('in shards of whole classes, tiles the rows and together flags what the reference flags', async () => {
    const { features, labels, dim, ratio, credible } = fixture.denoise;
    for (const of of [1, 2, 3, 7]) {
      const flags: number[] = [];
      let next = 0;
      for (let index = 0; index < of; index++) {
        const part = await denoiseCredible(matrix(features, dim), labels, {
          ratio,
          shard: { index, of },
        });
        expect(part.range.start).toBe(next);
        // A shard starts where a class starts (or at the end).
        const { start, end } = part.range;
        expect(start === 0 || start === labels.length || labels[start] !== labels[start - 1]).toBe(
          true,
        );
        flags.push(...part.credible.subarray(start, end));
        expect(part.kept + part.dropped).toBe(end - start);
        next = end;
      }
      expect(next).toBe(labels.length);
      expect(flags).toEqual(credible);
    }
  });

  it('splits classes into shards by their first row (hand-worked)', () => {
    // Classes start at rows 0, 2, 7, 8 of 10: split points 0, 3.33, 6.67 for three shards.
    const chunks = [
      { start: 0, end: 2 },
      { start: 2, end: 7 },
      { start: 7, end: 8 },
      { start: 8, end: 10 },
    ];
    expect([0, 1, 2].map((index) => classShardRows(chunks, 10, index, 3))).toEqual([
      { start: 0, end: 7 },
      { start: 7, end: 7 },
      { start: 7, end: 10 },
    ]);
    expect(() => classShardRows(chunks, 10, 3, 3)).toThrow(/0 <= index < of/);
  });

  it('keeps every sample of classes with 9 or fewer (ceil(0.9 n) = n)', async () => {
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    const features = Array.from({ length: 9 * 3 }, (_, i) => Math.sin(i) + (i % 3));
    const result = await denoiseCredible(matrix(features, 3), labels);
    expect(result.kept).toBe(9);
  });

  it('refuses non-contiguous classes and a row count that differs from the labels', async () => {
    await expect(denoiseCredible(matrix([1, 2, 3, 4, 5, 6], 2), [0, 1, 0])).rejects.toThrow(
      DatasetFormatError,
    );
    await expect(denoiseCredible(matrix([1, 2, 3, 4], 2), [0, 1, 1])).rejects.toThrow(
      ShapeMismatchError,
    );
  });
});

describe('classPrototypes (BCT)', () => {
  it('normalises the per-class mean of raw features, as the numpy reference', async () => {
    const { features, labels, dim, classes, prototypes } = fixture.prototypes;
    const result = await classPrototypes(matrix(features, dim), labels, { numClasses: classes });
    expect([result.rows, result.cols]).toEqual([classes, dim]);
    expectAllClose(result.data, prototypes, { atol: 1e-6 });
  });

  it('gives a zero row to a class without samples', async () => {
    const result = await classPrototypes(matrix([3, 4], 2), [1], { numClasses: 3 });
    expect([...result.data]).toEqual([0, 0, 0.6000000238418579, 0.800000011920929, 0, 0]);
  });
});

describe('refinePrototypes (UniBCT)', () => {
  const { old, new: fresh, labels, dim, classes, lambda, tau, paper, reference } = fixture.refine;

  it('paper mode matches numpy: row-normalised affinities, no self-loops, re-normalised', async () => {
    const result = await refinePrototypes(matrix(old, dim), matrix(fresh, dim), labels, {
      lambda,
      tau,
      mode: 'paper',
      numClasses: classes,
    });
    expectAllClose(result.data, paper, { atol: 1e-6 });
  });

  it('reference mode matches numpy, and is the raw class mean (the repository no-op)', async () => {
    const result = await refinePrototypes(matrix(old, dim), matrix(fresh, dim), labels, {
      lambda,
      tau,
      mode: 'reference',
    });
    expectAllClose(result.data, reference, { atol: 1e-6 });
    const means = await classPrototypes(matrix(old, dim), labels);
    // The raw mean, normalised, is the BCT prototype: same direction.
    for (let k = 0; k < classes; k++) {
      const row = result.data.subarray(k * dim, (k + 1) * dim);
      const norm = Math.hypot(...row);
      expectAllClose(
        row.map((v) => v / norm),
        means.data.subarray(k * dim, (k + 1) * dim),
        { atol: 1e-6 },
      );
    }
  });
});

describe('class boundaries (LCE, AdvBCT)', () => {
  const {
    old,
    labels,
    dim,
    classes,
    lceCentres: centres,
    kappa,
    advCentres,
    radius,
    kept,
  } = fixture.boundaries;

  it('LCE: normalised centres and the smallest member cosine, as numpy', async () => {
    const result = await lceClassCentres(matrix(old, dim), labels, { numClasses: classes });
    expectAllClose(result.centres.data, centres, { atol: 1e-6 });
    expectAllClose(result.kappa, kappa, { atol: 1e-6 });
  });

  it('AdvBCT: centres, IQR-filtered largest radius and kept counts, as numpy', async () => {
    const result = await advBctClassBoundaries(matrix(old, dim), labels, { numClasses: classes });
    expectAllClose(result.centres.data, advCentres, { atol: 1e-6 });
    expectAllClose(result.radius, radius, { atol: 1e-6 });
    expect([...result.kept]).toEqual(kept);
  });
});
