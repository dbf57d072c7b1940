import { expectAllClose, expectNoTensorLeaks } from '@bctkit/test-utils';
import { tensor2d } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, ShapeMismatchError } from '../errors/errors.js';
import { reference } from '../fixtures/reference.js';
import { cosineSimilarity, cosineSimilarityBlocks } from './cosine-similarity.js';
import { createHostMatrix } from './host-matrix.js';

const { a, aShape, b, bShape, sims } = reference.cosine;
const queries = createHostMatrix(Float32Array.from(a), aShape[0]!, aShape[1]!);
const gallery = createHostMatrix(Float32Array.from(b), bShape[0]!, bShape[1]!);

describe('cosineSimilarity', () => {
  it('matches PyTorch F.cosine_similarity for every pair', () => {
    const out = cosineSimilarity(
      tensor2d(a, aShape as [number, number]),
      tensor2d(b, bShape as [number, number]),
    );
    expect(out.shape).toEqual([7, 3]);
    expectAllClose(out.dataSync(), sims, { atol: 1e-6 });
  });

  it('rejects different widths', () => {
    expect(() => cosineSimilarity(tensor2d([[1, 2]]), tensor2d([[1, 2, 3]]))).toThrow(
      ShapeMismatchError,
    );
  });
});

describe('cosineSimilarityBlocks', () => {
  it.each([1, 2, 3, 7, 1024])('streams the same matrix in blocks of %i rows', (blockRows) => {
    const collected = new Float32Array(7 * 3);
    const starts: number[] = [];
    for (const block of cosineSimilarityBlocks(queries, gallery, { blockRows })) {
      collected.set(block.scores, block.rowStart * 3);
      starts.push(block.rowStart);
      expect(block.scores).toHaveLength(block.rowCount * 3);
    }
    expect(starts).toEqual(
      Array.from({ length: Math.ceil(7 / blockRows) }, (_, i) => i * blockRows),
    );
    expectAllClose(collected, sims, { atol: 1e-6 });
  });

  it('gives raw dot products with normalize: false (hand-computed)', () => {
    const left = createHostMatrix(Float32Array.from([1, 2, 3, 4]), 2, 2);
    const right = createHostMatrix(Float32Array.from([1, 0, 0, 2]), 2, 2);
    const [block] = [...cosineSimilarityBlocks(left, right, { normalize: false })];
    expect(Array.from(block!.scores)).toEqual([1, 4, 3, 8]);
  });

  it('frees every tensor, also when the consumer stops early', () => {
    expectNoTensorLeaks(() => {
      for (const _ of cosineSimilarityBlocks(queries, gallery, { blockRows: 2 })) {
      }
    });
    expectNoTensorLeaks(() => {
      for (const block of cosineSimilarityBlocks(queries, gallery, { blockRows: 2 })) {
        if (block.rowStart === 2) break;
      }
    });
  });

  it('rejects different widths and bad block sizes', () => {
    const narrow = createHostMatrix(new Float32Array(4), 1, 4);
    expect(() => cosineSimilarityBlocks(queries, narrow).next()).toThrow(ShapeMismatchError);
    expect(() => cosineSimilarityBlocks(queries, gallery, { blockRows: 0 }).next()).toThrow(
      InvalidConfigError,
    );
  });
});
