import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createCompatibilityLoss, createHead, heads } from '../builtins.js';
import { ConformanceError, checkLossConformance } from './index.js';

const context = { numClasses: 5, embeddingDim: 4, seed: 1 };

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
