import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compatibilityLosses,
  createCompatibilityLoss,
  createHead,
  defineCompatibilityLoss,
  heads,
} from '../builtins.js';
import { requireOld } from '../compat/require-old.js';
import { withGradientHint } from './conformance.js';
import { ConformanceError, checkLossConformance, checkMethodConformance } from './index.js';

const context = { numClasses: 5, embeddingDim: 4, seed: 1 };

describe('withGradientHint', () => {
  it("says what to call when tfjs's gradients were never registered", () => {
    const missing = () =>
      withGradientHint(() => {
        throw new Error('Cannot compute gradient: gradient function not found for Add.');
      });
    expect(missing).toThrow(ConformanceError);
    expect(missing).toThrow(/not registered; call `await registerGradients\(\)`/);
    // Other errors pass through unchanged.
    expect(() =>
      withGradientHint(() => {
        throw new RangeError('bad shape');
      }),
    ).toThrow(RangeError);
  });
});

describe('checkLossConformance', () => {
  it.each(heads.ids())('passes for the %s head', (id) => {
    // A small scale keeps the finite differences of float32 losses meaningful.
    const config = id === 'softmax' ? { type: id } : { type: id, scale: 4 };
    const head = createHead(config, context);
    checkLossConformance({
      name: id,
      embeddingDim: 4,
      numClasses: 5,
      compute: (embeddings, labels) => head.loss(embeddings, labels),
    });
    head.dispose();
  });

  it('passes for l2 (whose distance term still covers unlabelled rows)', () => {
    const head = createHead({ type: 'cosface', scale: 4 }, context);
    const loss = createCompatibilityLoss({ type: 'l2', lambda: 1, tolerance: 0.1 });
    const old = tf.randomNormal([6, 4], 0, 1, 'float32', 9) as tf.Tensor2D;
    checkLossConformance({
      name: 'l2',
      embeddingDim: 4,
      numClasses: 5,
      ignoresUnlabelledRows: false,
      compute: (embeddings, labels) =>
        loss.loss({ embeddings, labels, old: tf.slice(old, 0, embeddings.shape[0]) }, head),
    });
    old.dispose();
    head.dispose();
  });

  it('catches a wrong gradient, a leak and a loss that accepts anything', () => {
    const wrongGradient = tf.customGrad(((x: tf.Tensor) => ({
      value: tf.sum(tf.square(x)),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.mul(x, 3)), // should be 2x
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    expect(() =>
      checkLossConformance({
        name: 'wrong',
        embeddingDim: 2,
        numClasses: 2,
        ignoresUnlabelledRows: false,
        compute: (embeddings) => wrongGradient(embeddings) as tf.Scalar,
      }),
    ).toThrow(/finite differences give/);
    expect(() =>
      checkLossConformance({
        name: 'leaky',
        embeddingDim: 2,
        numClasses: 2,
        ignoresUnlabelledRows: false,
        compute: (embeddings) => {
          tf.keep(tf.ones([1]));
          return tf.sum(tf.square(embeddings));
        },
      }),
    ).toThrow(ConformanceError);
    expect(() =>
      checkLossConformance({
        name: 'lenient',
        embeddingDim: 2,
        numClasses: 2,
        ignoresUnlabelledRows: false,
        compute: (embeddings) => tf.sum(tf.square(embeddings)),
      }),
    ).toThrow(/width 3 were accepted/);
  });
});

describe('every compatibility loss passes the conformance suite', () => {
  const dim = 4;
  const classes = 5;
  const random = (shape: [number, number], seed: number) =>
    tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor2D;
  const prototypes = random([classes, dim], 11);
  const contexts = {
    prototypes,
    centres: prototypes,
    kappa: [0.1, 0.2, 0.3, 0.1, 0.2],
    radius: [0.5, 0.9, 0.3, 0.6, 0.4],
    kept: [3, 3, 3, 0, 3],
    embeddingDim: dim,
  };
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['none', {}, true],
    ['l2', { lambda: 1 }, false],
    ['bct', { scale: 4 }, true],
    ['mixbct', { ratio: 0 }, true],
    ['unibct', { scale: 4, startEpoch: 0 }, true],
    ['lce', { alignWeight: 1 }, true],
    // The gradient-reversal layer makes AdvBCT's adversarial gradient differ from the derivative of
    // its value on purpose, so finite differences apply with that term off (PyTorch checks it).
    ['advbct', { hiddenUnits: 3, adversarialWeight: 0 }, true],
    ['nccl', { queueSize: 6 }, true],
    ['bt2', { scale: 4 }, true],
  ];
  it.each(cases)('%s', (type, options, ignoresUnlabelledRows) => {
    const head = createHead(
      { type: 'arcface', scale: 4 },
      { numClasses: classes, embeddingDim: dim },
    );
    const loss = createCompatibilityLoss({ type, ...options }, contexts);
    const old = random([6, dim], 12);
    checkLossConformance({
      name: type,
      embeddingDim: dim,
      numClasses: classes,
      ignoresUnlabelledRows,
      compute: (embeddings, labels) => {
        if (embeddings.shape[0] !== 6 || embeddings.shape[1] !== dim) {
          // The shape checks: a wrong width or label count must be refused by the loss itself.
          return loss.loss(
            { embeddings, labels, old: tf.zeros(embeddings.shape) as tf.Tensor2D },
            head,
          );
        }
        return loss.loss({ embeddings, labels, old, epoch: 0, epochs: 1, progress: 0.5 }, head);
      },
    });
    old.dispose();
    loss.dispose();
    head.dispose();
  });
});

describe('checkMethodConformance: every registered method, from its registry entry', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['none', {}, true],
    ['l2', { lambda: 1 }, false],
    ['weakened-l2', { lambda: 1 }, false],
    ['bct', { scale: 4 }, true],
    ['bt2', { scale: 4 }, true],
    ['mixbct', { ratio: 0.5 }, true],
    ['unibct', { scale: 4, startEpoch: 0 }, true],
    ['lce', { alignWeight: 1 }, true],
    ['advbct', { hiddenUnits: 3, adversarialWeight: 0 }, true],
    ['nccl', { queueSize: 6 }, true],
  ];
  it('covers every built-in method', () => {
    expect(cases.map(([id]) => id).sort()).toEqual(compatibilityLosses.ids());
  });
  it.each(cases)('%s', async (type, config, ignoresUnlabelledRows) => {
    const before = tf.memory().numTensors;
    await checkMethodConformance(compatibilityLosses.get(type), { config, ignoresUnlabelledRows });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('catches a method that reads old features it did not declare', async () => {
    const sneaky = defineCompatibilityLoss({
      id: 'sneaky',
      specVersion: 1,
      configSchema: z.strictObject({ type: z.literal('sneaky') }),
      resources: [],
      prepare: () => ({}),
      create: () => ({
        id: 'sneaky',
        trainableVariables: [],
        loss: (inputs, head) =>
          tf.tidy(() =>
            tf.add(
              head.loss(inputs.embeddings, inputs.labels),
              tf.sum(requireOld(inputs, 'sneaky')),
            ),
          ) as tf.Scalar,
        dispose: () => {},
      }),
    });
    await expect(checkMethodConformance(sneaky)).rejects.toThrow(
      /failed with only its declared resources \(none\).*needs the old features/,
    );
  });

  it('catches a stateful method whose state does not restore what it computes', async () => {
    let counter = 0;
    const forgetful = defineCompatibilityLoss({
      id: 'forgetful',
      specVersion: 1,
      configSchema: z.strictObject({ type: z.literal('forgetful') }),
      resources: [],
      prepare: () => ({}),
      create: () => {
        // A shift the epoch hook changes, but that state() does not carry.
        let shift = 0;
        const kept = tf.keep(tf.scalar(counter++));
        return {
          id: 'forgetful',
          trainableVariables: [],
          loss: (inputs, head) =>
            tf.tidy(() => tf.add(head.loss(inputs.embeddings, inputs.labels), shift)) as tf.Scalar,
          atEpochStart: async () => {
            shift = 1;
          },
          state: () => new Map([['kept', kept]]),
          restoreState: () => {},
          dispose: () => kept.dispose(),
        };
      },
    });
    await expect(checkMethodConformance(forgetful)).rejects.toThrow(
      /restored from its state, the loss is/,
    );
  });
});
