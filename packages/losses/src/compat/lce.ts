import {
  type HostMatrix,
  InvalidConfigError,
  l2Normalize,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import { lceClassCentres } from '../offline/class-boundaries.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { prototypeTensor } from './prototype-influence.js';
import { OLD_FEATURES, requireResource } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss } from './spec.js';

/** Config of {@link createLceLoss}. */
export const lceConfigSchema = z.strictObject({
  type: z.literal('lce'),
  /** Weight of the centre alignment. Default 100 (official code). */
  alignWeight: z.number().min(0).default(100),
  /** Weight of the boundary term. Default 1. */
  boundaryWeight: z.number().min(0).default(1),
  /**
   * Normalise the embedding before the boundary cosine. Default false, as the official code does
   * (it clamps the raw dot product); true measures a true cosine.
   */
  normalizeFeatures: z.boolean().default(false),
});
export type LceConfig = z.output<typeof lceConfigSchema>;

/** What {@link createLceLoss} needs: the output of `lceClassCentres`. */
export interface LceContext {
  /** `[numClasses, dim]` normalised old class centres, in the head's class order. */
  readonly centres: tf.Tensor2D | HostMatrix;
  /** Per class, the smallest member cosine to the centre. */
  readonly kappa: Float32Array | readonly number[];
}

/**
 * LCE (Meng et al., "Learning Compatible Embeddings", ICCV 2021, https://arxiv.org/abs/2108.01958),
 * as its official code trains:
 *
 * `L = L_head(z) + a * mean((n(W) - C)^2) + b * mean_i max(0, kappa_y - clamp(z_i . c_y, -1, 1))`
 *
 * The new classifier's normalised centres `W` (the head's weight) are pulled onto the old ones `C`,
 * which needs identical class lists, and each embedding is kept inside its class's old angular
 * boundary `kappa`. Rows labelled -1 are left out of the boundary term.
 */
export function createLceLoss(config: LceConfig, context: LceContext): CompatibilityLoss {
  if (context?.centres === undefined || context.kappa === undefined)
    throw new InvalidConfigError(
      'lce',
      'needs old class centres and kappa (context.centres, context.kappa)',
    );
  const source = context.centres;
  const centres = prototypeTensor(source, false);
  const kappa = tf.tensor1d(Float32Array.from(context.kappa));
  const [numClasses] = centres.shape;
  return {
    id: 'lce',
    trainableVariables: [],
    loss(inputs, head) {
      if (head.weight.shape.join(',') !== centres.shape.join(','))
        throw new ShapeMismatchError(
          `lce aligns the head's class centres [${head.weight.shape}] with the old ones [${centres.shape}]: they must have the same classes and dimension`,
        );
      const labels = hostLabels(inputs.labels, inputs.embeddings.shape[0], numClasses);
      const rows = Int32Array.from(labels.keys()).filter((row) => labels[row]! >= 0);
      return tf.tidy(() => {
        const align = tf.mean(tf.square(tf.sub(l2Normalize(head.weight), centres)));
        let loss = tf.add(head.loss(inputs.embeddings, labels), tf.mul(align, config.alignWeight));
        if (rows.length > 0) {
          const classes = Int32Array.from(rows, (row) => labels[row]!);
          const picked = tf.gather(inputs.embeddings, rows);
          const features = config.normalizeFeatures ? l2Normalize(picked) : picked;
          const cosine = tf.clipByValue(
            tf.sum(tf.mul(features, tf.gather(centres, classes)), 1),
            -1,
            1,
          );
          const boundary = tf.mean(tf.relu(tf.sub(tf.gather(kappa, classes), cosine)));
          loss = tf.add(loss, tf.mul(boundary, config.boundaryWeight));
        }
        return loss;
      }) as tf.Scalar;
    },
    dispose: () => tf.dispose([centres, kappa]),
  };
}

/** The registry entry of `lce`. */
export const lceSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'lce',
  description:
    'LCE: align the classifier to old class centres, keep features inside old boundaries',
  specVersion: 1,
  configSchema: lceConfigSchema,
  resources: [OLD_FEATURES],
  // The old class centres and angular bounds: one streaming pass over the old features.
  prepare: (resources) =>
    lceClassCentres(requireResource(resources, OLD_FEATURES), resources.labels, {
      numClasses: resources.numClasses,
    }),
  create: (config, context) => createLceLoss(config, context),
});
