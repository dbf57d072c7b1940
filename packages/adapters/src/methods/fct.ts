import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { applyNetwork, type Forward, heNormal, trainNetwork } from '../network/train-network.js';
import type { AdapterSpec } from '../spec.js';
import { networkTrainingOptions } from './network-options.js';

/** Options of `fct`. */
export const fctOptions = z.strictObject({
  ...networkTrainingOptions,
  hidden: networkTrainingOptions.hidden.default(1024),
});

const layer = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) =>
  tf.add(tf.matMul(x, w as tf.Tensor2D), b) as tf.Tensor2D;

/** `h = relu(z W1 + b1)`, `h = h + relu(h W2 + b2)`, `y = h W3 + b3`, for `z` = old row (+ side row). */
export const fctForward: Forward = (p, z) => {
  const h = tf.relu(layer(z, p.w1!, p.b1!)) as tf.Tensor2D;
  const deeper = tf.add(h, tf.relu(layer(h, p.w2!, p.b2!))) as tf.Tensor2D;
  return layer(deeper, p.w3!, p.b3!);
};

/**
 * Forward-compatible training's transformation (Ramanujan et al., CVPR 2022): a network that maps
 * an old model's features, optionally with side-information features of the same image, into
 * the new model's space, trained on the squared distance to the new features. Applied to the old
 * gallery, it upgrades the gallery without re-running any model on its images. FCT's own
 * transformation stacks residual 1x1-convolution blocks; this one is the same idea as a
 * two-layer residual MLP over feature vectors.
 */
export const fct: AdapterSpec<z.output<typeof fctOptions>> = {
  id: 'fct',
  aliases: ['forward-compatible'],
  description: 'FCT: transforms old gallery features (+ side information) into the new space',
  reference:
    'Ramanujan et al., "Forward Compatible Training for Large-Scale Embedding Retrieval Systems", CVPR 2022',
  defaultRole: 'gallery',
  takesSide: true,
  options: fctOptions,
  async fit(data, options, hooks) {
    const { from, to } = data;
    const h = options.hidden;
    const initial = {
      w1: heNormal(options.seed, from.cols, h),
      b1: { shape: [h], data: new Float32Array(h) },
      w2: heNormal(options.seed + 101, h, h),
      b2: { shape: [h], data: new Float32Array(h) },
      w3: heNormal(options.seed + 202, h, to.cols),
      b3: { shape: [to.cols], data: new Float32Array(to.cols) },
    };
    return trainNetwork(initial, fctForward, from, to, {
      ...options,
      onEpoch: (epoch, loss) => hooks?.onEpoch?.(epoch, options.epochs, loss),
    }).parameters;
  },
  apply(parameters, input) {
    return applyNetwork(parameters, fctForward, input, parameters.b3!.shape[0]!);
  },
};
