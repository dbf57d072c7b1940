import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createCompatibilityLoss, createHead } from '../builtins.js';
import type { UniBctLoss } from './unibct.js';

describe('UniBCT schedule', () => {
  it('adds nothing before startEpoch, then the BCT term through the current prototypes', () => {
    const head = createHead({ type: 'arcface' }, { numClasses: 3, embeddingDim: 2 });
    const prototypes = tf.tensor2d([1, 0, 0, 1, -1, 0], [3, 2]);
    const unibct = createCompatibilityLoss(
      { type: 'unibct', scale: 10 },
      { prototypes },
    ) as UniBctLoss;
    const bct = createCompatibilityLoss({ type: 'bct', scale: 10 }, { prototypes });
    const embeddings = tf.tensor2d([0.3, 1, 2, -0.5], [2, 2]);
    const labels = [1, 0];
    const value = (loss: tf.Scalar) => {
      const number = loss.dataSync()[0]!;
      loss.dispose();
      return number;
    };
    const plain = value(head.loss(embeddings, labels));
    expect(value(unibct.loss({ embeddings, labels, epoch: 9 }, head))).toBeCloseTo(plain, 6);
    const withTerm = value(bct.loss({ embeddings, labels }, head));
    expect(value(unibct.loss({ embeddings, labels, epoch: 10 }, head))).toBeCloseTo(withTerm, 6);
    expect([unibct.weightAt(0), unibct.weightAt(10), unibct.weightAt(30)]).toEqual([0, 1, 1]);
    // After a refinement, the new prototypes are used.
    unibct.setPrototypes({ data: Float32Array.from([0, 1, 1, 0, 0, -1]), rows: 3, cols: 2 });
    expect(value(unibct.loss({ embeddings, labels, epoch: 12 }, head))).not.toBeCloseTo(
      withTerm,
      3,
    );
    tf.dispose([prototypes, embeddings]);
    unibct.dispose();
    bct.dispose();
    head.dispose();
  });
});
