import { batchNormTraining, ShapeMismatchError } from '@bctkit/tensor-ops';
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
  const { output, mean, variance } = batchNormTraining(
    input,
    layer.weight,
    layer.bias,
    BATCH_NORM_EPSILON,
  );
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
