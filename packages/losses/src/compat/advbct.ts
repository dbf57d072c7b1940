import { createRandom, type HostMatrix, InvalidConfigError, l2Normalize } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import { advBctClassBoundaries } from '../offline/class-boundaries.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { prototypeTensor } from './prototype-influence.js';
import { requireOld } from './require-old.js';
import { OLD_FEATURES, requireResource } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss } from './spec.js';

/** Config of {@link createAdvBctLoss}. */
export const advBctConfigSchema = z.strictObject({
  type: z.literal('advbct'),
  /** Weight of the point-to-set boundary term. Default 1 (official; the MixBCT rewrite uses 4). */
  boundaryWeight: z.number().min(0).default(1),
  /** Weight of the adversarial term, decayed by (E - e + 1) / E. Default 1 (MixBCT rewrite: 4). */
  adversarialWeight: z.number().min(0).default(1),
  /** Global radius T the elastic boundaries move toward. Default 0.4 (MixBCT configs for faces). */
  threshold: z.number().min(0).default(0.4),
  /** Hidden units of the discriminator. Default 100. */
  hiddenUnits: z.number().int().positive().default(100),
  /** Seed of the discriminator's initialisation. Default 0. */
  seed: z.number().int().min(0).default(0),
});
export type AdvBctConfig = z.output<typeof advBctConfigSchema>;

/** What {@link createAdvBctLoss} needs: the output of `advBctClassBoundaries`. */
export interface AdvBctContext {
  /** `[numClasses, dim]` class centres of normalised old features. */
  readonly centres: tf.Tensor2D | HostMatrix;
  /** Per class, the largest radius kept. */
  readonly radius: Float32Array | readonly number[];
  /** Per class, how many radii were kept; classes with at most one are skipped. */
  readonly kept: Int32Array | readonly number[];
}

/** The AdvBCT loss with its trainable parts exposed (for checkpoints and tests). */
export interface AdvBctLoss extends CompatibilityLoss {
  /** `[numClasses]` elastic boundary parameters w (delta = |R - T| sigmoid(w)). */
  readonly elastic: tf.Variable;
  /** Discriminator: `w1 [hidden, dim]`, `b1`, BN `gamma`, `beta`, `w2 [2, hidden]`, `b2`. */
  readonly discriminator: Readonly<
    Record<'w1' | 'b1' | 'gamma' | 'beta' | 'w2' | 'b2', tf.Variable>
  >;
}

let instances = 0;

/** Identity forward, gradient times -alpha backward. */
function reverseGradient(x: tf.Tensor2D, alpha: number): tf.Tensor2D {
  const reverse = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, -alpha),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return reverse(x) as tf.Tensor2D;
}

/**
 * AdvBCT (Pan et al., "Boundary-Aware Backward-Compatible Representation via Adversarial Learning
 * in Image Retrieval", CVPR 2023, https://arxiv.org/abs/2305.02610), following the official code:
 *
 * - elastic boundary: `R'_k = R_k ± |R_k - T| sigmoid(w_k)` (toward T), with w learned;
 * - point-to-set: `L_p2s` = mean over boundary-violating rows of `||n(z_i) - c_y|| - R'_y`;
 * - adversarial: a discriminator `Linear(d, h) -> BN -> ReLU -> Linear(h, 2) -> log-softmax` learns
 *   to tell new features (through a gradient-reversal layer with coefficient
 *   `alpha = 2 / (1 + exp(-10 p)) - 1`) from normalised old ones; `L_adv = NLL_new + NLL_old`;
 * - `L = L_head + bw * L_p2s + aw * L_adv * (E - e + 1) / E`.
 *
 * Needs `inputs.old`, and `inputs.progress`, `inputs.epoch`, `inputs.epochs` (defaults 1, 0, 1).
 */
export function createAdvBctLoss(config: AdvBctConfig, context: AdvBctContext): AdvBctLoss {
  if (context?.centres === undefined || context.radius === undefined || context.kept === undefined)
    throw new InvalidConfigError(
      'advbct',
      'needs class centres, radius and kept (advBctClassBoundaries)',
    );
  const source = context.centres;
  const centres = prototypeTensor(source, false);
  const [numClasses, dim] = centres.shape;
  const radius = Float32Array.from(context.radius);
  const usable = Float32Array.from(context.kept, (count) => (count > 1 ? 1 : 0));
  const radiusTensor = tf.tensor1d(radius);
  const name = `bctkit-advbct-${++instances}`;
  const random = createRandom(config.seed);
  const uniform = (count: number, bound: number) =>
    Float32Array.from({ length: count }, () => (2 * random.next() - 1) * bound);
  const hidden = config.hiddenUnits;
  const variable = (values: Float32Array, shape: number[], part: string) =>
    tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${name}/${part}`));
  const elastic = variable(new Float32Array(numClasses), [numClasses], 'elastic');
  const discriminator = {
    w1: variable(uniform(hidden * dim, 1 / Math.sqrt(dim)), [hidden, dim], 'w1'),
    b1: variable(uniform(hidden, 1 / Math.sqrt(dim)), [hidden], 'b1'),
    gamma: variable(new Float32Array(hidden).fill(1), [hidden], 'gamma'),
    beta: variable(new Float32Array(hidden), [hidden], 'beta'),
    w2: variable(uniform(2 * hidden, 1 / Math.sqrt(hidden)), [2, hidden], 'w2'),
    b2: variable(uniform(2, 1 / Math.sqrt(hidden)), [2], 'b2'),
  };
  const discriminate = (x: tf.Tensor2D) =>
    tf.tidy(() => {
      const h = tf.add(
        tf.matMul(x, discriminator.w1, false, true),
        discriminator.b1,
      ) as tf.Tensor2D;
      const { mean, variance } = tf.moments(h, 0);
      const normalised = tf.batchNorm(
        h,
        mean,
        variance,
        discriminator.beta,
        discriminator.gamma,
        1e-5,
      );
      const logits = tf.add(
        tf.matMul(tf.relu(normalised), discriminator.w2, false, true),
        discriminator.b2,
      );
      return tf.logSoftmax(logits) as tf.Tensor2D;
    });
  return {
    id: 'advbct',
    elastic,
    discriminator,
    trainableVariables: [elastic, ...Object.values(discriminator)],
    loss(inputs, head) {
      const old = requireOld(inputs, 'advbct');
      const labels = hostLabels(inputs.labels, inputs.embeddings.shape[0], numClasses);
      const rows = Int32Array.from(labels.keys()).filter((row) => labels[row]! >= 0);
      const classes = Int32Array.from(rows, (row) => labels[row]!);
      const progress = inputs.progress ?? 1;
      const alpha = 2 / (1 + Math.exp(-10 * progress)) - 1;
      const epochs = inputs.epochs ?? 1;
      const decay = (epochs - (inputs.epoch ?? 0) + 1) / epochs;
      return tf.tidy(() => {
        let loss = head.loss(inputs.embeddings, labels);
        if (rows.length > 0) {
          const r = tf.gather(radiusTensor, classes);
          const delta = tf.mul(
            tf.abs(tf.sub(r, config.threshold)),
            tf.sigmoid(tf.gather(elastic, classes)),
          );
          const grows = tf.tensor1d(
            Float32Array.from(classes, (k) => (radius[k]! < config.threshold ? 1 : -1)),
          );
          const effective = tf.add(r, tf.mul(grows, delta));
          const difference = tf.sub(
            l2Normalize(tf.gather(inputs.embeddings, rows)),
            tf.gather(centres, classes),
          );
          const distance = tf.sqrt(tf.maximum(tf.sum(tf.square(difference), 1), 1e-12));
          const mask = tf.tensor1d(Float32Array.from(classes, (k) => usable[k]!));
          const violation = tf.mul(tf.relu(tf.sub(distance, effective)), mask);
          // Mean over violating rows; the count is a constant (no gradient), at least 1.
          const count = Math.max(
            1,
            (violation.dataSync() as Float32Array).filter((v) => v > 0).length,
          );
          loss = tf.add(loss, tf.mul(tf.div(tf.sum(violation), count), config.boundaryWeight));
        }
        const fromNew = discriminate(reverseGradient(l2Normalize(inputs.embeddings), alpha));
        const fromOld = discriminate(l2Normalize(old));
        const adversarial = tf.add(
          tf.neg(tf.mean(tf.slice(fromNew, [0, 0], [-1, 1]))),
          tf.neg(tf.mean(tf.slice(fromOld, [0, 1], [-1, 1]))),
        );
        return tf.add(loss, tf.mul(adversarial, config.adversarialWeight * decay));
      }) as tf.Scalar;
    },
    dispose: () => tf.dispose([centres, radiusTensor, elastic, ...Object.values(discriminator)]),
  };
}

/** The registry entry of `advbct`. */
export const advBctSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'advbct',
  description: 'AdvBCT: elastic point-to-set boundaries plus an adversarial old/new discriminator',
  specVersion: 1,
  configSchema: advBctConfigSchema,
  resources: [OLD_FEATURES],
  // The old class centres and radii: one streaming pass over the old features.
  prepare: (resources) =>
    advBctClassBoundaries(requireResource(resources, OLD_FEATURES), resources.labels, {
      numClasses: resources.numClasses,
    }),
  create: (config, context) => createAdvBctLoss(config, context),
});
