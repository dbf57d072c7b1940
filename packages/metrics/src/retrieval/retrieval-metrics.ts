import {
  cosineSimilarityBlocks,
  type HostMatrix,
  InvalidConfigError,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';

/** Options of {@link retrievalMetrics}. */
export interface RetrievalOptions {
  /** Ranks for top-k accuracy. Default `[1, 5]`. */
  ks?: readonly number[];
  /**
   * Queries and gallery are the same items (leave-one-out): the gallery item with the query's own
   * row is left out of its ranking. Needs as many queries as gallery items. Default false.
   */
  excludeSameIndex?: boolean;
  /** Query rows scored per block (memory: `blockRows x gallery.rows` floats). Default 1024. */
  blockRows?: number;
}

/** Retrieval quality of queries against a gallery. */
export interface RetrievalResult {
  /** Share of queries whose k nearest gallery items include one of their class, for each k. */
  readonly top: Readonly<Record<string, number>>;
  /** Mean average precision at R (R = the query's relevant gallery items), over queries with R > 0. */
  readonly mapAtR: number;
  readonly queriesWithRelevant: number;
}

/** First index in `sorted` (descending) whose value is <= `value`: how many are strictly greater. */
function countGreater(sorted: Float64Array, length: number, value: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! > value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Top-k accuracy and mAP@R (Musgrave et al., "A Metric Learning Reality Check", ECCV 2020) of
 * cosine-similarity retrieval. Queries and gallery may come from different models (backward
 * compatibility: new queries against an old gallery).
 *
 * Each query's ranking is evaluated without sorting the whole gallery: only its R relevant scores
 * are sorted, and each other score is placed among them by binary search, so a query costs
 * O(gallery x log R). On equal scores an irrelevant item ranks first (the pessimistic choice).
 *
 * @param queries `[q, dim]`; @param gallery `[g, dim]`; labels are class ids.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} for mismatched sizes.
 */
export function retrievalMetrics(
  queries: HostMatrix,
  queryLabels: ArrayLike<number>,
  gallery: HostMatrix,
  galleryLabels: ArrayLike<number>,
  options: RetrievalOptions = {},
): RetrievalResult {
  const { ks = [1, 5], excludeSameIndex = false, blockRows = 1024 } = options;
  if (queryLabels.length !== queries.rows || galleryLabels.length !== gallery.rows) {
    throw new ShapeMismatchError(
      `retrievalMetrics: ${queries.rows} queries with ${queryLabels.length} labels, ${gallery.rows} gallery items with ${galleryLabels.length} labels`,
    );
  }
  if (excludeSameIndex && queries.rows !== gallery.rows) {
    throw new InvalidConfigError(
      'excludeSameIndex',
      `leave-one-out needs as many queries as gallery items (${queries.rows} vs ${gallery.rows})`,
    );
  }
  if (!ks.every((k) => Number.isInteger(k) && k >= 1))
    throw new InvalidConfigError('ks', `expected positive integers, got ${ks.join(', ')}`);
  const hits = new Array<number>(ks.length).fill(0);
  let apSum = 0;
  let withRelevant = 0;
  const relevant = new Float64Array(gallery.rows);
  const irrelevantAbove = new Int32Array(gallery.rows + 1);
  for (const block of cosineSimilarityBlocks(queries, gallery, { blockRows })) {
    for (let b = 0; b < block.rowCount; b++) {
      const query = block.rowStart + b;
      const scores = block.scores.subarray(b * gallery.rows, (b + 1) * gallery.rows);
      const label = queryLabels[query];
      let r = 0;
      for (let j = 0; j < gallery.rows; j++) {
        if (galleryLabels[j] === label && !(excludeSameIndex && j === query))
          relevant[r++] = scores[j]!;
      }
      if (r === 0) continue; // counts as a miss for top-k, and is left out of mAP@R
      relevant.subarray(0, r).sort().reverse();
      // irrelevantAbove[k] (after a prefix sum): irrelevant items scoring >= the k-th best relevant.
      irrelevantAbove.fill(0, 0, r + 1);
      for (let j = 0; j < gallery.rows; j++) {
        if (galleryLabels[j] === label || (excludeSameIndex && j === query)) continue;
        irrelevantAbove[countGreater(relevant, r, scores[j]!)]! += 1;
      }
      let ap = 0;
      let above = 0;
      for (let k = 0; k < r; k++) {
        above += irrelevantAbove[k]!;
        const rank = k + 1 + above;
        if (k === 0) {
          for (let i = 0; i < ks.length; i++) if (rank <= ks[i]!) hits[i]! += 1;
        }
        if (rank <= r) ap += (k + 1) / rank;
      }
      apSum += ap / r;
      withRelevant += 1;
    }
  }
  const top: Record<string, number> = {};
  ks.forEach((k, i) => {
    top[String(k)] = hits[i]! / queries.rows;
  });
  return {
    top,
    mapAtR: withRelevant === 0 ? 0 : apSum / withRelevant,
    queriesWithRelevant: withRelevant,
  };
}
