import type { Roc } from './roc.js';

/** The false-accept rates insightface's IJB-C evaluation reports. */
export const IJBC_FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1] as const;

/** The ROC point chosen for one target FAR. */
export interface TarAtFar {
  readonly far: number;
  /** True-accept rate (TPR) of the chosen point. */
  readonly tar: number;
  /** The chosen point's actual false-accept rate (may lie above the target). */
  readonly actualFar: number;
  readonly threshold: number;
}

/**
 * TAR at each target FAR with insightface's rule: the ROC point whose FPR is closest to the
 * target (absolute difference), searching from the highest FPR down, so that on ties the point
 * with the higher FPR, and among equal FPRs the higher TPR, wins. The chosen FPR may exceed the
 * target; at FAR = 1e-6 on IJB-C only about 16 impostor pairs lie above the threshold.
 */
export function tarAtFar(roc: Roc, fars: readonly number[] = IJBC_FARS): TarAtFar[] {
  const { fpr, tpr, thresholds } = roc;
  return fars.map((far) => {
    let best = fpr.length - 1;
    let bestGap = Number.POSITIVE_INFINITY;
    for (let i = fpr.length - 1; i >= 0; i--) {
      const gap = Math.abs(fpr[i]! - far);
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    return { far, tar: tpr[best]!, actualFar: fpr[best]!, threshold: thresholds[best]! };
  });
}
