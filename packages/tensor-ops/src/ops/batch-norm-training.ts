import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL } from '../kernels/batch-norm-kernels.js';
import { customCpuKernelsActive } from '../kernels/install-cpu-kernels.js';

/** What {@link batchNormTraining} returns; the caller disposes all three. */
export interface BatchNormTrainingResult {
  /** `(x - mean) / sqrt(variance + epsilon) * gamma + beta`, differentiable in x, gamma, beta. */
  readonly output: tf.Tensor;
  /** The batch mean per channel (not on the gradient tape). */
  readonly mean: tf.Tensor;
  /** The biased batch variance per channel (not on the gradient tape). */
  readonly variance: tf.Tensor;
}

type Op = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

/** The statistics of the op that ran last (customGrad ops return one tensor only). */
let lastStatistics: { mean: tf.Tensor; variance: tf.Tensor } | undefined;
const compositeOps = new Map<string, Op>();
const nativeOps = new Map<number, Op>();

/**
 * tfjs ops only: the closed-form backward of batch normalisation, which differentiates through
 * the batch statistics, as one custom-gradient op (about half the work of letting autodiff trace
 * the mean and variance).
 */
function compositeOp(rank: number, epsilon: number): Op {
  const key = `${rank}:${epsilon}`;
  let op = compositeOps.get(key);
  if (op !== undefined) return op;
  const axes = Array.from({ length: rank - 1 }, (_, axis) => axis);
  op = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const count = x.size / (x.shape.at(-1) ?? 1);
    const mean = tf.mean(x, axes);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes);
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
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
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Op;
  compositeOps.set(key, op);
  return op;
}

/** The native add-on's two-kernel version: three passes forward, two backward. */
function nativeOp(epsilon: number): Op {
  let op = nativeOps.get(epsilon);
  if (op !== undefined) return op;
  op = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance, inverseStd] = tf
      .engine()
      .runKernel(BATCH_NORM_KERNEL, { x, gamma, beta }, { epsilon }) as tf.Tensor[];
    save([x, mean!, inverseStd!, gamma]);
    lastStatistics = { mean: tf.keep(mean!), variance: tf.keep(variance!) };
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [input, batchMean, inverse, weight] = saved as tf.Tensor[];
        return tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, {
          x: input!,
          dy,
          mean: batchMean!,
          inverseStd: inverse!,
          gamma: weight!,
        }) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Op;
  nativeOps.set(epsilon, op);
  return op;
}

/**
 * Training-mode batch normalisation over every axis but the last (channels-last tensors, gamma
 * and beta of one value per channel), with the batch statistics differentiated through, as in
 * PyTorch's `BatchNorm2d.train()`. On the cpu backend it is two of bctkit's kernels (three passes
 * forward, two backward; native with the add-on, else JavaScript); on other backends one
 * custom-gradient op of tfjs ops with the closed-form backward.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): BatchNormTrainingResult {
  const native =
    customCpuKernelsActive() &&
    x.dtype === 'float32' &&
    gamma.dtype === 'float32' &&
    beta.dtype === 'float32' &&
    gamma.size === x.shape.at(-1) &&
    beta.size === gamma.size;
  const output = (native ? nativeOp(epsilon) : compositeOp(x.rank, epsilon))(x, gamma, beta);
  const statistics = lastStatistics!;
  lastStatistics = undefined;
  return { output, ...statistics };
}
