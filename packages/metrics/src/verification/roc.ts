import {
  InvalidConfigError,
  nativeRocPoints,
  ShapeMismatchError,
  sortFloat32,
} from '@bctkit/tensor-ops';

/** A receiver operating characteristic, as scikit-learn's `roc_curve` returns it. */
export interface Roc {
  /** False-positive rate of each point, ascending. */
  readonly fpr: Float64Array;
  /** True-positive rate of each point. */
  readonly tpr: Float64Array;
  /** Score threshold of each point (`score >= threshold` is "same"); the first is +Infinity. */
  readonly thresholds: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/** Options of {@link rocCurve}. */
export interface RocOptions {
  /**
   * Keep only the points where the curve bends, as scikit-learn's default
   * `drop_intermediate=True` does (insightface's IJB-C evaluation uses it). Default true.
   */
  dropIntermediate?: boolean;
}

/**
 * The ROC of verification scores (higher = more similar), identical to scikit-learn's
 * `roc_curve(labels, scores)`: one point per distinct score, plus (0, 0) at threshold +Infinity.
 *
 * Built for tens of millions of pairs (IJB-C has 15.7 M): genuine and impostor scores are sorted
 * separately (float32 scores by `sortFloat32`, a radix sort when bctkit's native add-on is built)
 * and merged, with no per-pair objects; with the add-on, float32 scores and `Uint8Array` labels
 * take one native pass that gives the same points bit for bit.
 *
 * @param scores `[pairs]` similarity scores.
 * @param labels `[pairs]` 1 for a genuine (same identity) pair, 0 for an impostor pair.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when the lengths differ.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for a NaN score, a label other than 0/1,
 * or when either class is empty.
 */
export function rocCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: RocOptions = {},
): Roc {
  const { dropIntermediate = true } = options;
  if (scores.length !== labels.length) {
    throw new ShapeMismatchError(`rocCurve: ${scores.length} scores but ${labels.length} labels`);
  }
  // Float32 scores with byte labels (pairDots and the pair lists give those) go through the
  // add-on when it is built: the same points, bit for bit, in one native pass. Anything it
  // declines (no add-on, other types, input to reject) takes the JavaScript below.
  if (scores instanceof Float32Array && labels instanceof Uint8Array) {
    const native = nativeRocPoints(scores, labels, dropIntermediate);
    if (native !== undefined) return native;
  }
  // One pass: check every label and score, genuine scores to the front of one buffer, impostor
  // scores to the back. Float32 scores (pairDots gives them) stay float32: they sort in the same
  // order as their float64 values, through the native add-on's radix sort when it is built.
  const total = labels.length;
  const buffer = scores instanceof Float32Array ? new Float32Array(total) : new Float64Array(total);
  let positives = 0;
  let back = total;
  for (let i = 0; i < total; i++) {
    const label = labels[i];
    const value = scores[i]!;
    if (Number.isNaN(value)) throw new InvalidConfigError(`scores[${i}]`, 'NaN score');
    if (label === 1) buffer[positives++] = value;
    else if (label === 0) buffer[--back] = value;
    else throw new InvalidConfigError(`labels[${i}]`, `expected 0 or 1, got ${label}`);
  }
  const negatives = total - positives;
  if (positives === 0 || negatives === 0) {
    throw new InvalidConfigError(
      'labels',
      `an ROC needs genuine and impostor pairs, got ${positives} and ${negatives}`,
    );
  }
  const genuine = buffer.subarray(0, positives);
  const impostor = buffer.subarray(positives);
  if (genuine instanceof Float32Array && impostor instanceof Float32Array) {
    sortFloat32(genuine);
    sortFloat32(impostor);
  } else {
    genuine.sort();
    impostor.sort();
  }

  // Walk both lists from the highest score down; one point per distinct score. scikit-learn's
  // drop_intermediate keeps the first and last points and every point where the second difference
  // of the FP or TP counts is non-zero (a bend): each point is decided once the next one is known,
  // so no array of every point is built (at IJB-C's size those were 300 MB of fresh memory).
  const kept: number[] = []; // threshold, tp, fp of each kept point, flattened
  let count = 0;
  let previousTp = 0;
  let previousFp = 0;
  let currentThreshold = 0;
  let currentTp = 0;
  let currentFp = 0;
  let g = positives - 1;
  let m = negatives - 1;
  let tp = 0;
  let fp = 0;
  while (g >= 0 || m >= 0) {
    const threshold = Math.max(
      g >= 0 ? genuine[g]! : Number.NEGATIVE_INFINITY,
      m >= 0 ? impostor[m]! : Number.NEGATIVE_INFINITY,
    );
    while (g >= 0 && genuine[g] === threshold) {
      tp += 1;
      g -= 1;
    }
    while (m >= 0 && impostor[m] === threshold) {
      fp += 1;
      m -= 1;
    }
    // Decide on the current point, now that its successor (threshold, tp, fp) is known.
    const bend =
      count === 1 ||
      !dropIntermediate ||
      previousFp - 2 * currentFp + fp !== 0 ||
      previousTp - 2 * currentTp + tp !== 0;
    if (count >= 1 && bend) kept.push(currentThreshold, currentTp, currentFp);
    previousTp = currentTp;
    previousFp = currentFp;
    currentThreshold = threshold;
    currentTp = tp;
    currentFp = fp;
    count += 1;
  }
  kept.push(currentThreshold, currentTp, currentFp); // the last point (count >= 2 classes)
  const points = kept.length / 3;
  const fpr = new Float64Array(points + 1);
  const tpr = new Float64Array(points + 1);
  const thresholds = new Float64Array(points + 1);
  thresholds[0] = Number.POSITIVE_INFINITY;
  for (let k = 0; k < points; k++) {
    thresholds[k + 1] = kept[3 * k]!;
    tpr[k + 1] = kept[3 * k + 1]! / positives;
    fpr[k + 1] = kept[3 * k + 2]! / negatives;
  }
  return { fpr, tpr, thresholds, positives, negatives };
}

/** Area under a curve by the trapezoidal rule (scikit-learn's `auc`), e.g. of an ROC. */
export function areaUnderCurve(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length)
    throw new ShapeMismatchError(`areaUnderCurve: ${x.length} x values but ${y.length} y values`);
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}
