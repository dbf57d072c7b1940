import {
  createRandom,
  type HostMatrix,
  InvalidConfigError,
  normalizeRows,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import { retrievalMetrics } from '../retrieval/retrieval-metrics.js';

/** How a partial backfill picks the gallery items it re-embeds first. */
export type BackfillPolicy = 'random' | 'uncertainty' | 'class';

/** The backfill policies, for option parsing and docs. */
export const BACKFILL_POLICIES: readonly BackfillPolicy[] = ['random', 'uncertainty', 'class'];

/**
 * The order in which gallery items are backfilled (re-embedded by the new model), from what is
 * known before any of them is: the old features and the labels.
 *
 * - `random`: a seeded permutation;
 * - `uncertainty`: items whose old feature lies farthest (cosine) from its identity's mean old
 *   feature first: the ones the old model placed least reliably. FastFill (Jaeckle et al., ICLR
 *   2023) learns an estimate of this from the old features; this is its training-free stand-in;
 * - `class`: whole identities at a time, in a seeded random order of identities.
 */
export function backfillOrder(
  policy: BackfillPolicy,
  oldGallery: HostMatrix,
  labels: ArrayLike<number>,
  seed = 1,
): Int32Array {
  const n = oldGallery.rows;
  if (labels.length !== n)
    throw new ShapeMismatchError(`${n} gallery rows with ${labels.length} labels`);
  const random = createRandom(seed);
  if (policy === 'random') return Int32Array.from(random.permutation(n));
  if (policy === 'class') {
    const classes = [...new Set(Array.from(labels))];
    const rank = new Map<number, number>();
    const shuffled = random.permutation(classes.length);
    for (let k = 0; k < shuffled.length; k++) rank.set(classes[shuffled[k]!]!, k);
    return Int32Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => rank.get(labels[a]!)! - rank.get(labels[b]!)! || a - b,
    );
  }
  if (policy !== 'uncertainty')
    throw new InvalidConfigError(
      'policy',
      `expected one of ${BACKFILL_POLICIES.join(', ')}, got '${policy}'`,
    );
  const d = oldGallery.cols;
  const unit = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += oldGallery.data[i * d + j]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < d; j++) unit[i * d + j] = oldGallery.data[i * d + j]! * scale;
  }
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < n; i++) {
    const sum = sums.get(labels[i]!) ?? new Float64Array(d);
    for (let j = 0; j < d; j++) sum[j]! += unit[i * d + j]!;
    sums.set(labels[i]!, sum);
  }
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mean = sums.get(labels[i]!)!;
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      dot += unit[i * d + j]! * mean[j]!;
      norm += mean[j]! ** 2;
    }
    distance[i] = 1 - (norm > 0 ? dot / Math.sqrt(norm) : 0);
  }
  return Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => distance[b]! - distance[a]! || a - b,
  );
}

/** One point of a backfill curve. */
export interface BackfillPoint {
  /** Share of the gallery re-embedded by the new model. */
  readonly fraction: number;
  /** Items re-embedded. */
  readonly backfilled: number;
  readonly top1: number;
  readonly mapAtR: number;
}

/** A backfill curve and its summary. */
export interface BackfillCurve {
  readonly policy: string;
  readonly points: readonly BackfillPoint[];
  /** Mean top-1 over the points: the area under the curve for evenly spaced fractions. */
  readonly areaTop1: number;
}

/**
 * Leave-one-out retrieval of new-model queries against a gallery that is partly backfilled: the
 * first `round(fraction * n)` items of `order` carry their new features, the rest their old
 * ones (both in the same space: the same width, or mapped by an adapter first). One point per
 * fraction, from 0 (the cross-test) to 1 (the full backfill: the self-test).
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when the sizes or widths differ.
 */
export function backfillCurve(
  newFeatures: HostMatrix,
  oldFeatures: HostMatrix,
  labels: ArrayLike<number>,
  order: ArrayLike<number>,
  options: {
    fractions?: readonly number[];
    policy?: string;
    /**
     * The queries, when they are not `newFeatures` themselves (one row per image): e.g. with a
     * query adapter, each query's mapped and own embedding side by side, scored against old rows
     * laid out as `[old, 0]` and backfilled ones as `[0, new]`.
     */
    queries?: HostMatrix;
  } = {},
): BackfillCurve {
  const fractions = options.fractions ?? Array.from({ length: 11 }, (_, k) => k / 10);
  const n = newFeatures.rows;
  if (oldFeatures.rows !== n || labels.length !== n || order.length !== n)
    throw new ShapeMismatchError(
      `backfill needs one row per image in each input: ${n} new, ${oldFeatures.rows} old, ${labels.length} labels, ${order.length} in the order`,
    );
  if (oldFeatures.cols !== newFeatures.cols)
    throw new ShapeMismatchError(
      `the new features are ${newFeatures.cols} wide and the old ${oldFeatures.cols}: map one space onto the other (an adapter) first`,
    );
  if (
    options.queries !== undefined &&
    (options.queries.rows !== n || options.queries.cols !== newFeatures.cols)
  )
    throw new ShapeMismatchError(
      `the queries are [${options.queries.rows}, ${options.queries.cols}] but the gallery rows [${n}, ${newFeatures.cols}]`,
    );
  const d = n === 0 ? 0 : newFeatures.cols;
  const points = fractions.map((fraction) => {
    if (!(fraction >= 0 && fraction <= 1))
      throw new InvalidConfigError('fractions', `expected values in [0, 1], got ${fraction}`);
    const backfilled = Math.round(fraction * n);
    const gallery = Float32Array.from(oldFeatures.data);
    for (let k = 0; k < backfilled; k++) {
      const i = order[k]!;
      gallery.set(newFeatures.data.subarray(i * d, (i + 1) * d), i * d);
    }
    const result = retrievalMetrics(
      options.queries ?? newFeatures,
      labels,
      { data: gallery, rows: n, cols: d },
      labels,
      {
        ks: [1],
        excludeSameIndex: true,
      },
    );
    return { fraction, backfilled, top1: result.top['1']!, mapAtR: result.mapAtR };
  });
  return {
    policy: options.policy ?? 'given',
    points,
    areaTop1: points.reduce((sum, point) => sum + point.top1, 0) / points.length,
  };
}

/**
 * The inputs of {@link backfillCurve} for a query adapter, which maps new queries into the old
 * space: a gallery still partly old is then searched with each query's mapped embedding against
 * old rows and its own embedding against backfilled rows. Laid out side by side, one cosine
 * search does both: queries `[m / |m|, q / |q|]`, old rows `[o / |o|, 0]`, new rows
 * `[0, q / |q|]`, so every score is the cosine of the matching pair divided by the same sqrt(2).
 *
 * @param mappedQueries - `[N, oldDim]` the new features mapped into the old space.
 * @param newFeatures - `[N, newDim]` the new features (queries, and backfilled gallery rows).
 * @param oldFeatures - `[N, oldDim]` the old gallery.
 * @returns `queries`, `newFeatures` and `oldFeatures` for `backfillCurve(newFeatures,
 *   oldFeatures, labels, order, { queries })`.
 */
export function queryAdapterBackfillInputs(
  mappedQueries: HostMatrix,
  newFeatures: HostMatrix,
  oldFeatures: HostMatrix,
): { queries: HostMatrix; newFeatures: HostMatrix; oldFeatures: HostMatrix } {
  const n = newFeatures.rows;
  if (mappedQueries.rows !== n || oldFeatures.rows !== n || mappedQueries.cols !== oldFeatures.cols)
    throw new ShapeMismatchError(
      `the mapped queries are [${mappedQueries.rows}, ${mappedQueries.cols}], the old features [${oldFeatures.rows}, ${oldFeatures.cols}] and the new [${n}, ${newFeatures.cols}]: the mapped queries must be as wide as the old features, and every input one row per image`,
    );
  const oldDim = oldFeatures.cols;
  const newDim = newFeatures.cols;
  const width = oldDim + newDim;
  const mapped = normalizeRows(mappedQueries.data, oldDim);
  const fresh = normalizeRows(newFeatures.data, newDim);
  const old = normalizeRows(oldFeatures.data, oldDim);
  const queries = new Float32Array(n * width);
  const newRows = new Float32Array(n * width);
  const oldRows = new Float32Array(n * width);
  for (let row = 0; row < n; row++) {
    queries.set(mapped.subarray(row * oldDim, (row + 1) * oldDim), row * width);
    queries.set(fresh.subarray(row * newDim, (row + 1) * newDim), row * width + oldDim);
    newRows.set(fresh.subarray(row * newDim, (row + 1) * newDim), row * width + oldDim);
    oldRows.set(old.subarray(row * oldDim, (row + 1) * oldDim), row * width);
  }
  return {
    queries: { data: queries, rows: n, cols: width },
    newFeatures: { data: newRows, rows: n, cols: width },
    oldFeatures: { data: oldRows, rows: n, cols: width },
  };
}
