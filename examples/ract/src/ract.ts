import { type CompatibilityLoss, requireOld } from '@bctkit/losses';
import { l2Normalize } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/** Options of the `ract` loss. */
export const ractConfigSchema = z.strictObject({
  type: z.literal('ract'),
  /** Weight of the contrastive term beside the head's classification loss. Default 1. */
  lambda: z.number().min(0).default(1),
  /** Temperature of the cosine similarities. Default 0.1. */
  temperature: z.number().positive().default(0.1),
});
export type RactConfig = z.output<typeof ractConfigSchema>;

/** Added to a logit that must not count, so that its softmax weight (and gradient) is 0. */
const EXCLUDED = -1e9;

/**
 * RACT's regression-alleviating contrastive term for one batch: each labelled row `i` pulls its
 * new feature `n_i` towards the old feature of the same image `o_i`, and pushes it away from
 * the old *and the new* features of the batch's images of other classes (the new-to-new
 * negatives are what alleviates regression: new features of different classes are kept apart
 * as the old ones were). With normalised features and temperature `t`:
 *
 *   L_i = -log( e^{n_i.o_i/t} / (e^{n_i.o_i/t} + sum_{k: y_k != y_i} (e^{n_i.o_k/t} + e^{n_i.n_k/t})) )
 *
 * averaged over the labelled rows (rows labelled -1 neither anchor nor serve as negatives).
 *
 * @param embeddings - `[B, d]` new features (raw), with gradient.
 * @param old - `[B, d]` old features of the same images (raw).
 * @param labels - class of each row, -1 to ignore it.
 */
export function ractTerm(
  embeddings: tf.Tensor2D,
  old: tf.Tensor2D,
  labels: Int32Array,
  temperature: number,
): tf.Scalar {
  const rows = labels.length;
  const negative = new Float32Array(rows * rows);
  const anchors = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    anchors[i] = labels[i]! >= 0 ? 1 : 0;
    for (let k = 0; k < rows; k++)
      negative[i * rows + k] =
        labels[i]! >= 0 && labels[k]! >= 0 && labels[i] !== labels[k] ? 1 : 0;
  }
  const labelled = anchors.reduce((sum, value) => sum + value, 0);
  return tf.tidy(() => {
    if (labelled === 0) return tf.mul(tf.sum(embeddings), 0) as tf.Scalar;
    const n = l2Normalize(embeddings);
    const o = l2Normalize(old);
    const toOld = tf.div(tf.matMul(n, o, false, true), temperature);
    const toNew = tf.div(tf.matMul(n, n, false, true), temperature);
    const positive = tf.sum(tf.mul(toOld, tf.eye(rows)), 1, true);
    const excluded = tf.mul(tf.sub(1, tf.tensor2d(negative, [rows, rows])), EXCLUDED);
    const logits = tf.concat([positive, tf.add(toOld, excluded), tf.add(toNew, excluded)], 1);
    const perRow = tf.sub(tf.logSumExp(logits, 1), tf.squeeze(positive, [1]));
    return tf.div(tf.sum(tf.mul(perRow, tf.tensor1d(anchors))), labelled) as tf.Scalar;
  });
}

/** The head's loss plus `lambda` times {@link ractTerm}. */
export function createRactLoss(config: RactConfig): CompatibilityLoss {
  return {
    id: 'ract',
    trainableVariables: [],
    loss: (inputs, head) => {
      const old = requireOld(inputs, 'ract');
      const { embeddings } = inputs;
      const labels =
        inputs.labels instanceof tf.Tensor
          ? Int32Array.from(inputs.labels.dataSync())
          : Int32Array.from(inputs.labels);
      return tf.tidy(() =>
        tf.add(
          head.loss(embeddings, inputs.labels),
          tf.mul(ractTerm(embeddings, old, labels, config.temperature), config.lambda),
        ),
      ) as tf.Scalar;
    },
    dispose: () => {},
  };
}
