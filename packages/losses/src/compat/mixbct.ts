import { createRandom, l2Normalize, replaceRows, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { CompatibilityInputs, CompatibilityLoss } from './compatibility-loss.js';
import { requireOld } from './require-old.js';
import { CREDIBLE_FLAGS, OLD_FEATURES } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss, nothing } from './spec.js';

/** Config of {@link createMixBctLoss}. */
export const mixBctConfigSchema = z.strictObject({
  type: z.literal('mixbct'),
  /** Fraction of each batch replaced by old features: `floor(ratio * batch)` rows. Default 0.3. */
  ratio: z.number().min(0).max(1).default(0.3),
  /** Seed of the choice of replaced rows. Default 0. */
  seed: z.number().int().min(0).default(0),
});
export type MixBctConfig = z.output<typeof mixBctConfigSchema>;

/** Options of {@link MixBctLoss.loss}, for tests and reproducing a given draw. */
export interface MixBctDraw {
  /** Replace exactly these rows instead of drawing them. */
  readonly rows?: readonly number[];
  /**
   * Draw the rows from a generator seeded with this value instead of the loss's own stream (a
   * trainer passes a per-step seed so a resumed run draws the same rows).
   */
  readonly seed?: number;
}

/**
 * MixBCT (Liang et al., "MixBCT: Towards Self-Adapting Backward-Compatible Training",
 * https://arxiv.org/abs/2308.06948), as its code trains: in each batch, `floor(ratio * batch)`
 * rows chosen uniformly among those whose old feature is credible are *replaced* by the
 * L2-normalised old feature of the same image (same label), then one head loss (ArcFace) runs over
 * the mixed batch:
 *
 * `L = L_head(mix(z, n(o)), y)`
 *
 * The replaced rows are constants: their gradient reaches only the classifier, pulling each class
 * centre toward the old features of its class, while the backbone learns from the other rows. No
 * L2 or distillation term. When a batch has fewer credible rows than the count, all of them are
 * replaced (the reference code raises instead).
 */
export interface MixBctLoss extends CompatibilityLoss {
  loss(
    inputs: CompatibilityInputs,
    head: Parameters<CompatibilityLoss['loss']>[1],
    draw?: MixBctDraw,
  ): tf.Scalar;
  /** The rows the last call replaced. */
  readonly lastRows: readonly number[];
}

/** Creates the MixBCT loss (see {@link MixBctLoss}). */
export function createMixBctLoss(config: MixBctConfig): MixBctLoss {
  const random = createRandom(config.seed);
  let lastRows: number[] = [];
  return {
    id: 'mixbct',
    trainableVariables: [],
    get lastRows() {
      return lastRows;
    },
    loss(inputs, head, draw = {}) {
      const old = requireOld(inputs, 'mixbct');
      const batch = inputs.embeddings.shape[0];
      let rows: number[];
      if (draw.rows !== undefined) {
        rows = [...draw.rows];
      } else {
        const credible = inputs.credible;
        if (credible !== undefined && credible.length !== batch)
          throw new ShapeMismatchError(
            `mixbct: ${credible.length} credible flags for a batch of ${batch}`,
          );
        const candidates = Array.from({ length: batch }, (_, row) => row).filter(
          (row) => credible === undefined || Boolean(credible[row]),
        );
        const count = Math.min(Math.floor(config.ratio * batch), candidates.length);
        const seed = draw.seed ?? inputs.seed;
        const source = seed === undefined ? random : createRandom(seed);
        rows = [...source.sample(candidates.length, count)].map((pick) => candidates[pick]!);
      }
      lastRows = rows.sort((a, b) => a - b);
      return tf.tidy(() => {
        if (rows.length === 0) return head.loss(inputs.embeddings, inputs.labels);
        const replacement = l2Normalize(tf.gather(old, rows)) as tf.Tensor2D;
        const mixed = replaceRows(inputs.embeddings, rows, replacement);
        return head.loss(mixed, inputs.labels);
      });
    },
    dispose: () => {},
  };
}

/** The registry entry of `mixbct`. */
export const mixBctSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'mixbct',
  description: 'MixBCT: replace a share of each batch with credible old features, one head loss',
  specVersion: 1,
  configSchema: mixBctConfigSchema,
  resources: [OLD_FEATURES, CREDIBLE_FLAGS],
  prepare: nothing,
  create: (config) => createMixBctLoss(config),
});
