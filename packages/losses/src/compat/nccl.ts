import { l2Normalize, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { hostLabels } from '../heads/labels.js';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { requireOld } from './require-old.js';

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
  let oldQueue: Float32Array[] = [];
  let logitQueue: Float32Array[] = [];
  let labelQueue: number[] = [];
  return {
    id: 'nccl',
    trainableVariables: [],
    get queued() {
      return labelQueue.length;
    },
    clearQueue() {
      oldQueue = [];
      logitQueue = [];
      labelQueue = [];
    },
    loss(inputs, head) {
      const old = requireOld(inputs, 'nccl');
      const batch = inputs.embeddings.shape[0];
      const labels = hostLabels(inputs.labels, batch, head.numClasses);
      const oldNormalised = tf.tidy(() => l2Normalize(old));
      const oldLogits = tf.tidy(() => head.logits(oldNormalised, labels));
      const oldRows = oldNormalised.arraySync();
      const logitRows = oldLogits.arraySync();
      oldLogits.dispose();
      for (let row = 0; row < batch; row++) {
        oldQueue.push(Float32Array.from(oldRows[row]!));
        logitQueue.push(Float32Array.from(logitRows[row]!));
        labelQueue.push(labels[row]!);
      }
      const overflow = labelQueue.length - config.queueSize;
      if (overflow > 0) {
        oldQueue = oldQueue.slice(overflow);
        logitQueue = logitQueue.slice(overflow);
        labelQueue = labelQueue.slice(overflow);
      }
      if (oldQueue[0]!.length !== inputs.embeddings.shape[1])
        throw new ShapeMismatchError('nccl: the queue holds features of another dimension');
      const keyLabels = Int32Array.from(labelQueue);
      const result = tf.tidy(() => {
        const queueOld = tf.tensor2d(oldQueue.map((row) => [...row]));
        const queueLogits = l2Normalize(tf.tensor2d(logitQueue.map((row) => [...row])));
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
