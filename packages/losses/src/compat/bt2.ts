import {
  createHostMatrix,
  createRandom,
  type HostMatrix,
  InvalidConfigError,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { prototypeInfluence, prototypeTensor, prototypeTermFields } from './prototype-influence.js';
import { PROTOTYPES } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss, withPrototypes } from './spec.js';

/** Config of {@link createBt2Loss}. */
export const bt2ConfigSchema = z.strictObject({
  type: z.literal('bt2'),
  ...prototypeTermFields,
  /**
   * Householder reflections whose product is the basis transformation `B`. Default: the
   * embedding width, enough for any orthonormal `B`; fewer move only that many directions.
   */
  reflections: z.number().int().min(1).optional(),
  /** Seed of the reflections' initial directions (a random orthonormal `B`). Default 0. */
  seed: z.number().int().min(0).default(0),
  /**
   * `B` at the start: `random` (default, the paper's) or `identity`, the reflections drawn in
   * equal pairs (`H_v H_v = I`) so that `(B z)[:oldDim]` starts as `z[:oldDim]`: for a new model
   * initialised from the old one with a grown embedding (`init.grow`), compatible from step one.
   * `identity` needs an even number of reflections.
   */
  initialBasis: z.enum(['random', 'identity']).default('random'),
});
export type Bt2Config = z.output<typeof bt2ConfigSchema>;

/** What {@link createBt2Loss} needs besides its config. */
export interface Bt2Context {
  /**
   * `[numClasses, oldDim]` old-model class prototypes (the frozen old classifier, as for BCT);
   * `oldDim` may be smaller than the new embedding.
   */
  readonly prototypes: tf.Tensor2D | HostMatrix;
  /** Width of the new model's embeddings, at least `oldDim`. */
  readonly embeddingDim: number;
}

/**
 * `z B^T` for a batch `z` of `[batch, n]` rows, with `B = H_1 H_2 ... H_r` and
 * `H_i = I - 2 v_i v_i^T / |v_i|^2` the reflection across the hyperplane normal to row `i` of
 * `vectors` (`[r, n]`): orthonormal for any `vectors`, so lengths and angles are kept.
 */
export function basisTransform(z: tf.Tensor2D, vectors: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const unit = tf.div(vectors, tf.norm(vectors, 'euclidean', 1, true)) as tf.Tensor2D;
    const rows = tf.unstack(unit) as tf.Tensor1D[];
    let out = z;
    for (let index = rows.length - 1; index >= 0; index--) {
      const v = tf.reshape(rows[index]!, [1, -1]) as tf.Tensor2D;
      const along = tf.matMul(out, v, false, true); // [batch, 1]
      out = tf.sub(out, tf.mul(tf.matMul(along, v), 2)) as tf.Tensor2D;
    }
    return out;
  });
}

/**
 * BT²'s basis transformation for a new model wider than the old (Zhou et al., "BT²:
 * Backward-compatible Training with Basis Transformation", ICCV 2023): the new embedding
 * `z` (`n` wide) is turned by a learned orthonormal `B`, and the first `oldDim` coordinates of
 * `B z` are trained to be compatible with the old model through BCT's influence loss, while the
 * head trains all of `z`:
 *
 * `L = L_head(z) + lambda * CE(scale * n((B z)[:oldDim]) . P^T, y)`
 *
 * Because `B` is orthonormal it keeps every length and angle of the new space (self-test on `z`
 * and on `B z` are the same), and the other `n - oldDim` coordinates are left free for what the
 * old space cannot hold. `B` is a product of Householder reflections (exactly orthonormal, any
 * orthonormal matrix with `n` of them), trained with the model. New queries reach the old gallery
 * through `(B z)[:oldDim]`: {@link CompatibilityLoss.queryMap} gives that `[n, oldDim]` map, which
 * the trainer writes as an adapter file.
 */
export function createBt2Loss(config: Bt2Config, context: Bt2Context): CompatibilityLoss {
  if (context?.prototypes === undefined)
    throw new InvalidConfigError('bt2', 'needs class prototypes (context.prototypes)');
  if (context.embeddingDim === undefined)
    throw new InvalidConfigError('bt2', 'needs the new embedding width (context.embeddingDim)');
  const n = context.embeddingDim;
  const prototypes = prototypeTensor(context.prototypes, true);
  const [numClasses, oldDim] = prototypes.shape;
  if (!(Number.isInteger(n) && n >= oldDim)) {
    prototypes.dispose();
    throw new ShapeMismatchError(
      `bt2: the old prototypes are ${oldDim} wide; the new embedding (${n}) must be at least as wide`,
    );
  }
  const reflections = config.reflections ?? n;
  if (config.initialBasis === 'identity' && reflections % 2 !== 0) {
    prototypes.dispose();
    throw new InvalidConfigError(
      'bt2.initialBasis',
      `identity pairs the reflections, so it needs an even number of them (got ${reflections})`,
    );
  }
  const random = createRandom(config.seed);
  const initial = Float32Array.from({ length: reflections * n }, () => random.nextNormal());
  // Equal pairs of reflections cancel: row 2i + 1 repeats row 2i.
  if (config.initialBasis === 'identity')
    for (let row = 1; row < reflections; row += 2)
      initial.copyWithin(row * n, (row - 1) * n, row * n);
  const vectors = tf.tidy(() =>
    tf.variable(tf.tensor2d(initial, [reflections, n]), true, `bctkit-bt2-${uid()}/reflections`),
  );
  return {
    id: 'bt2',
    trainableVariables: [vectors],
    loss(inputs, head) {
      const labels = hostLabels(inputs.labels, inputs.embeddings.shape[0], numClasses);
      if (inputs.embeddings.shape[1] !== n)
        throw new ShapeMismatchError(
          `bt2: embeddings of length ${inputs.embeddings.shape[1]}, the loss was built for ${n}`,
        );
      return tf.tidy(() => {
        const turned = basisTransform(inputs.embeddings, vectors);
        const oldPart = tf.slice(turned, [0, 0], [-1, oldDim]) as tf.Tensor2D;
        const influence = prototypeInfluence(
          oldPart,
          labels,
          prototypes,
          config.scale,
          config.margin,
          'bt2',
        );
        return tf.add(head.loss(inputs.embeddings, labels), tf.mul(influence, config.lambda));
      }) as tf.Scalar;
    },
    queryMap() {
      // Rows of the identity through the transform are the rows of B^T; keep the first oldDim
      // columns: x B^T[:, :oldDim] = (B x)[:oldDim].
      const data = tf.tidy(() => {
        const turned = basisTransform(tf.eye(n) as tf.Tensor2D, vectors);
        return tf.slice(turned, [0, 0], [-1, oldDim]).dataSync() as Float32Array;
      });
      return createHostMatrix(Float32Array.from(data), n, oldDim);
    },
    dispose: () => {
      prototypes.dispose();
      vectors.dispose();
    },
  };
}

let instances = 0;
const uid = () => ++instances;

/** The registry entry of `bt2`. */
export const bt2Spec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'bt2',
  description:
    "BT²: BCT's influence loss on the first old-width coordinates of a learned orthonormal basis transformation, the rest left free",
  specVersion: 1,
  configSchema: bt2ConfigSchema,
  // The old prototypes may be narrower than the new embedding: BT² grows the space.
  resources: [{ ...PROTOTYPES, cols: 'at-most-embedding' }],
  prepare: withPrototypes,
  create: (config, context) => createBt2Loss(config, context),
});
