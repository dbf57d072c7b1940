import {
  createHostMatrix,
  DatasetFormatError,
  type HostMatrix,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';

/** Template features: one L2-normalised row per template id, ids ascending. */
export interface TemplateFeatures {
  readonly ids: Int32Array;
  readonly features: HostMatrix;
  /** Row of each template id. */
  readonly rowOf: ReadonlyMap<number, number>;
}

/** Options of {@link aggregateTemplates}. */
export interface AggregateOptions {
  /** Multiply each image feature by its detector score first (insightface's default). */
  faceness?: Float32Array;
}

/**
 * insightface's IJB-C template features: each image feature (already flip-summed, not
 * normalised, so its norm acts as a quality weight) is multiplied by its detector score, the
 * images of one media are averaged, the media of one template are summed, and the sum is
 * L2-normalised.
 *
 * @param features `[images, dim]`, rows in the order of the meta files.
 * @param templates template id of each image.
 * @param medias media id of each image.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when the row count differs from the meta.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for a NaN or infinite feature.
 */
export function aggregateTemplates(
  features: HostMatrix,
  templates: Int32Array,
  medias: Int32Array,
  options: AggregateOptions = {},
  file = 'features',
): TemplateFeatures {
  if (features.rows !== templates.length || medias.length !== templates.length) {
    throw new ShapeMismatchError(
      `${file} has ${features.rows} rows but the IJB-C meta lists ${templates.length} images; rows must follow ijbc_name_5pts_score.txt`,
    );
  }
  const { faceness } = options;
  const dim = features.cols;
  // Group images by template, then by media (stable: insightface sorts ids with np.unique).
  const order = Array.from(templates.keys()).sort(
    (a, b) => templates[a]! - templates[b]! || medias[a]! - medias[b]! || a - b,
  );
  const ids: number[] = [];
  const sums: Float64Array[] = [];
  const mediaSum = new Float64Array(dim);
  let i = 0;
  while (i < order.length) {
    const template = templates[order[i]!]!;
    const sum = new Float64Array(dim);
    while (i < order.length && templates[order[i]!] === template) {
      const media = medias[order[i]!]!;
      mediaSum.fill(0);
      let count = 0;
      while (i < order.length && templates[order[i]!] === template && medias[order[i]!] === media) {
        const image = order[i]!;
        const weight = faceness === undefined ? 1 : Math.fround(faceness[image]!);
        const row = image * dim;
        for (let k = 0; k < dim; k++) {
          const value = features.data[row + k]!;
          if (!Number.isFinite(value)) {
            throw new DatasetFormatError(
              file,
              undefined,
              `row ${image} has a non-finite value (${value}) in column ${k}`,
              { record: image },
            );
          }
          mediaSum[k]! += Math.fround(value * weight);
        }
        count += 1;
        i += 1;
      }
      for (let k = 0; k < dim; k++) sum[k]! += mediaSum[k]! / count;
    }
    ids.push(template);
    sums.push(sum);
  }
  const data = new Float32Array(ids.length * dim);
  sums.forEach((sum, row) => {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += sum[k]! * sum[k]!;
    norm = Math.sqrt(norm) || 1; // scikit-learn's normalize leaves zero vectors as they are
    for (let k = 0; k < dim; k++) data[row * dim + k] = sum[k]! / norm;
  });
  return {
    ids: Int32Array.from(ids),
    features: createHostMatrix(data, ids.length, dim),
    rowOf: new Map(ids.map((id, row) => [id, row])),
  };
}
