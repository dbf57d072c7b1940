import { l2Normalize } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { requireOld } from './require-old.js';
import { OLD_FEATURES } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss, nothing } from './spec.js';

/** Config of {@link createL2Loss}. */
export const l2ConfigSchema = z.strictObject({
  type: z.literal('l2'),
  /** Weight of the distance term. Default 10 (MixBCT repository). */
  lambda: z.number().min(0).default(10),
  /** Tolerated distance: 0 is plain L2, 0.2 the "weakened L2" of the MixBCT repository. */
  tolerance: z.number().min(0).max(2).default(0),
});

/**
 * Config of the weakened L2 of the MixBCT repository: {@link createL2Loss} with a tolerance of
 * 0.2 by default (registered as its own method, `weakened-l2`, rather than an alias of `l2`).
 */
export const weakenedL2ConfigSchema = l2ConfigSchema.extend({
  type: z.literal('weakened-l2'),
  tolerance: z.number().min(0).max(2).default(0.2),
});
export type L2Config = z.output<typeof l2ConfigSchema> | z.output<typeof weakenedL2ConfigSchema>;

/**
 * L2 regression to the old features, and its weakened form:
 *
 * `L = L_head(z) + lambda * mean_i max(0, ||n(o_i) - n(z_i)|| - t)`
 *
 * with the un-squared Euclidean distance between unit vectors (not MSE), as the MixBCT repository
 * trains its L2 baseline (`BCT_Methods/L2_weakenedL2`). The baseline of Shen et al., "Towards
 * Backward-Compatible Representation Learning", CVPR 2020, https://arxiv.org/abs/2003.11942.
 */
export function createL2Loss(config: L2Config): CompatibilityLoss {
  return {
    id: config.type,
    trainableVariables: [],
    loss(inputs, head) {
      const old = requireOld(inputs, 'l2');
      return tf.tidy(() => {
        const difference = tf.sub(l2Normalize(old), l2Normalize(inputs.embeddings));
        // sqrt clamped at 1e-12 so identical vectors get a zero, not NaN, gradient.
        const distance = tf.sqrt(tf.maximum(tf.sum(tf.square(difference), 1), 1e-12));
        const hinge = tf.mean(tf.relu(tf.sub(distance, config.tolerance)));
        return tf.add(head.loss(inputs.embeddings, inputs.labels), tf.mul(hinge, config.lambda));
      }) as tf.Scalar;
    },
    dispose: () => {},
  };
}

/** The registry entry of `l2`. */
export const l2Spec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'l2',
  description: 'L2 regression of normalised new features to old ones',
  specVersion: 1,
  configSchema: l2ConfigSchema,
  resources: [OLD_FEATURES],
  prepare: nothing,
  create: (config) => createL2Loss(config),
});

/** The registry entry of `weakened-l2`. */
export const weakenedL2Spec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'weakened-l2',
  description:
    "MixBCT repository's weakened L2: distances below a tolerance (default 0.2) are not penalised",
  specVersion: 1,
  configSchema: weakenedL2ConfigSchema,
  resources: [OLD_FEATURES],
  prepare: nothing,
  create: (config) => createL2Loss(config),
});
