import { type HostMatrix, ShapeMismatchError } from '@bctkit/tensor-ops';
import { type KFoldAccuracy, type KFoldOptions, kFoldAccuracy } from './k-fold-accuracy.js';
import { areaUnderCurve, rocCurve } from './roc.js';
import { tarAtFar } from './tar-at-far.js';

/** The false-accept rates reported for a verification set of a few thousand pairs. */
export const PAIR_SET_FARS = [1e-3, 1e-2, 1e-1] as const;

/** Options of {@link evaluatePairs}. */
export interface PairEvaluationOptions {
  /** Folds of the accuracy. Default 10. */
  readonly folds?: number;
  /**
   * Candidate distance thresholds of the accuracy: `insightface` (default) is its grid
   * `arange(0, 4, 0.01)`; `fine` tries every distance that occurs, which matters for models whose
   * distances all fall within one 0.01 step (embeddings with a large common component); or a list.
   */
  readonly thresholds?: 'insightface' | 'fine' | readonly number[];
  /** Target false-accept rates for TAR. Default {@link PAIR_SET_FARS}. */
  readonly fars?: readonly number[];
}

/** Every distinct distance, ascending, and one above the largest: each splits the pairs differently. */
function fineThresholds(distances: Float64Array): number[] {
  const sorted = Float64Array.from(distances).sort();
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
  out.push((sorted.at(-1) ?? 0) + 1);
  return out;
}

/** Verification quality of one pair set under one test (self, cross or old). */
export interface PairEvaluation {
  /** insightface's 10-fold accuracy (threshold chosen on the other folds). */
  readonly accuracy: KFoldAccuracy;
  /** TAR at each target FAR (key: the FAR as written, e.g. `1e-3`), on the whole set. */
  readonly tar: Readonly<Record<string, number>>;
  /** Area under the ROC curve of the cosine scores. */
  readonly auc: number;
  /** Cosine similarity of each pair. */
  readonly scores: Float32Array;
}

/** The FAR written as a key, e.g. `1e-3` (a whole power of ten) or `0.05`. */
export function pairFarKey(far: number): string {
  const exponent = Math.log10(far);
  return Number.isInteger(exponent) ? `1e${exponent}` : String(far);
}

function unitRow(matrix: HostMatrix, row: number, out: Float64Array): void {
  let norm = 0;
  for (let c = 0; c < matrix.cols; c++) {
    const value = matrix.data[row * matrix.cols + c]!;
    out[c] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let c = 0; c < matrix.cols; c++) out[c]! *= scale;
}

/**
 * Scores the pairs of a verification set (LFW, CFP-FP, AgeDB-30 ...) and measures them as
 * insightface does: pair `k` compares row `k` of `first` with row `k` of `second`, both
 * L2-normalised. Accuracy is insightface's k-fold accuracy on squared distances (`2 - 2 cos`);
 * TAR at FAR and AUC come from the ROC of the cosine scores over all pairs.
 *
 * For a self-test give the same model's embeddings of both images; for a cross-test the new
 * model's embedding of the first image and the old model's of the second.
 *
 * @param first `[pairs, dim]` embeddings of each pair's first image.
 * @param second `[pairs, dim]` embeddings of each pair's second image.
 * @param sameIdentity `[pairs]` 1 for a genuine pair.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when the counts or widths differ.
 */
export function evaluatePairs(
  first: HostMatrix,
  second: HostMatrix,
  sameIdentity: ArrayLike<number>,
  options: PairEvaluationOptions = {},
): PairEvaluation {
  const pairs = sameIdentity.length;
  if (first.rows !== pairs || second.rows !== pairs)
    throw new ShapeMismatchError(
      `evaluatePairs: ${first.rows} and ${second.rows} embeddings for ${pairs} pairs`,
    );
  if (first.cols !== second.cols)
    throw new ShapeMismatchError(
      `evaluatePairs: embeddings of ${first.cols} and ${second.cols} values cannot be compared`,
    );
  const scores = new Float32Array(pairs);
  const distances = new Float64Array(pairs);
  const a = new Float64Array(first.cols);
  const b = new Float64Array(first.cols);
  for (let k = 0; k < pairs; k++) {
    unitRow(first, k, a);
    unitRow(second, k, b);
    let dot = 0;
    let squared = 0;
    for (let c = 0; c < a.length; c++) {
      dot += a[c]! * b[c]!;
      squared += (a[c]! - b[c]!) ** 2;
    }
    scores[k] = dot;
    distances[k] = squared;
  }
  const { thresholds = 'insightface' } = options;
  const kFold: KFoldOptions = {
    ...(options.folds === undefined ? {} : { folds: options.folds }),
    ...(thresholds === 'insightface'
      ? {}
      : { thresholds: thresholds === 'fine' ? fineThresholds(distances) : thresholds }),
  };
  const accuracy = kFoldAccuracy(distances, sameIdentity, kFold);
  const roc = rocCurve(scores, sameIdentity);
  const tar: Record<string, number> = {};
  for (const point of tarAtFar(roc, options.fars ?? PAIR_SET_FARS))
    tar[pairFarKey(point.far)] = point.tar;
  return { accuracy, tar, auc: areaUnderCurve(roc.fpr, roc.tpr), scores };
}
