import { type HostMatrix, InvalidConfigError } from '@bctkit/tensor-ops';

/**
 * Something a compatibility method needs at training time besides the batch: a matrix file the
 * run is given (old features, credible flags, prototypes, or one a plugin declares), checked
 * before any model is built and handed to the method's `prepare`.
 *
 * Rows and columns are stated relative to the run, so a trainer can check them generically:
 * `rows: 'images'` is one row per training image, in dataset order (the trainer also hands each
 * batch its rows); `rows: 'classes'` one per class of the head.
 */
export interface ResourceSpec {
  /**
   * Key of the resource: the training config names its file as `resources.<key>` (the three
   * standard ones also as top-level `oldFeatures`, `credible`, `prototypes`). camelCase.
   */
  readonly key: string;
  /** What it is and where it comes from, for messages: "class prototypes (.npy, from bct prototypes)". */
  readonly description: string;
  /** One row per training image (`images`) or per class of the head (`classes`). */
  readonly rows: 'images' | 'classes';
  /**
   * Columns: `embedding` (the new model's width: the method compares them directly),
   * `at-most-embedding` (an old space up to the new width), `flag` (one 0/1 value per row), a
   * fixed count, or `any`.
   */
  readonly cols: 'embedding' | 'at-most-embedding' | 'flag' | 'any' | number;
}

/** `[N, d]` old-model features of the training set, index-aligned with it (`bct extract`). */
export const OLD_FEATURES: ResourceSpec = {
  key: 'oldFeatures',
  description: 'the old-model features of the training set (.npy, from bct extract)',
  rows: 'images',
  cols: 'embedding',
};

/** `[N]` credible flags of the old features, 1 credible and 0 noisy (`bct denoise`, MixBCT). */
export const CREDIBLE_FLAGS: ResourceSpec = {
  key: 'credible',
  description: 'the credible flags of the old features (.npy, from bct denoise)',
  rows: 'images',
  cols: 'flag',
};

/** `[classes, d]` old-model class prototypes (`bct prototypes`, BCT's frozen old classifier). */
export const PROTOTYPES: ResourceSpec = {
  key: 'prototypes',
  description: 'class prototypes (.npy, from bct prototypes)',
  rows: 'classes',
  cols: 'embedding',
};

/** What a method's `prepare` receives: its resources, checked, and the run's dimensions. */
export interface Resources {
  /** Labels of the training set, in dataset order. */
  readonly labels: Int32Array;
  /** Classes of the head. */
  readonly numClasses: number;
  /** Width of the new model's embeddings. */
  readonly embeddingDim: number;
  /** Every resource the run was given, by key (each declared one is there). */
  readonly matrices: ReadonlyMap<string, HostMatrix>;
}

/**
 * The matrix of a declared resource.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} naming the config key when the run was not given it.
 */
export function requireResource(resources: Resources, spec: ResourceSpec): HostMatrix {
  const matrix = resources.matrices.get(spec.key);
  if (matrix === undefined)
    throw new InvalidConfigError(`resources.${spec.key}`, `missing: ${spec.description}`);
  return matrix;
}

/** The run's sizes a resource is checked against. */
export interface ResourceDimensions {
  /** Training images. */
  readonly images: number;
  /** Classes of the head. */
  readonly classes: number;
  /** Width of the new model's embeddings. */
  readonly embeddingDim: number;
}

/**
 * Checks a resource's shape and values against its declaration and the run: rows, columns, and
 * every value finite (for `flag` columns, 0 or 1), so a wrong file is refused before training
 * rather than failing at the first step or training on NaN.
 *
 * @param where - what to name in the error, e.g. `config.oldFeatures`.
 * @param file - the file the matrix came from, for the message.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} saying what is wrong and what would fit.
 */
export function checkResource(
  spec: ResourceSpec,
  matrix: HostMatrix,
  dimensions: ResourceDimensions,
  where: string,
  file: string,
): void {
  const refuse = (message: string): never => {
    throw new InvalidConfigError(where, message);
  };
  const rows = spec.rows === 'images' ? dimensions.images : dimensions.classes;
  if (matrix.rows !== rows)
    refuse(
      spec.rows === 'images'
        ? `${file} has ${matrix.rows} rows for ${rows} training images: it must be index-aligned with the dataset (${spec.description})`
        : `${file} has ${matrix.rows} rows for ${rows} classes of the head: one row per class (${spec.description})`,
    );
  const width = dimensions.embeddingDim;
  switch (spec.cols) {
    case 'flag':
      if (matrix.cols !== 1)
        refuse(
          `${file} has ${matrix.cols} values per row; ${spec.description} are one 0 or 1 per row: is it a features file?`,
        );
      break;
    case 'embedding':
      if (matrix.cols !== width)
        refuse(
          `${file} holds ${matrix.cols}-dimensional rows but the model embeds into ${width}: the method compares them directly, so set backbone.embeddingDim to ${matrix.cols} (or extract with an old model of dimension ${width})`,
        );
      break;
    case 'at-most-embedding':
      if (matrix.cols > width)
        refuse(
          `${file} holds ${matrix.cols}-dimensional rows but the model embeds into ${width}: the method needs an embedding at least as wide (set backbone.embeddingDim to ${matrix.cols} or more)`,
        );
      break;
    case 'any':
      break;
    default:
      if (matrix.cols !== spec.cols)
        refuse(`${file} has ${matrix.cols} values per row; ${spec.description} have ${spec.cols}`);
  }
  const { data } = matrix;
  for (let index = 0; index < data.length; index++) {
    const value = data[index]!;
    const bad = spec.cols === 'flag' ? value !== 0 && value !== 1 : !Number.isFinite(value);
    if (bad)
      refuse(
        `${file}: row ${Math.floor(index / matrix.cols)} is ${value}; ${spec.cols === 'flag' ? 'flags are 0 or 1' : 'every value must be finite'} (${spec.description})`,
      );
  }
}
