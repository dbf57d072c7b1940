import {
  type HostMatrix,
  hostRowsToTensor,
  l2Normalize,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { maskedCrossEntropy } from '../heads/labels.js';
import { marginLogits } from '../heads/margin.js';

/** Config fields of the prototype term shared by BCT and UniBCT. */
export const prototypeTermFields = {
  /** Weight of the prototype (influence) term. Default 1. */
  lambda: z.number().min(0).default(1),
  /**
   * Scale of the cosine logits against the prototypes. Default 1, as the MixBCT repository trains
   * its BCT and UniBCT baselines (which leaves the term nearly flat over many classes); 30 or 64
   * gives a stronger pull.
   */
  scale: z.number().positive().default(1),
  /**
   * ArcFace margin on the prototype logits, for the loss form of an ArcFace-trained old model
   * (e.g. scale 64, margin 0.5; the AdvBCT repository's UniBCT uses 30 and 0.3). Default 0.
   */
  margin: z
    .number()
    .min(0)
    .max(Math.PI / 2)
    .default(0),
};

/** Frozen `[classes, dim]` prototypes as a tensor, L2-normalised when asked. */
export function prototypeTensor(source: tf.Tensor2D | HostMatrix, normalise: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const tensor = source instanceof tf.Tensor ? tf.clone(source) : hostRowsToTensor(source);
    return normalise ? l2Normalize(tensor) : tensor;
  }) as tf.Tensor2D;
}

/**
 * The influence term of BCT and UniBCT: `CE(scale * n(z) . P^T, y)` through frozen prototypes `P`
 * (no gradient reaches them); with `margin > 0`, ArcFace's additive angular margin on the target
 * (the loss form of an ArcFace-trained old model).
 */
export function prototypeInfluence(
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  prototypes: tf.Tensor2D,
  scale: number,
  margin: number,
  method: string,
): tf.Scalar {
  if (embeddings.shape[1] !== prototypes.shape[1])
    throw new ShapeMismatchError(
      `${method}: embeddings of length ${embeddings.shape[1]}, prototypes of length ${prototypes.shape[1]}`,
    );
  return tf.tidy(() => {
    const cosine = tf.matMul(l2Normalize(embeddings), prototypes, false, true) as tf.Tensor2D;
    const logits =
      margin > 0
        ? marginLogits(tf.clipByValue(cosine, -1, 1) as tf.Tensor2D, labels, {
            scale,
            m1: 1,
            m2: margin,
            m3: 0,
          })
        : (tf.mul(cosine, scale) as tf.Tensor2D);
    return maskedCrossEntropy(logits, labels);
  });
}
