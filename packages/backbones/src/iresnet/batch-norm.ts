import { ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/** The four tensors of a BatchNorm layer. */
export interface BatchNormTensors {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
}

/** PyTorch's BatchNorm settings, which insightface keeps. */
export const BATCH_NORM_EPSILON = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

/**
 * Batch normalisation over every axis but the last (channels-last input), as PyTorch's
 * `BatchNorm1d`/`BatchNorm2d` compute it.
 *
 * Training normalises with the batch mean and biased variance, and, when `updateStatistics` is
 * set, moves the running statistics by `momentum` toward the batch mean and the *unbiased* batch
 * variance. Evaluation normalises with the running statistics.
 *
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when training sees one value per channel
 *   (batch size 1 at the embedding layer), where the variance is undefined.
 */
export function batchNorm<T extends tf.Tensor>(
  input: T,
  layer: BatchNormTensors,
  training: boolean,
  updateStatistics: boolean,
  name: string,
): T {
  if (!training) {
    return tf.batchNorm(
      input,
      layer.runningMean,
      layer.runningVar,
      layer.bias,
      layer.weight,
      BATCH_NORM_EPSILON,
    ) as T;
  }
  const count = input.size / (input.shape.at(-1) ?? 1);
  if (count < 2) {
    throw new ShapeMismatchError(
      `${name}: batch normalisation in training mode needs more than one value per channel (got a batch of ${input.shape[0]}); train with a batch of at least 2`,
    );
  }
  const { output, mean, variance } = trainingBatchNorm(input, layer.weight, layer.bias);
  if (updateStatistics) {
    tf.tidy(() => {
      layer.runningMean.assign(
        tf.add(
          tf.mul(layer.runningMean, 1 - BATCH_NORM_MOMENTUM),
          tf.mul(mean, BATCH_NORM_MOMENTUM),
        ),
      );
      layer.runningVar.assign(
        tf.add(
          tf.mul(layer.runningVar, 1 - BATCH_NORM_MOMENTUM),
          tf.mul(variance, (BATCH_NORM_MOMENTUM * count) / (count - 1)),
        ),
      );
    });
  }
  tf.dispose([mean, variance]);
  return output as T;
}

/** Batch statistics of the last {@link trainingBatchNorm} forward, handed out of its custom op. */
let lastStatistics: { mean: tf.Tensor; variance: tf.Tensor } | undefined;
const trainingOps = new Map<
  number,
  (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => tf.Tensor
>();

/**
 * Training-mode batch normalisation as one differentiable op with the closed-form backward pass
 * (`dx = gamma / sigma * (dy - mean(dy) - x_hat * mean(dy * x_hat))`), instead of letting autodiff
 * differentiate `moments` and `batchNorm` op by op. Same values; on tfjs's cpu backend an
 * iResNet training step spent most of its time in those element-wise gradients.
 */
function trainingBatchNorm(
  input: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
): { output: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const rank = input.rank;
  let op = trainingOps.get(rank);
  if (op === undefined) {
    const axes = Array.from({ length: rank - 1 }, (_, axis) => axis);
    op = tf.customGrad(((
      x: tf.Tensor,
      gamma: tf.Tensor,
      beta: tf.Tensor,
      save: tf.GradSaveFunc,
    ) => {
      const count = x.size / (x.shape.at(-1) ?? 1);
      const mean = tf.mean(x, axes);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), axes);
      const inverseStd = tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON));
      const normalized = tf.mul(centered, inverseStd);
      save([normalized, inverseStd, gamma]);
      lastStatistics = { mean: tf.keep(mean), variance: tf.keep(variance) };
      return {
        value: tf.add(tf.mul(normalized, gamma), beta),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xHat, inverse, weight] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
          const dBeta = tf.sum(dy, axes);
          const dGamma = tf.sum(tf.mul(dy, xHat), axes);
          const centeredDy = tf.sub(
            tf.sub(dy, tf.div(dBeta, count)),
            tf.mul(xHat, tf.div(dGamma, count)),
          );
          return [tf.mul(tf.mul(weight, inverse), centeredDy), dGamma, dBeta];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
      x: tf.Tensor,
      scale: tf.Tensor,
      offset: tf.Tensor,
    ) => tf.Tensor;
    trainingOps.set(rank, op);
  }
  const output = op(input, scale, offset);
  const statistics = lastStatistics!;
  lastStatistics = undefined;
  return { output, ...statistics };
}
