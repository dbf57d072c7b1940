import {
  createHostMatrix,
  type HostMatrix,
  normalizeRows,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';

/** Where a fitted adapter is used in a cross-test. */
export type AdapterRole = 'query' | 'gallery';

/** A named float32 parameter of a fitted adapter. */
export interface AdapterParameter {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * A fitted map from one embedding space to another: what `bct adapt fit` writes and
 * `bct adapt apply` and the evaluation commands read.
 */
export interface FittedAdapter {
  /** Registry id of the method that fitted it (`procrustes`, `affine`, `mlp`, `fct`). */
  readonly method: string;
  /** Width of the features it takes. */
  readonly fromDim: number;
  /** Width of the features it gives. */
  readonly toDim: number;
  /** Width of the side-information features it also takes (FCT), 0 for none. */
  readonly sideDim: number;
  /**
   * `query`: it maps new features to the old space, for new queries against the old gallery;
   * `gallery`: it maps old features to the new space, for new queries against a transformed
   * old gallery (FCT).
   */
  readonly role: AdapterRole;
  /** Whether input rows (and side rows) are L2-normalised before the map. */
  readonly normalizeInput: boolean;
  /** The method's options as fitted (rank, hidden width, epochs, seed ...). */
  readonly options: Readonly<Record<string, unknown>>;
  /** What it was fitted on: row count and SHA-256 of the features (from, to, side). */
  readonly fittedOn: { readonly rows: number; readonly sha256: string };
  /** Final fitting error: mean squared error per row on the fitted rows. */
  readonly fitError: number;
  /** Named parameters; their meaning is the method's. */
  readonly parameters: Readonly<Record<string, AdapterParameter>>;
}

/** L2-normalised copy of each row (zero rows are an error for the caller): tensor-ops' helper. */
export { normalizeRows };

/** The first all-zero row of a matrix, or -1. */
export function firstZeroRow(matrix: HostMatrix): number {
  for (let row = 0; row < matrix.rows; row++) {
    let zero = true;
    for (let j = 0; j < matrix.cols && zero; j++)
      if (matrix.data[row * matrix.cols + j] !== 0) zero = false;
    if (zero) return row;
  }
  return -1;
}

/**
 * Checks that `features` (and `side`) fit `adapter` and returns the rows as the map takes them:
 * normalised when the adapter was fitted on normalised rows, side columns appended.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} naming `what` for a wrong width or a missing side input.
 */
export function adapterInput(
  adapter: FittedAdapter,
  features: HostMatrix,
  side: HostMatrix | undefined,
  what = 'the features',
): HostMatrix {
  if (features.cols !== adapter.fromDim)
    throw new ShapeMismatchError(
      `${what} are ${features.cols} wide; the ${adapter.method} adapter takes ${adapter.fromDim}`,
    );
  if (adapter.sideDim === 0 && side !== undefined)
    throw new ShapeMismatchError(
      `the ${adapter.method} adapter was fitted without side information; give ${what} alone`,
    );
  if (adapter.sideDim > 0 && side === undefined)
    throw new ShapeMismatchError(
      `the ${adapter.method} adapter takes ${adapter.sideDim}-wide side information besides ${what}`,
    );
  if (adapter.sideDim === 0 || side === undefined) {
    const data = adapter.normalizeInput
      ? normalizeRows(features.data, features.cols)
      : features.data;
    return createHostMatrix(data, features.rows, features.cols);
  }
  if (side.cols !== adapter.sideDim || side.rows !== features.rows)
    throw new ShapeMismatchError(
      `the side information is [${side.rows}, ${side.cols}]; the adapter takes [${features.rows}, ${adapter.sideDim}] beside ${what}`,
    );
  const main = adapter.normalizeInput ? normalizeRows(features.data, features.cols) : features.data;
  const extra = adapter.normalizeInput ? normalizeRows(side.data, side.cols) : side.data;
  const cols = features.cols + side.cols;
  const joined = new Float32Array(features.rows * cols);
  for (let row = 0; row < features.rows; row++) {
    joined.set(main.subarray(row * features.cols, (row + 1) * features.cols), row * cols);
    joined.set(extra.subarray(row * side.cols, (row + 1) * side.cols), row * cols + features.cols);
  }
  return createHostMatrix(joined, features.rows, cols);
}
