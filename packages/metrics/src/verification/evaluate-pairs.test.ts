import { ShapeMismatchError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import reference from '../fixtures/pair-evaluation.json' with { type: 'json' };
import { evaluatePairs, pairFarKey } from './evaluate-pairs.js';
import { parsePairList } from './pair-list.js';

const matrix = (values: number[]) => ({
  data: Float32Array.from(values),
  rows: values.length / reference.dim,
  cols: reference.dim,
});

describe('evaluatePairs, against numpy + scikit-learn (tooling/reference/pair_evaluation.py)', () => {
  const result = evaluatePairs(matrix(reference.first), matrix(reference.second), reference.issame);

  it("gives insightface's 10-fold accuracy", () => {
    expect(result.accuracy.folds).toEqual(reference.folds);
    expect(result.accuracy.mean).toBeCloseTo(reference.accuracyMean, 12);
    expect(result.accuracy.std).toBeCloseTo(reference.accuracyStd, 12);
  });

  it('gives the ROC AUC and TAR at FAR of the cosine scores', () => {
    expect(result.auc).toBeCloseTo(reference.auc, 6);
    expect(result.tar).toEqual(reference.tar);
  });

  it('refuses embeddings that do not line up with the pairs', () => {
    const first = matrix(reference.first);
    expect(() => evaluatePairs(first, first, [1, 0])).toThrow(ShapeMismatchError);
    const narrow = { data: new Float32Array(reference.issame.length * 3), rows: 400, cols: 3 };
    expect(() => evaluatePairs(first, narrow, reference.issame)).toThrow('cannot be compared');
  });

  it('writes FAR keys as powers of ten', () => {
    expect([1e-3, 1e-1, 0.05].map(pairFarKey)).toEqual(['1e-3', '1e-1', '0.05']);
  });
});

describe('parsePairList', () => {
  it("reads LFW's pairs.txt format: header, same and different pairs", () => {
    const list = parsePairList('10\t2\nAbel_Pacheco\t1\t4\nAb_B\t2\tCd_E\t12\n', 'pairs.txt');
    expect(list.first).toEqual([
      { name: 'Abel_Pacheco', number: 1 },
      { name: 'Ab_B', number: 2 },
    ]);
    expect(list.second).toEqual([
      { name: 'Abel_Pacheco', number: 4 },
      { name: 'Cd_E', number: 12 },
    ]);
    expect(Array.from(list.sameIdentity)).toEqual([1, 0]);
  });

  it.each([
    ['A 1\n', "line 1: expected 'name n1 n2'"],
    ['500\nA 1 x\n', "line 2: 'x' is not an image number"],
    ['500\n', 'the pair list is empty'],
  ])('refuses %j', (text, message) => {
    expect(() => parsePairList(text, 'p.txt')).toThrow(message);
  });
});
