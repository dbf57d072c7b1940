// The worked example of the docs' Contributing page (included there from this file, so the page
// shows code that runs): a third-party compatibility loss, registered, created from a config,
// checked by value and by the conformance suite.

// #region example
import {
  type CompatibilityLoss,
  compatibilityLosses,
  createCompatibilityLoss,
  createHead,
  defineCompatibilityLoss,
  OLD_FEATURES,
  requireOld,
} from '@bctkit/losses';
import { checkLossConformance, checkMethodConformance } from '@bctkit/losses/test';
import { l2Normalize } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/** Head loss plus lambda * mean(1 - cos(new, old)) over the batch. */
const cosineConfigSchema = z.strictObject({
  type: z.literal('cosine'),
  lambda: z.number().min(0).default(1),
});

function createCosineLoss(config: z.output<typeof cosineConfigSchema>): CompatibilityLoss {
  return {
    id: 'cosine',
    trainableVariables: [],
    loss: (inputs, head) => {
      const { embeddings, labels } = inputs;
      // The batch's old features, checked to be there and of the embeddings' shape.
      const old = requireOld(inputs, 'cosine');
      return tf.tidy(() => {
        const cosine = tf.sum(tf.mul(l2Normalize(embeddings), l2Normalize(old)), 1);
        const distance = tf.mean(tf.sub(1, cosine));
        return tf.add(head.loss(embeddings, labels), tf.mul(distance, config.lambda));
      }) as tf.Scalar;
    },
    dispose: () => {},
  };
}

/** The registry entry: config schema, the resources it needs, how to build it. */
export const cosine = defineCompatibilityLoss({
  id: 'cosine',
  description: 'cosine distance of new features to old ones',
  specVersion: 1,
  configSchema: cosineConfigSchema,
  // The trainer checks the old features (rows, width, finite values) before building a model,
  // and hands each batch its rows as `inputs.old`.
  resources: [OLD_FEATURES],
  prepare: () => ({}),
  create: (config) => createCosineLoss(config),
});

compatibilityLosses.register(cosine);
// #endregion example

afterAll(() => {
  compatibilityLosses.unregister('cosine');
});

describe('the Contributing page example: a third-party loss', () => {
  it('is created from a config, and adds lambda * mean(1 - cos) to the head loss (hand-worked)', () => {
    const loss = createCompatibilityLoss({ type: 'cosine', lambda: 2 });
    const head = createHead({ type: 'softmax' }, { numClasses: 3, embeddingDim: 2 });
    const before = tf.memory().numTensors;
    const [total, headOnly] = tf.tidy(() => {
      const embeddings = tf.tensor2d([1, 0, 0, 2], [2, 2]);
      const old = tf.tensor2d([1, 1, 0, 1], [2, 2]);
      const labels = Int32Array.from([0, 2]);
      return [
        loss.loss({ embeddings, labels, old }, head).dataSync()[0]!,
        head.loss(embeddings, labels).dataSync()[0]!,
      ];
    });
    // cos = 1/sqrt(2) and 1: lambda * mean(1 - cos) = 2 * (1 - 0.70710678) / 2 = 0.29289322.
    expect(total - headOnly).toBeCloseTo(0.29289322, 5);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => createCompatibilityLoss({ type: 'cosine', lamda: 2 })).toThrow(/lamda/);
    head.dispose();
  });

  it('passes the method conformance suite (resources, gradients, leaks, state)', async () => {
    await checkMethodConformance(cosine, { config: { lambda: 2 }, ignoresUnlabelledRows: false });
  });

  it('passes the loss conformance suite (gradients by finite differences, leaks, bad shapes)', () => {
    const loss = createCompatibilityLoss({ type: 'cosine' });
    const head = createHead({ type: 'softmax' }, { numClasses: 4, embeddingDim: 3 });
    const old = tf.randomNormal([6, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    expect(() =>
      checkLossConformance({
        name: 'cosine',
        embeddingDim: 3,
        numClasses: 4,
        ignoresUnlabelledRows: false,
        compute: (embeddings, labels) => loss.loss({ embeddings, labels, old }, head),
      }),
    ).not.toThrow();
    old.dispose();
    head.dispose();
  });
});
