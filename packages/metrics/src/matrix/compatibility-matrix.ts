import { type HostMatrix, InvalidConfigError } from '@bctkit/tensor-ops';
import { retrievalMetrics } from '../retrieval/retrieval-metrics.js';

/** One ordered pair of model generations and whether the newer one is compatible with the older. */
export interface GenerationCriterion {
  /** Index of the newer model (its queries). */
  readonly newer: number;
  /** Index of the older model (its gallery). */
  readonly older: number;
  /** The cross figure: newer queries against the older gallery (null: widths differ). */
  readonly cross: number | null;
  /** The older model against itself. */
  readonly reference: number;
  /** The empirical compatibility criterion: cross > reference. */
  readonly compatible: boolean;
}

/** The compatibility matrix of model generations 0..N-1 (oldest first). */
export interface CompatibilityMatrix {
  /** The generations' names, oldest first. */
  readonly names: readonly string[];
  /** What the entries measure, e.g. `top-1`. */
  readonly metric: string;
  /**
   * `values[i][j]`: model i's queries against model j's gallery; the diagonal is each model
   * against itself. `null` where the widths differ.
   */
  readonly values: readonly (readonly (number | null)[])[];
  /** Every pair newer > older, in the order (1, 0), (2, 0), (2, 1), ... */
  readonly criteria: readonly GenerationCriterion[];
  /** AC: the share of pairs newer > older that meet the criterion. */
  readonly ac: number;
  /**
   * AM: the mean of the lower triangle with the diagonal, `2 / (N (N + 1)) sum_{j <= i} values[i][j]`
   * (null entries left out of the mean).
   */
  readonly am: number;
}

/**
 * Builds the compatibility matrix of N model generations from a score of (query model, gallery
 * model), with the empirical compatibility criterion for every newer / older pair, AC (share of
 * pairs that meet it) and AM (mean of the lower triangle with the diagonal), as the
 * stationary-representation line of work scores multi-step upgrades (Biondi et al., "CoReS:
 * Compatible Representations via Stationarity", TPAMI 2023).
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for fewer than 2 generations.
 */
export function compatibilityMatrix(
  names: readonly string[],
  score: (query: number, gallery: number) => number | null,
  metric = 'score',
): CompatibilityMatrix {
  const n = names.length;
  if (n < 2)
    throw new InvalidConfigError('models', `a matrix needs at least 2 generations, got ${n}`);
  const values = names.map((_, i) => names.map((__, j) => score(i, j)));
  const criteria: GenerationCriterion[] = [];
  for (let newer = 1; newer < n; newer++)
    for (let older = 0; older < newer; older++) {
      const cross = values[newer]![older]!;
      const reference = values[older]![older]!;
      if (reference === null)
        throw new InvalidConfigError('models', `${names[older]} has no score against itself`);
      criteria.push({
        newer,
        older,
        cross,
        reference,
        compatible: cross !== null && cross > reference,
      });
    }
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const value = values[i]![j]!;
      if (value === null) continue;
      sum += value;
      count += 1;
    }
  return {
    names,
    metric,
    values,
    criteria,
    ac: criteria.filter((criterion) => criterion.compatible).length / criteria.length,
    am: sum / count,
  };
}

/** Which retrieval figure fills a {@link retrievalMatrix}. */
export type MatrixMetric = 'top1' | 'top5' | 'mapAtR';

/** Options of {@link retrievalMatrix}. */
export interface RetrievalMatrixOptions {
  /**
   * The inputs of entry (query model, gallery model) when they are not the two feature sets as
   * they are: e.g. one side mapped into the other's space by an adapter. Undefined keeps them.
   */
  readonly inputs?: (
    query: number,
    gallery: number,
  ) => { readonly query: HostMatrix; readonly gallery: HostMatrix } | undefined;
}

/**
 * The compatibility matrix of leave-one-out retrieval over one labelled set: `features[k]` holds
 * generation k's embeddings of the same images, in the same order. Entry (i, j) ranks model j's
 * embeddings of the other images for each of model i's embeddings (cosine similarity).
 */
export function retrievalMatrix(
  names: readonly string[],
  features: readonly HostMatrix[],
  labels: ArrayLike<number>,
  metric: MatrixMetric = 'top1',
  options: RetrievalMatrixOptions = {},
): CompatibilityMatrix {
  if (features.length !== names.length)
    throw new InvalidConfigError(
      'models',
      `${names.length} names for ${features.length} feature sets`,
    );
  const rows = features[0]?.rows;
  features.forEach((matrix, k) => {
    if (matrix.rows !== rows)
      throw new InvalidConfigError(
        'models',
        `${names[k]} has ${matrix.rows} rows, ${names[0]} ${rows}: one row per image of the same set`,
      );
  });
  const ks = metric === 'top5' ? [5] : [1];
  return compatibilityMatrix(
    names,
    (i, j) => {
      const { query, gallery } = options.inputs?.(i, j) ?? {
        query: features[i]!,
        gallery: features[j]!,
      };
      if (query.cols !== gallery.cols) return null;
      const result = retrievalMetrics(query, labels, gallery, labels, {
        ks,
        excludeSameIndex: true,
      });
      return metric === 'mapAtR' ? result.mapAtR : result.top[String(ks[0])]!;
    },
    metric === 'mapAtR' ? 'mAP@R' : metric === 'top5' ? 'top-5' : 'top-1',
  );
}
