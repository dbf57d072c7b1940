import { type HostMatrix, InvalidConfigError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import { refinePrototypes } from '../offline/refine-prototypes.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { prototypeInfluence, prototypeTensor, prototypeTermFields } from './prototype-influence.js';
import { OLD_FEATURES, PROTOTYPES } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss, withPrototypes } from './spec.js';

/** Config of {@link createUniBctLoss}. */
export const uniBctConfigSchema = z.strictObject({
  type: z.literal('unibct'),
  ...prototypeTermFields,
  /** First epoch with the prototype term (weight 0 before). Default 10. */
  startEpoch: z.number().int().min(0).default(10),
  /** Epochs at whose start the trainer refines the prototypes (`refinePrototypes`). Default [10, 20]. */
  refreshEpochs: z.array(z.number().int().min(0)).default([10, 20]),
  /** Refinement: `paper` (UniBCT as published) or `reference` (the MixBCT repository's code). */
  mode: z.enum(['paper', 'reference']).default('paper'),
  /** Propagation weight of the refinement. Default 0.9. */
  propagation: z.number().min(0).lt(1).default(0.9),
  /** Affinity temperature of the refinement. Default 0.05. */
  tau: z.number().positive().default(0.05),
});
export type UniBctConfig = z.output<typeof uniBctConfigSchema>;

/** The UniBCT loss, whose prototypes the trainer replaces after each refinement. */
export interface UniBctLoss extends CompatibilityLoss {
  readonly config: UniBctConfig;
  /** Replaces the prototypes (e.g. with `refinePrototypes` output); normalised in `paper` mode. */
  setPrototypes(prototypes: tf.Tensor2D | HostMatrix): void;
  /** The prototype term's weight at an epoch: 0 before `startEpoch`, then `lambda`. */
  weightAt(epoch: number): number;
}

/**
 * UniBCT (Zhang et al., "Towards Universal Backward-Compatible Representation Learning", IJCAI
 * 2022, https://arxiv.org/abs/2203.01583): BCT's influence term through old-class prototypes that
 * are refined during training by structural propagation over the new model's affinities
 * (`refinePrototypes`):
 *
 * `L = L_head(z) + w(epoch) * CE(scale * n(z) . P^T, y)`, `w = 0` before `startEpoch`.
 *
 * `mode: 'paper'` refines as published (row-normalised affinities on normalised features,
 * re-normalised prototypes). `mode: 'reference'` reproduces the MixBCT repository for baseline
 * parity: its column-normalised affinities make the refinement return the raw class mean, and the
 * prototypes stay un-normalised.
 */
export function createUniBctLoss(
  config: UniBctConfig,
  context: { prototypes?: tf.Tensor2D | HostMatrix },
): UniBctLoss {
  if (context?.prototypes === undefined)
    throw new InvalidConfigError('unibct', 'needs initial class prototypes (context.prototypes)');
  const normalise = config.mode === 'paper';
  let prototypes = prototypeTensor(context.prototypes, normalise);
  const weightAt = (epoch: number) => (epoch < config.startEpoch ? 0 : config.lambda);
  const setPrototypes = (next: tf.Tensor2D | HostMatrix) => {
    const replacement = prototypeTensor(next, normalise);
    prototypes.dispose();
    prototypes = replacement;
  };
  return {
    id: 'unibct',
    config,
    trainableVariables: [],
    weightAt,
    setPrototypes,
    loss(inputs, head) {
      const labels = hostLabels(inputs.labels, inputs.embeddings.shape[0], prototypes.shape[0]);
      const weight = weightAt(inputs.epoch ?? config.startEpoch);
      return tf.tidy(() => {
        const classification = head.loss(inputs.embeddings, labels);
        if (weight === 0) return classification;
        const influence = prototypeInfluence(
          inputs.embeddings,
          labels,
          prototypes,
          config.scale,
          config.margin,
          'unibct',
        );
        return tf.add(classification, tf.mul(influence, weight));
      }) as tf.Scalar;
    },
    async atEpochStart(tools) {
      if (!config.refreshEpochs.includes(tools.epoch)) return;
      if (tools.oldFeatures === undefined)
        throw new InvalidConfigError(
          'config.oldFeatures',
          'unibct refines its prototypes from the old features of the training set (bct extract)',
        );
      const current = await tools.embedTrainingSet();
      const refined = await refinePrototypes(tools.oldFeatures, current, tools.labels, {
        lambda: config.propagation,
        tau: config.tau,
        mode: config.mode,
        numClasses: tools.numClasses,
      });
      setPrototypes(refined);
    },
    state: () => new Map([['prototypes', prototypes]]),
    restoreState(state) {
      const saved = state.get('prototypes');
      if (saved === undefined)
        throw new InvalidConfigError(
          'checkpoint',
          'has no unibct prototypes (loss-state/prototypes)',
        );
      prototypes.dispose();
      prototypes = tf.keep(saved.clone()) as tf.Tensor2D;
    },
    dispose: () => prototypes.dispose(),
  };
}

/** The registry entry of `unibct`. */
export const uniBctSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'unibct',
  description: 'UniBCT: BCT through prototypes refined by structural propagation during training',
  specVersion: 1,
  configSchema: uniBctConfigSchema,
  resources: [PROTOTYPES, OLD_FEATURES],
  prepare: withPrototypes,
  create: (config, context) => createUniBctLoss(config, context),
});
