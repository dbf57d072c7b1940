import { InvalidConfigError, l2Normalize } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, hostLabels, type Labels, maskedCrossEntropy } from './labels.js';
import type { ClassificationHead } from './margin-head.js';

/**
 * The `vertices` unit vertices of a regular simplex centred at the origin, as rows of a
 * `[vertices, dim]` matrix (row-major), in the first `vertices - 1` coordinates of `dim`:
 * with `d = vertices - 1`, the points `e_1, ..., e_d` and `alpha * (1, ..., 1)` with
 * `alpha = (1 - sqrt(d + 1)) / d` (all `sqrt(2)` apart), minus their centroid, each scaled to
 * length 1. Any two rows have cosine `-1 / d`, the most separated `vertices` directions there are.
 *
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} when `vertices < 2` or `vertices > dim + 1`.
 */
export function simplexVertices(vertices: number, dim: number): Float32Array {
  if (!Number.isInteger(vertices) || vertices < 2)
    throw new InvalidConfigError(
      'vertices',
      `a simplex needs at least 2 vertices, got ${vertices}`,
    );
  if (vertices > dim + 1)
    throw new InvalidConfigError(
      'vertices',
      `a regular simplex of ${vertices} vertices needs ${vertices - 1} dimensions; the embedding has ${dim} (raise embeddingDim or lower the vertices)`,
    );
  const d = vertices - 1;
  const alpha = (1 - Math.sqrt(d + 1)) / d;
  // Coordinates of the points before centring, in float64: row i < d is e_i, row d is alpha * 1.
  const point = (row: number, column: number) => (row < d ? (row === column ? 1 : 0) : alpha);
  const centroid = new Float64Array(d);
  for (let column = 0; column < d; column++) {
    let sum = 0;
    for (let row = 0; row < vertices; row++) sum += point(row, column);
    centroid[column] = sum / vertices;
  }
  const out = new Float32Array(vertices * dim);
  const centred = new Float64Array(d);
  for (let row = 0; row < vertices; row++) {
    let norm = 0;
    for (let column = 0; column < d; column++) {
      centred[column] = point(row, column) - centroid[column]!;
      norm += centred[column]! ** 2;
    }
    norm = Math.sqrt(norm);
    for (let column = 0; column < d; column++) out[row * dim + column] = centred[column]! / norm;
  }
  return out;
}

/** Options of {@link SimplexHead}. */
export interface SimplexHeadOptions {
  readonly numClasses: number;
  readonly embeddingDim: number;
  /**
   * Vertices of the simplex, at least `numClasses`: class `c` is vertex `c`. Give the old and
   * the new model the same count (the classes of every generation to come), so that each class
   * keeps its vertex across upgrades. Default `numClasses`.
   */
  readonly vertices?: number;
  /** Multiplies the logits. Default 1. */
  readonly scale?: number;
  /** Classify `n(x)` (cosines) instead of the raw embedding. Default false, as the paper does. */
  readonly normalize?: boolean;
}

let instances = 0;

/**
 * A fixed classifier whose class weights are the vertices of a regular simplex (the d-Simplex of
 * Pernici et al., "Regular Polytope Networks", IEEE TNNLS 2021), not
 * trained: `logits = scale * x . W^T` (or `n(x)` with `normalize`), then softmax cross-entropy.
 * Models trained against the same simplex learn stationary features: each class is pulled toward
 * the same fixed direction in every generation, so an old and a new model trained this way are
 * compatible without a compatibility loss (Biondi et al., "Stationary Representations: Optimally
 * Approximating Compatibility and Implications for Improved Model Replacements", CVPR 2024).
 */
export class SimplexHead implements ClassificationHead {
  readonly id = 'dsimplex';
  readonly numClasses: number;
  readonly embeddingDim: number;
  readonly vertices: number;
  readonly scale: number;
  readonly normalize: boolean;
  /** `[numClasses, embeddingDim]` vertices of the classes; not trainable. */
  readonly weight: tf.Variable;
  readonly trainableVariables: readonly tf.Variable[] = [];

  constructor(options: SimplexHeadOptions) {
    this.numClasses = options.numClasses;
    this.embeddingDim = options.embeddingDim;
    this.vertices = options.vertices ?? options.numClasses;
    this.scale = options.scale ?? 1;
    this.normalize = options.normalize ?? false;
    if (this.vertices < this.numClasses)
      throw new InvalidConfigError(
        'vertices',
        `${this.vertices} vertices for ${this.numClasses} classes: each class needs its own vertex`,
      );
    const all = simplexVertices(this.vertices, this.embeddingDim);
    const values = all.subarray(0, this.numClasses * this.embeddingDim);
    this.weight = tf.tidy(() =>
      tf.variable(
        tf.tensor2d(values, [this.numClasses, this.embeddingDim]),
        false,
        `bctkit-head-dsimplex-${++instances}/weight`,
      ),
    );
  }

  loss(embeddings: tf.Tensor2D, labels: Labels): tf.Scalar {
    checkEmbeddings(embeddings, this.embeddingDim, this.id);
    const host = hostLabels(labels, embeddings.shape[0], this.numClasses);
    return tf.tidy(() => maskedCrossEntropy(this.logits(embeddings, host), host));
  }

  logits(embeddings: tf.Tensor2D, labels: Labels): tf.Tensor2D {
    checkEmbeddings(embeddings, this.embeddingDim, this.id);
    hostLabels(labels, embeddings.shape[0], this.numClasses);
    return tf.tidy(() => {
      const features = this.normalize ? l2Normalize(embeddings) : embeddings;
      return tf.mul(tf.matMul(features, this.weight, false, true), this.scale) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.weight.dispose();
  }
}
