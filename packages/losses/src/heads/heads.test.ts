import {
  createRandom,
  InvalidConfigError,
  ShapeMismatchError,
  UnknownComponentError,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createHead, heads } from '../builtins.js';
import { MarginHead } from './margin-head.js';
import { sampleClasses } from './partial-fc.js';

describe('sampleClasses (Partial FC)', () => {
  it('keeps every positive, fills up with distinct negatives and remaps labels', () => {
    const labels = Int32Array.from([7, 3, -1, 7, 42]);
    const sample = sampleClasses(labels, 100, 0.1, createRandom(1));
    expect(sample.classes.length).toBe(10);
    expect(new Set(sample.classes).size).toBe(10);
    expect([...sample.classes]).toEqual([...sample.classes].sort((a, b) => a - b));
    for (const positive of [3, 7, 42]) expect(sample.classes).toContain(positive);
    expect([...sample.labels].map((l) => (l < 0 ? -1 : sample.classes[l]))).toEqual([
      7, 3, -1, 7, 42,
    ]);
  });

  it('keeps all positives when they outnumber the sample, and everything at rate 1', () => {
    const labels = Int32Array.from([0, 1, 2, 3, 4]);
    expect(sampleClasses(labels, 10, 0.2, createRandom(1)).classes.length).toBe(5);
    expect(sampleClasses(labels, 10, 1, createRandom(1)).classes.length).toBe(10);
    expect(() => sampleClasses(labels, 10, 0, createRandom(1))).toThrow(InvalidConfigError);
  });

  it('a sampled head trains only the sampled centres', () => {
    const head = new MarginHead('arcface', {
      numClasses: 50,
      embeddingDim: 4,
      scale: 64,
      m1: 1,
      m2: 0.5,
      m3: 0,
      sampleRate: 0.2,
      seed: 3,
    });
    const embeddings = tf.randomNormal([3, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const gradient = tf.grad((w: tf.Tensor) => {
      void w;
      return head.loss(embeddings, [1, 2, 3]);
    })(head.weight);
    const rows = tf.sum(tf.abs(gradient), 1).dataSync();
    const touched = [...rows].filter((value) => value > 0).length;
    expect(touched).toBeGreaterThanOrEqual(3);
    expect(touched).toBeLessThanOrEqual(10);
    tf.dispose([embeddings, gradient]);
    head.dispose();
  });
});

describe('heads registry', () => {
  it('lists every head with defaults and builds by alias', () => {
    expect(heads.ids().sort()).toEqual([
      'arcface',
      'combined',
      'cosface',
      'dsimplex',
      'normalised-linear',
      'softmax',
    ]);
    const head = createHead({ type: 'arc' }, { numClasses: 4, embeddingDim: 3 });
    expect(head.id).toBe('arcface');
    expect(head.weight.shape).toEqual([4, 3]);
    head.dispose();
  });

  it('names unknown heads, bad options, bad labels and bad shapes', () => {
    expect(() => createHead({ type: 'arcfce' }, { numClasses: 4, embeddingDim: 3 })).toThrow(
      UnknownComponentError,
    );
    expect(() =>
      createHead({ type: 'arcface', margn: 0.3 }, { numClasses: 4, embeddingDim: 3 }),
    ).toThrow(/margn/);
    const head = createHead({ type: 'cosface' }, { numClasses: 4, embeddingDim: 3 });
    const embeddings = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => head.loss(embeddings, [0, 4])).toThrow(/label 4 is outside \[0, 4\)/);
    expect(() => head.loss(embeddings, [0])).toThrow(ShapeMismatchError);
    const wrong = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => head.loss(wrong, [0, 1])).toThrow(/\[batch, 3\], got \[2, 5\]/);
    tf.dispose([embeddings, wrong]);
    head.dispose();
  });
});
