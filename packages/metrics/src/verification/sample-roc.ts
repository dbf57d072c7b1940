import type { Roc } from './roc.js';

/** An ROC curve resampled for plotting. */
export interface RocSamples {
  readonly fpr: number[];
  readonly tpr: number[];
}

/**
 * Samples an ROC at log-spaced false-positive rates from `max(1 / negatives, minFpr)` to 1: at
 * each rate, the best true-positive rate reached without exceeding it (the ROC as a step
 * function). A few hundred points draw an IJB-C curve of millions of pairs.
 */
export function sampleRoc(roc: Roc, points = 121, minFpr = 1e-6): RocSamples {
  const low = Math.log10(Math.max(minFpr, roc.negatives > 0 ? 1 / roc.negatives : minFpr));
  const fpr: number[] = [];
  const tpr: number[] = [];
  let index = 0;
  for (let step = 0; step < points; step++) {
    const target = 10 ** (low + ((0 - low) * step) / Math.max(points - 1, 1));
    while (index + 1 < roc.fpr.length && roc.fpr[index + 1]! <= target * (1 + 1e-12)) index++;
    fpr.push(target);
    tpr.push(roc.fpr[index]! <= target * (1 + 1e-12) ? roc.tpr[index]! : 0);
  }
  return { fpr, tpr };
}
