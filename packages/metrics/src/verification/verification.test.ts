import {
  createRandom,
  InvalidConfigError,
  nativeRocPoints,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import reference from '../fixtures/verification.json' with { type: 'json' };
import { INSIGHTFACE_THRESHOLDS, kFoldAccuracy } from './k-fold-accuracy.js';
import { areaUnderCurve, rocCurve } from './roc.js';
import { tarAtFar } from './tar-at-far.js';

describe.each([
  ['with many tied scores', reference.rocTies],
  ['with continuous scores and 5% genuine pairs', reference.rocContinuous],
] as const)('rocCurve %s, against scikit-learn roc_curve', (_, fixture) => {
  it.each([
    ['drop', true],
    ['all', false],
  ] as const)('matches with drop_intermediate=%s', (key, dropIntermediate) => {
    const expected = fixture[key];
    const roc = rocCurve(fixture.scores, fixture.labels, { dropIntermediate });
    expect([...roc.fpr]).toEqual(expected.fpr);
    expect([...roc.tpr]).toEqual(expected.tpr);
    expect(roc.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
    // Scores 0 and -0 tie; which sign names their threshold is immaterial, so fold signed zeros.
    const unsigned = (values: Iterable<number>) => [...values].map((value) => value + 0);
    expect(unsigned(roc.thresholds.subarray(1))).toEqual(unsigned(expected.thresholds));
    expect(areaUnderCurve(roc.fpr, roc.tpr)).toBeCloseTo(expected.auc, 12);
  });

  it("picks TAR at each FAR as insightface's evaluation does", () => {
    for (const key of ['drop', 'all'] as const) {
      const chosen = tarAtFar(
        rocCurve(fixture.scores, fixture.labels, { dropIntermediate: key === 'drop' }),
      );
      const expected = fixture[key].tarAtFar;
      expect(chosen.map(({ far, tar, actualFar }) => ({ far, tar, actualFar }))).toEqual(
        expected.map(({ far, tar, actualFar }) => ({ far, tar, actualFar })),
      );
      chosen.forEach((point, i) => {
        // scikit-learn 1.2 puts max + 1 where later versions (and bctkit) put +Infinity.
        if (Number.isFinite(point.threshold))
          expect(point.threshold + 0).toBe(expected[i]!.threshold + 0);
      });
    }
  });
});

describe('rocCurve on float32 scores (sorted by sortFloat32)', () => {
  it('gives the same curve as the same values given as plain numbers', () => {
    const random = createRandom(3);
    const count = 300_000;
    // Coarse values so that many tie, signed zeros included.
    const scores = Float32Array.from({ length: count }, (_, i) =>
      i % 1000 === 0 ? -0 : Math.round(random.nextNormal() * 200) / 256,
    );
    const labels = Uint8Array.from({ length: count }, (_, i) =>
      scores[i]! + random.nextNormal() * 0.3 > 0.5 ? 1 : 0,
    );
    for (const dropIntermediate of [true, false]) {
      const single = rocCurve(scores, labels, { dropIntermediate });
      const double = rocCurve(Array.from(scores), labels, { dropIntermediate });
      expect([...single.fpr]).toEqual([...double.fpr]);
      expect([...single.tpr]).toEqual([...double.tpr]);
      expect([...single.thresholds]).toEqual([...double.thresholds]);
    }
  });
});

const addOnBuilt = nativeRocPoints(Float32Array.of(1, 0), Uint8Array.of(1, 0), true) !== undefined;
const bytes = (values: Float64Array) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe.skipIf(!addOnBuilt)('rocCurve through the native add-on', () => {
  it('gives the JavaScript points bit for bit: ties, signed zeros, infinities', () => {
    const random = createRandom(11);
    const count = 200_000;
    const scores = Float32Array.from({ length: count }, (_, i) => {
      if (i % 997 === 0) return -0;
      if (i % 991 === 0) return 0;
      if (i % 50_000 === 1) return Number.POSITIVE_INFINITY;
      if (i % 50_000 === 2) return Number.NEGATIVE_INFINITY;
      // Half coarse (many ties), half fine.
      return i % 2 === 0 ? Math.round(random.nextNormal() * 100) / 128 : random.nextNormal();
    });
    const labels = Uint8Array.from({ length: count }, (_, i) =>
      (scores[i]! > 0.3 ? 0.6 : 0.05) > random.next() ? 1 : 0,
    );
    for (const dropIntermediate of [true, false]) {
      const native = nativeRocPoints(scores, labels, dropIntermediate)!;
      // Plain-array labels keep rocCurve in JavaScript.
      const js = rocCurve(scores, Array.from(labels), { dropIntermediate });
      expect(bytes(native.thresholds).equals(bytes(js.thresholds))).toBe(true);
      expect(bytes(native.tpr).equals(bytes(js.tpr))).toBe(true);
      expect(bytes(native.fpr).equals(bytes(js.fpr))).toBe(true);
      expect([native.positives, native.negatives]).toEqual([js.positives, js.negatives]);
    }
  });

  it('declines what rocCurve rejects, which then names the problem', () => {
    expect(nativeRocPoints(Float32Array.of(0.5, Number.NaN), Uint8Array.of(1, 0), true)).toBe(
      undefined,
    );
    expect(nativeRocPoints(Float32Array.of(0.5, 0.2), Uint8Array.of(1, 2), true)).toBe(undefined);
    expect(nativeRocPoints(Float32Array.of(0.5, 0.2), Uint8Array.of(1, 1), true)).toBe(undefined);
    expect(() => rocCurve(Float32Array.of(0.5, Number.NaN), Uint8Array.of(1, 0))).toThrow(
      'NaN score',
    );
    expect(() => rocCurve(Float32Array.of(0.5, 0.2), Uint8Array.of(1, 2))).toThrow(
      'expected 0 or 1, got 2',
    );
  });
});

describe('rocCurve', () => {
  it('computes a tiny ROC by hand', () => {
    // scores 0.9 (genuine), 0.8 (impostor), 0.8 (genuine), 0.1 (impostor)
    const roc = rocCurve([0.9, 0.8, 0.8, 0.1], [1, 0, 1, 0], { dropIntermediate: false });
    expect([...roc.thresholds]).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.8, 0.1]);
    expect([...roc.tpr]).toEqual([0, 0.5, 1, 1]);
    expect([...roc.fpr]).toEqual([0, 0, 0.5, 1]);
    expect(areaUnderCurve(roc.fpr, roc.tpr)).toBe(0.875);
  });

  it('rejects mismatched lengths, bad labels, NaN scores and a missing class', () => {
    expect(() => rocCurve([1, 2], [1])).toThrow(ShapeMismatchError);
    expect(() => rocCurve([1, 2], [1, 2])).toThrow('labels[1]: expected 0 or 1, got 2');
    expect(() => rocCurve([1, Number.NaN], [1, 0])).toThrow('scores[1]: NaN score');
    expect(() => rocCurve([1, 2], [1, 1])).toThrow(InvalidConfigError);
  });

  it('takes a Float32Array of scores and a Uint8Array of labels', () => {
    const roc = rocCurve(Float32Array.from([0.5, 0.25]), Uint8Array.from([1, 0]));
    expect([...roc.tpr]).toEqual([0, 1, 1]);
  });
});

describe('kFoldAccuracy, against numpy with scikit-learn KFold', () => {
  it("uses numpy's arange(0, 4, 0.01) thresholds", () => {
    expect(INSIGHTFACE_THRESHOLDS).toEqual(reference.thresholds);
  });

  it('chooses the same thresholds and gets the same accuracies on uneven folds (605 pairs)', () => {
    const expected = reference.kFold;
    const result = kFoldAccuracy(expected.distances, expected.issame, { folds: expected.folds });
    expect(result.thresholds).toEqual(expected.thresholds);
    expect(result.folds).toEqual(expected.accuracies);
    expect(result.mean).toBeCloseTo(expected.mean, 14);
    expect(result.std).toBeCloseTo(expected.std, 14);
  });

  it('rejects bad fold counts and mismatched inputs', () => {
    expect(() => kFoldAccuracy([1, 2], [1], { folds: 2 })).toThrow(ShapeMismatchError);
    expect(() => kFoldAccuracy([1, 2, 3], [1, 0, 1], { folds: 1 })).toThrow(InvalidConfigError);
  });
});
