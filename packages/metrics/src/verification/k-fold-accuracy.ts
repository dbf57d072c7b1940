import { InvalidConfigError, ShapeMismatchError } from '@bctkit/tensor-ops';

/** Result of {@link kFoldAccuracy}. */
export interface KFoldAccuracy {
  /** Mean accuracy over the folds. */
  readonly mean: number;
  /** Population standard deviation over the folds (numpy's `std`). */
  readonly std: number;
  /** Accuracy on each held-out fold. */
  readonly folds: readonly number[];
  /** The threshold chosen on the other folds, for each fold. */
  readonly thresholds: readonly number[];
}

/** Options of {@link kFoldAccuracy}. */
export interface KFoldOptions {
  folds?: number;
  /** Candidate thresholds; default insightface's `arange(0, 4, 0.01)`. */
  thresholds?: readonly number[];
}

/** `arange(0, 4, 0.01)` as numpy computes it: `i * 0.01`. */
export const INSIGHTFACE_THRESHOLDS: readonly number[] = Array.from(
  { length: 400 },
  (_, i) => i * 0.01,
);

/**
 * insightface's verification accuracy on a `.bin` set (LFW, CFP-FP, AgeDB-30): pairs are "same"
 * when their distance is below a threshold; for each of `k` contiguous folds (scikit-learn's
 * `KFold(shuffle=False)`), the threshold that maximises accuracy on the other folds (the smallest
 * on ties) is applied to the held-out fold.
 *
 * @param distances `[pairs]` squared Euclidean distances of L2-normalised embeddings, in [0, 4].
 * @param sameIdentity `[pairs]` 1 for a genuine pair, 0 otherwise.
 */
export function kFoldAccuracy(
  distances: ArrayLike<number>,
  sameIdentity: ArrayLike<number>,
  options: KFoldOptions = {},
): KFoldAccuracy {
  const { folds = 10, thresholds = INSIGHTFACE_THRESHOLDS } = options;
  const n = distances.length;
  if (sameIdentity.length !== n)
    throw new ShapeMismatchError(`kFoldAccuracy: ${n} distances but ${sameIdentity.length} labels`);
  if (!Number.isInteger(folds) || folds < 2 || folds > n) {
    throw new InvalidConfigError('folds', `expected an integer in [2, ${n}], got ${folds}`);
  }
  // KFold: the first n % k folds have one extra pair.
  const bounds: number[] = [0];
  for (let f = 0; f < folds; f++)
    bounds.push(bounds[f]! + Math.floor(n / folds) + (f < n % folds ? 1 : 0));
  // correct[t][f]: pairs of fold f classified correctly at threshold t.
  const correct = thresholds.map(() => new Float64Array(folds));
  for (let f = 0; f < folds; f++) {
    for (let i = bounds[f]!; i < bounds[f + 1]!; i++) {
      const same = sameIdentity[i] === 1;
      const distance = distances[i]!;
      for (let t = 0; t < thresholds.length; t++) {
        if (distance < thresholds[t]! === same) correct[t]![f]! += 1;
      }
    }
  }
  const totals = correct.map((row) => row.reduce((sum, value) => sum + value, 0));
  const accuracies: number[] = [];
  const chosen: number[] = [];
  for (let f = 0; f < folds; f++) {
    const trainSize = n - (bounds[f + 1]! - bounds[f]!);
    let best = 0;
    let bestAccuracy = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < thresholds.length; t++) {
      const accuracy = (totals[t]! - correct[t]![f]!) / trainSize;
      if (accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        best = t;
      }
    }
    chosen.push(thresholds[best]!);
    accuracies.push(correct[best]![f]! / (bounds[f + 1]! - bounds[f]!));
  }
  const mean = accuracies.reduce((sum, value) => sum + value, 0) / folds;
  const std = Math.sqrt(accuracies.reduce((sum, value) => sum + (value - mean) ** 2, 0) / folds);
  return { mean, std, folds: accuracies, thresholds: chosen };
}
