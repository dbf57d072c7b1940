import { nativeAddOn } from '../kernels/native-kernels.js';

/** An ROC's points from the native add-on (see {@link nativeRocPoints}). */
export interface NativeRocPoints {
  readonly thresholds: Float64Array;
  readonly tpr: Float64Array;
  readonly fpr: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * The ROC of float32 verification scores through the native add-on, bit for bit what `rocCurve`
 * of `@bctkit/metrics` computes in JavaScript (it calls this first): genuine and impostor scores
 * radix-sorted apart and merged in one native pass, with no per-point JavaScript work. Returns
 * undefined when the add-on is not built, or for input the caller must reject with its own
 * message (a NaN score, a label other than 0 or 1, a class without pairs).
 *
 * @param scores `[pairs]` similarity scores.
 * @param labels `[pairs]` 1 for a genuine pair, 0 for an impostor pair.
 * @param dropIntermediate scikit-learn's `drop_intermediate`.
 */
export function nativeRocPoints(
  scores: Float32Array,
  labels: Uint8Array,
  dropIntermediate: boolean,
): NativeRocPoints | undefined {
  const native = nativeAddOn().module;
  if (native === undefined || scores.length !== labels.length) return undefined;
  const points = native.rocPoints(scores, labels, dropIntermediate);
  if (points === undefined) return undefined;
  const [thresholds, tpr, fpr, positives, negatives] = points;
  return { thresholds, tpr, fpr, positives, negatives };
}
