import { type HostMatrix, InvalidConfigError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { prototypeInfluence, prototypeTensor, prototypeTermFields } from './prototype-influence.js';
import { PROTOTYPES } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss, withPrototypes } from './spec.js';

/** Config of {@link createBctLoss}. */
export const bctConfigSchema = z.strictObject({
  type: z.literal('bct'),
  ...prototypeTermFields,
});
export type BctConfig = z.output<typeof bctConfigSchema>;

/** What {@link createBctLoss} needs besides its config. */
export interface BctContext {
  /**
   * `[numClasses, dim]` old-model class prototypes (e.g. from `classPrototypes`): the frozen old
   * classifier, with prototypes synthesised for classes the old model never saw.
   */
  readonly prototypes: tf.Tensor2D | HostMatrix;
}

/**
 * BCT's influence loss (Shen et al., "Towards Backward-Compatible Representation Learning", CVPR
 * 2020, https://arxiv.org/abs/2003.11942): new embeddings are classified by the frozen old
 * classifier, here the L2-normalised old class means over the new training set:
 *
 * `L = L_head(z) + lambda * CE(scale * n(z) . P^T, y)`
 *
 * P is frozen (no gradient). The prototypes are normalised on creation.
 */
export function createBctLoss(config: BctConfig, context: BctContext): CompatibilityLoss {
  if (context?.prototypes === undefined)
    throw new InvalidConfigError('bct', 'needs class prototypes (context.prototypes)');
  const prototypes = prototypeTensor(context.prototypes, true);
  const numClasses = prototypes.shape[0];
  return {
    id: 'bct',
    trainableVariables: [],
    loss(inputs, head) {
      const labels = hostLabels(inputs.labels, inputs.embeddings.shape[0], numClasses);
      return tf.tidy(() => {
        const influence = prototypeInfluence(
          inputs.embeddings,
          labels,
          prototypes,
          config.scale,
          config.margin,
          'bct',
        );
        return tf.add(head.loss(inputs.embeddings, labels), tf.mul(influence, config.lambda));
      }) as tf.Scalar;
    },
    dispose: () => prototypes.dispose(),
  };
}

/** The registry entry of `bct`. */
export const bctSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'bct',
  aliases: ['influence'],
  description: "BCT's influence loss through frozen old class prototypes",
  specVersion: 1,
  configSchema: bctConfigSchema,
  resources: [PROTOTYPES],
  prepare: withPrototypes,
  create: (config, context) => createBctLoss(config, context),
});
