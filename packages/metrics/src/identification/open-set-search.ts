import {
  cosineSimilarityBlocks,
  type HostMatrix,
  InvalidConfigError,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';

/** Ranks reported by default, and the FPIRs insightface-style 1:N evaluation prints. */
export const DEFAULT_RANKS = [1, 5, 10] as const;
export const IJBC_FPIRS = [1e-4, 1e-3, 1e-2, 1e-1, 1] as const;

/** Results of searching probes in one gallery. */
export interface GallerySearchResult {
  /** Probes whose subject is in the gallery, and those whose subject is not. */
  readonly mated: number;
  readonly nonMated: number;
  /** Mated probes whose gallery template is among the k best matches, per k. */
  readonly hits: Readonly<Record<string, number>>;
  /** TPIR at each FPIR (keys as `String(fpir)`), over the mated probes. */
  readonly tpir: Readonly<Record<string, number>>;
}

/** Options of {@link searchGallery}. */
export interface SearchOptions {
  ranks?: readonly number[];
  fpirs?: readonly number[];
}

/**
 * Open-set 1:N search of probe templates in one gallery (one template per subject), with the
 * conventions of the IJB-C evaluation MixBCT uses:
 * - rank-k: a mated probe's gallery template is among its k most similar gallery templates;
 * - the threshold at FPIR f is the `max(floor(n f) - 1, 0)`-th largest of the non-mated probes'
 *   best scores (n non-mated probes);
 * - TPIR(f): mated probes whose mated score is above every other gallery score (strictly) and
 *   above the threshold (strictly), over all mated probes.
 *
 * Features are L2-normalised template features (`[probes, dim]`, `[gallery, dim]`).
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} when a gallery lists a subject twice or
 * there is no mated or no non-mated probe.
 */
export function searchGallery(
  probes: HostMatrix,
  probeSubjects: ArrayLike<number>,
  gallery: HostMatrix,
  gallerySubjects: ArrayLike<number>,
  options: SearchOptions = {},
): GallerySearchResult {
  const { ranks = DEFAULT_RANKS, fpirs = IJBC_FPIRS } = options;
  if (probeSubjects.length !== probes.rows || gallerySubjects.length !== gallery.rows) {
    throw new ShapeMismatchError(
      `searchGallery: ${probes.rows} probes / ${probeSubjects.length} subjects, ${gallery.rows} gallery / ${gallerySubjects.length} subjects`,
    );
  }
  const rowOfSubject = new Map<number, number>();
  for (let row = 0; row < gallery.rows; row++) {
    const subject = gallerySubjects[row]!;
    if (rowOfSubject.has(subject))
      throw new InvalidConfigError(
        'gallery',
        `subject ${subject} has more than one gallery template`,
      );
    rowOfSubject.set(subject, row);
  }
  const hits = new Array<number>(ranks.length).fill(0);
  const matedScores: number[] = [];
  const matedIsBest: boolean[] = [];
  const nonMatedBest: number[] = [];
  for (const block of cosineSimilarityBlocks(probes, gallery, { normalize: false })) {
    for (let b = 0; b < block.rowCount; b++) {
      const scores = block.scores.subarray(b * gallery.rows, (b + 1) * gallery.rows);
      const row = rowOfSubject.get(probeSubjects[block.rowStart + b]!);
      if (row === undefined) {
        let best = Number.NEGATIVE_INFINITY;
        for (const score of scores) best = Math.max(best, score);
        nonMatedBest.push(best);
        continue;
      }
      const mated = scores[row]!;
      let above = 0;
      let bestOther = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < scores.length; j++) {
        if (j === row) continue;
        if (scores[j]! > mated) above += 1;
        bestOther = Math.max(bestOther, scores[j]!);
      }
      ranks.forEach((rank, i) => {
        if (above < rank) hits[i]! += 1;
      });
      matedScores.push(mated);
      matedIsBest.push(mated > bestOther);
    }
  }
  if (matedScores.length === 0 || nonMatedBest.length === 0) {
    throw new InvalidConfigError(
      'probes',
      `1:N needs mated and non-mated probes, got ${matedScores.length} and ${nonMatedBest.length}`,
    );
  }
  const ranked = Float64Array.from(nonMatedBest).sort().reverse();
  const tpir: Record<string, number> = {};
  for (const fpir of fpirs) {
    const threshold = ranked[Math.max(Math.floor(ranked.length * fpir) - 1, 0)]!;
    let accepted = 0;
    matedScores.forEach((score, i) => {
      if (matedIsBest[i] && score > threshold) accepted += 1;
    });
    tpir[String(fpir)] = accepted / matedScores.length;
  }
  const hitRecord: Record<string, number> = {};
  ranks.forEach((rank, i) => {
    hitRecord[String(rank)] = hits[i]!;
  });
  return { mated: matedScores.length, nonMated: nonMatedBest.length, hits: hitRecord, tpir };
}
