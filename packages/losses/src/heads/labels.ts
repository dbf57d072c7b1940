import { ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/** Class labels of a batch: a host array or an int32 tensor. `-1` marks a row to ignore. */
export type Labels = Int32Array | readonly number[] | tf.Tensor1D;

/** The labels as a host `Int32Array`, checked against the batch size and class count. */
export function hostLabels(labels: Labels, batch: number, numClasses: number): Int32Array {
  const values =
    labels instanceof tf.Tensor ? Int32Array.from(labels.dataSync()) : Int32Array.from(labels);
  if (values.length !== batch)
    throw new ShapeMismatchError(`${values.length} labels for a batch of ${batch} embeddings`);
  for (const label of values) {
    if (!Number.isInteger(label) || label < -1 || label >= numClasses)
      throw new ShapeMismatchError(
        `label ${label} is outside [0, ${numClasses}) (use -1 to ignore a row)`,
      );
  }
  return values;
}

/**
 * Softmax cross-entropy averaged over the rows whose label is not -1 (as PyTorch's
 * `ignore_index`); 0 when every row is ignored.
 * @param logits `[batch, classes]`
 */
export function maskedCrossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes); // -1 gives a zero row
    const valid = labels.reduce((count, label) => count + (label >= 0 ? 1 : 0), 0);
    const perRow = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
    return tf.div(tf.sum(perRow), Math.max(valid, 1)) as tf.Scalar;
  });
}

/** Checks an embeddings tensor: `[batch, dim]`. */
export function checkEmbeddings(embeddings: tf.Tensor, dim: number, what: string): void {
  if (embeddings.rank !== 2 || embeddings.shape[1] !== dim)
    throw new ShapeMismatchError(
      `${what} expects embeddings of shape [batch, ${dim}], got [${embeddings.shape.join(', ')}]`,
    );
}
