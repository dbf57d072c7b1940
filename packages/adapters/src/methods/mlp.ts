import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { applyNetwork, type Forward, heNormal, trainNetwork } from '../network/train-network.js';
import type { AdapterSpec } from '../spec.js';
import { networkTrainingOptions } from './network-options.js';
import { procrustes } from './procrustes.js';

/** Options of `mlp`. */
export const mlpOptions = z.strictObject({ ...networkTrainingOptions });

/** `y = x P + relu(x W1 + b1) W2 + b2`: a linear path plus a one-hidden-layer residual. */
export const mlpForward: Forward = (p, x) =>
  tf.add(
    tf.matMul(x, p.p as tf.Tensor2D),
    tf.add(
      tf.matMul(tf.relu(tf.add(tf.matMul(x, p.w1 as tf.Tensor2D), p.b1!)), p.w2 as tf.Tensor2D),
      p.b2!,
    ),
  ) as tf.Tensor2D;

/**
 * A residual MLP adapter: a linear path `P`, started at the orthogonal Procrustes solution, plus
 * a one-hidden-layer ReLU branch started at zero (its output weights are zero), so that training
 * begins from the best rotation and only adds what a rotation cannot express. Trained with Adam
 * on the mean squared error to the target rows.
 */
export const mlp: AdapterSpec<z.output<typeof mlpOptions>> = {
  id: 'mlp',
  aliases: ['residual-mlp'],
  description:
    'residual MLP started from the Procrustes rotation, trained by Adam on squared error',
  reference: 'query-side residual adapters, as surveyed for model upgrades without backfill',
  defaultRole: 'query',
  takesSide: false,
  options: mlpOptions,
  async fit(data, options, hooks) {
    const { from, to } = data;
    const rotation = await procrustes.fit(data, { rankTolerance: 1e-6 }, hooks);
    const initial = {
      p: rotation.w!,
      w1: heNormal(options.seed, from.cols, options.hidden),
      b1: { shape: [options.hidden], data: new Float32Array(options.hidden) },
      w2: { shape: [options.hidden, to.cols], data: new Float32Array(options.hidden * to.cols) },
      b2: { shape: [to.cols], data: new Float32Array(to.cols) },
    };
    return trainNetwork(initial, mlpForward, from, to, {
      ...options,
      onEpoch: (epoch, loss) => hooks?.onEpoch?.(epoch, options.epochs, loss),
    }).parameters;
  },
  apply(parameters, input) {
    return applyNetwork(parameters, mlpForward, input, parameters.b2!.shape[0]!);
  },
};
