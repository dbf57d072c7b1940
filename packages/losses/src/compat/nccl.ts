import { l2Normalize, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { requireOld } from './require-old.js';
import { OLD_FEATURES } from './resources.js';
import { type CompatibilitySpec, defineCompatibilityLoss, nothing } from './spec.js';

/** Config of {@link createNcclLoss}. */
export const ncclConfigSchema = z.strictObject({
  type: z.literal('nccl'),
  /** Weight of the feature-level term. Default 1. */
  alpha: z.number().min(0).default(1),
  /** Weight of the logit-level term. Default 0.01. */
  beta: z.number().min(0).default(0.01),
  /** Contrastive temperature. Default 1. */
  temperature: z.number().positive().default(1),
  /** Entries of the old-feature queue (current batch included). Default 8192. */
  queueSize: z.number().int().positive().default(8192),
});
export type NcclConfig = z.output<typeof ncclConfigSchema>;

/** The NCCL loss and its queue. */
export interface NcclLoss extends CompatibilityLoss {
  /** Entries currently queued. */
  readonly queued: number;
  /** Empties the queue (e.g. when resuming a run). */
  clearQueue(): void;
}

/**
 * Weighted supervised contrastive loss: for each labelled anchor i, minus the mean over queue
 * entries j of its class of `w_ij * log softmax_j(<a_i, k_j> / T)`.
 */
function weightedSupCon(
  anchors: tf.Tensor2D,
  keys: tf.Tensor2D,
  anchorLabels: Int32Array,
  keyLabels: Int32Array,
  weights: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return tf.tidy(() => {
    const logits = tf.div(tf.matMul(anchors, keys, false, true), temperature);
    const logProbability = tf.sub(logits, tf.logSumExp(logits, 1, true));
    const positive = new Float32Array(anchorLabels.length * keyLabels.length);
    const rowWeight = new Float32Array(anchorLabels.length);
    let anchorsUsed = 0;
    anchorLabels.forEach((label, i) => {
      if (label < 0) return;
      let count = 0;
      keyLabels.forEach((key, j) => {
        if (key === label) {
          positive[i * keyLabels.length + j] = 1;
          count++;
        }
      });
      if (count > 0) {
        rowWeight[i] = 1 / count;
        anchorsUsed++;
      }
    });
    const mask = tf.tensor2d(positive, [anchorLabels.length, keyLabels.length]);
    const perAnchor = tf.neg(tf.sum(tf.mul(tf.mul(mask, weights), logProbability), 1));
    return tf.div(
      tf.sum(tf.mul(perAnchor, tf.tensor1d(rowWeight))),
      Math.max(anchorsUsed, 1),
    ) as tf.Scalar;
  });
}

/**
 * NCCL (Wu et al., "Neighborhood Consensus Contrastive Learning for Backward-Compatible
 * Representation", AAAI 2022, https://arxiv.org/abs/2108.03372), as the MixBCT repository trains
 * it. The normalised old features of each batch, their logits through the (detached) head and
 * their labels are pushed into FIFO queues; then
 *
 * `L = L_head(z) + alpha * SupCon_w(n(z), old queue) + beta * SupCon_w(n(logits(z)), n(old logit queue))`
 *
 * where positives are queue entries of the same class, each weighted by
 * `w_ij = (<n(o_i), q_j> + 1) / 2`. The logit term compares L2-normalised logit vectors (our
 * reading of "the same on logits"). The logit queue holds `queueSize x numClasses` floats.
 */
export function createNcclLoss(config: NcclConfig): NcclLoss {
  // FIFO queues as flat row-major arrays, oldest row first (the current batch at the end).
  let oldQueue: Float32Array = new Float32Array(0);
  let logitQueue: Float32Array = new Float32Array(0);
  let labelQueue: Int32Array = new Int32Array(0);
  /** `queue` with `rows` appended, keeping only the last `queueSize` rows of `width` values. */
  function push(queue: Float32Array, rows: Float32Array, width: number): Float32Array;
  function push(queue: Int32Array, rows: Int32Array, width: number): Int32Array;
  function push(
    queue: Float32Array | Int32Array,
    rows: Float32Array | Int32Array,
    width: number,
  ): Float32Array | Int32Array {
    const keep = Math.min(config.queueSize * width, queue.length + rows.length);
    const next = queue instanceof Float32Array ? new Float32Array(keep) : new Int32Array(keep);
    const fromQueue = Math.max(0, keep - rows.length);
    next.set(queue.subarray(queue.length - fromQueue), 0);
    next.set(rows.subarray(rows.length - (keep - fromQueue)), fromQueue);
    return next;
  }
  return {
    id: 'nccl',
    trainableVariables: [],
    get queued() {
      return labelQueue.length;
    },
    clearQueue() {
      oldQueue = new Float32Array(0);
      logitQueue = new Float32Array(0);
      labelQueue = new Int32Array(0);
    },
    loss(inputs, head) {
      const old = requireOld(inputs, 'nccl');
      const [batch, dim] = inputs.embeddings.shape;
      const labels = hostLabels(inputs.labels, batch, head.numClasses);
      if (labelQueue.length > 0 && oldQueue.length / labelQueue.length !== dim)
        throw new ShapeMismatchError('nccl: the queue holds features of another dimension');
      if (old.shape[1] !== dim)
        throw new ShapeMismatchError(
          `nccl: old features have ${old.shape[1]} columns, the embeddings ${dim}`,
        );
      const oldNormalised = tf.tidy(() => l2Normalize(old));
      const oldLogits = tf.tidy(() => head.logits(oldNormalised, labels));
      const classes = oldLogits.shape[1];
      oldQueue = push(oldQueue, Float32Array.from(oldNormalised.dataSync()), dim);
      logitQueue = push(logitQueue, Float32Array.from(oldLogits.dataSync()), classes);
      labelQueue = push(labelQueue, Int32Array.from(labels), 1);
      oldLogits.dispose();
      const queued = labelQueue.length;
      const keyLabels = labelQueue;
      const result = tf.tidy(() => {
        const queueOld = tf.tensor2d(oldQueue, [queued, dim]);
        const queueLogits = l2Normalize(tf.tensor2d(logitQueue, [queued, classes]));
        const weights = tf.div(
          tf.add(tf.matMul(oldNormalised, queueOld, false, true), 1),
          2,
        ) as tf.Tensor2D;
        const newLogits = head.logits(inputs.embeddings, labels);
        const classification = head.loss(inputs.embeddings, labels);
        const featureTerm = weightedSupCon(
          l2Normalize(inputs.embeddings),
          queueOld,
          labels,
          keyLabels,
          weights,
          config.temperature,
        );
        const logitTerm = weightedSupCon(
          l2Normalize(newLogits),
          queueLogits,
          labels,
          keyLabels,
          weights,
          config.temperature,
        );
        return tf.addN([
          classification,
          tf.mul(featureTerm, config.alpha),
          tf.mul(logitTerm, config.beta),
        ]) as tf.Scalar;
      });
      oldNormalised.dispose();
      return result;
    },
    dispose() {
      this.clearQueue();
    },
  };
}

/** The registry entry of `nccl`. */
export const ncclSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'nccl',
  description: 'NCCL: weighted supervised contrast of new features against a queue of old ones',
  specVersion: 1,
  configSchema: ncclConfigSchema,
  resources: [OLD_FEATURES],
  prepare: nothing,
  create: (config) => createNcclLoss(config),
});
