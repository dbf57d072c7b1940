import { type HostMatrix, InvalidConfigError, ShapeMismatchError } from '@bctkit/tensor-ops';
import { classChunks } from './class-chunks.js';
import { type FeatureSource, openFeatures } from './feature-rows.js';
import { solveLinear } from './linear-solve.js';

/** Options of {@link refinePrototypes}. */
export interface RefineOptions {
  /** Propagation weight lambda. Default 0.9. */
  readonly lambda?: number;
  /** Affinity temperature tau. Default 0.05. */
  readonly tau?: number;
  /**
   * `paper` (default): UniBCT as published, on L2-normalised features, row-normalised affinities
   * without self-loops, re-normalised prototypes. `reference`: the MixBCT repository's
   * re-implementation, for baseline parity: raw features, affinities softmax-normalised per
   * column (self included), prototypes not re-normalised; mathematically the raw class mean.
   */
  readonly mode?: 'paper' | 'reference';
  /** Rows of the result. Default: largest label + 1. */
  readonly numClasses?: number;
}

function rowNorm(data: Float32Array, row: number, cols: number): number {
  let squares = 0;
  for (let col = 0; col < cols; col++) squares += data[row * cols + col]! ** 2;
  return Math.sqrt(squares);
}

/**
 * UniBCT's structural prototype refinement (Zhang et al., "Towards Universal Backward-Compatible
 * Representation Learning", IJCAI 2022, https://arxiv.org/abs/2203.01583). Per class, the old
 * features `Z0` are propagated over a graph whose affinities come from the *new* model,
 * `A_ij ∝ exp(<f_i, f_j> / tau)`, to the fixed point `Z* = (1 - lambda) (I - lambda A)^-1 Z0`,
 * and the prototype is the mean of `Z*`. Only the mean is needed, so one `n x n` linear system is
 * solved per class: `u = (I - lambda A^T)^-1 1`, `p = (1 - lambda) / n * sum_i u_i Z0_i`.
 *
 * @param oldFeatures `[N, d]` old-model features, index-aligned with `labels`.
 * @param newFeatures `[N, d]` current new-model features of the same images.
 * @param labels class per row; each class one contiguous run (as MS1MV3's file order).
 * @returns `[numClasses, d]` prototypes; classes without samples get a zero row.
 */
export async function refinePrototypes(
  oldFeatures: FeatureSource,
  newFeatures: FeatureSource,
  labels: ArrayLike<number>,
  options: RefineOptions = {},
): Promise<HostMatrix> {
  const lambda = options.lambda ?? 0.9;
  const tau = options.tau ?? 0.05;
  const paper = (options.mode ?? 'paper') === 'paper';
  if (!(lambda >= 0 && lambda < 1))
    throw new InvalidConfigError('lambda', `must be in [0, 1), got ${lambda}`);
  if (!(tau > 0)) throw new InvalidConfigError('tau', `must be positive, got ${tau}`);
  const chunks = classChunks(labels);
  const numClasses =
    options.numClasses ?? chunks.reduce((largest, chunk) => Math.max(largest, chunk.label), -1) + 1;
  const oldReader = await openFeatures(oldFeatures, labels.length);
  const newReader = await openFeatures(newFeatures, labels.length);
  const cols = oldReader.cols;
  if (newReader.cols !== cols) {
    await Promise.all([oldReader.close(), newReader.close()]);
    throw new ShapeMismatchError(`old features have ${cols} columns, new ones ${newReader.cols}`);
  }
  const prototypes = new Float32Array(numClasses * cols);
  try {
    for (const { label, start, end } of chunks) {
      const n = end - start;
      const old = (await oldReader.read(start, end)).data;
      const features = (await newReader.read(start, end)).data;
      const oldScale = new Float64Array(n).fill(1);
      const newScale = new Float64Array(n).fill(1);
      if (paper) {
        for (let row = 0; row < n; row++) {
          oldScale[row] = 1 / (rowNorm(old, row, cols) || 1);
          newScale[row] = 1 / (rowNorm(features, row, cols) || 1);
        }
      }
      // Affinities S_ij = <f_i, f_j> / tau, then A normalised per row (paper) or column (reference).
      const affinity = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let col = 0; col < cols; col++)
            dot += features[i * cols + col]! * features[j * cols + col]!;
          affinity[i * n + j] = (dot * newScale[i]! * newScale[j]!) / tau;
        }
      }
      const normalised = new Float64Array(n * n);
      for (let outer = 0; outer < n; outer++) {
        const at = (inner: number) => (paper ? outer * n + inner : inner * n + outer);
        let largest = -Infinity;
        for (let inner = 0; inner < n; inner++)
          if (!(paper && inner === outer)) largest = Math.max(largest, affinity[at(inner)]!);
        let total = 0;
        for (let inner = 0; inner < n; inner++) {
          const value = paper && inner === outer ? 0 : Math.exp(affinity[at(inner)]! - largest);
          normalised[at(inner)] = value;
          total += value;
        }
        for (let inner = 0; inner < n; inner++)
          normalised[at(inner)] = total > 0 ? normalised[at(inner)]! / total : 0;
      }
      // (I - lambda A^T) u = 1
      const system = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          system[i * n + j] = (i === j ? 1 : 0) - lambda * normalised[j * n + i]!;
      const weights = solveLinear(system, new Float64Array(n).fill(1), n);
      const mean = new Float64Array(cols);
      for (let row = 0; row < n; row++) {
        const weight = ((1 - lambda) / n) * weights[row]! * oldScale[row]!;
        for (let col = 0; col < cols; col++) mean[col]! += weight * old[row * cols + col]!;
      }
      let scale = 1;
      if (paper) {
        let squares = 0;
        for (const value of mean) squares += value * value;
        scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
      }
      for (let col = 0; col < cols; col++) prototypes[label * cols + col] = mean[col]! * scale;
    }
  } finally {
    await Promise.all([oldReader.close(), newReader.close()]);
  }
  return { data: prototypes, rows: numClasses, cols };
}
