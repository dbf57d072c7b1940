import * as tf from '@tensorflow/tfjs-core';
import { customCpuKernelsActive } from '../kernels/install-cpu-kernels.js';
import { SGD_STEP_KERNEL } from '../kernels/sgd-kernel.js';

/** Settings of one {@link sgdStep}. */
export interface SgdStepOptions {
  readonly learningRate: number;
  /** Momentum factor (0: none). */
  readonly momentum: number;
  /** L2 penalty added to the gradient, as PyTorch's `weight_decay` (0: none). */
  readonly weightDecay: number;
}

/** What {@link sgdStep} returns; the caller disposes both. */
export interface SgdStepResult {
  /** The parameter after the step. */
  readonly weights: tf.Tensor;
  /** The momentum buffer after the step. */
  readonly buffer: tf.Tensor;
}

/**
 * One step of stochastic gradient descent with momentum and weight decay, as PyTorch's
 * `torch.optim.SGD` (no dampening, not Nesterov):
 *
 * `d = gradient + weightDecay * weights;  buffer' = momentum * buffer + d  (d when there is no
 * buffer yet);  weights' = weights - learningRate * buffer'`
 *
 * On the cpu backend with bctkit's kernels (float32, matching shapes, non-zero momentum and
 * weight decay) it is one pass over the parameter, native or JavaScript, with the same bits as
 * the separate ops, which run everywhere else. Inputs are not disposed.
 */
export function sgdStep(
  weights: tf.Tensor,
  gradient: tf.Tensor,
  buffer: tf.Tensor | undefined,
  options: SgdStepOptions,
): SgdStepResult {
  const { learningRate, momentum, weightDecay } = options;
  const fused =
    customCpuKernelsActive() &&
    momentum !== 0 &&
    weightDecay !== 0 &&
    weights.dtype === 'float32' &&
    gradient.dtype === 'float32' &&
    (buffer === undefined || buffer.dtype === 'float32') &&
    tf.util.arraysEqual(weights.shape, gradient.shape) &&
    (buffer === undefined || tf.util.arraysEqual(weights.shape, buffer.shape));
  if (fused) {
    const [nextWeights, nextBuffer] = tf
      .engine()
      .runKernel(
        SGD_STEP_KERNEL,
        { weights, gradient, buffer: buffer ?? gradient },
        { learningRate, momentum, weightDecay, first: buffer === undefined },
      ) as tf.Tensor[];
    return { weights: nextWeights!, buffer: nextBuffer! };
  }
  return tf.tidy(() => {
    const decayed = weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(weights, weightDecay));
    const nextBuffer =
      buffer === undefined || momentum === 0
        ? tf.clone(decayed)
        : tf.add(tf.mul(buffer, momentum), decayed);
    return { weights: tf.sub(weights, tf.mul(nextBuffer, learningRate)), buffer: nextBuffer };
  });
}
