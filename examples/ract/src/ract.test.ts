import { createHead } from '@bctkit/losses';
import { checkMethodConformance } from '@bctkit/losses/test';
import { Registry } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRactLoss, ract, ractTerm, register } from './index.js';

// Two images of different classes, features chosen so the cosines are round numbers:
// new n1 = (1, 0), n2 = (0, 1) after normalisation; old o1 = (0.6, 0.8), o2 = (0.8, 0.6).
// Row 1: positive n1.o1 = 0.6; negatives n1.o2 = 0.8 (old) and n1.n2 = 0 (new).
// Row 2 is its mirror image. With temperature t, each row's term is
//   log(e^{0.6/t} + e^{0.8/t} + e^{0}) - 0.6/t
// t = 1: log(1.8221188 + 2.2255409 + 1) - 0.6 = 1.0189247; t = 0.5: 1.0271231.
const embeddings = () => tf.tensor2d([2, 0, 0, 3], [2, 2]);
const old = () => tf.tensor2d([3, 4, 0.8, 0.6], [2, 2]);

describe('ract (the example plugin)', () => {
  it('matches the hand-worked term, and has nothing to contrast within one class', () => {
    const before = tf.memory().numTensors;
    const value = (labels: number[], temperature: number) =>
      tf.tidy(
        () => ractTerm(embeddings(), old(), Int32Array.from(labels), temperature).dataSync()[0]!,
      );
    expect(value([0, 1], 1)).toBeCloseTo(1.0189247, 5);
    expect(value([0, 1], 0.5)).toBeCloseTo(1.0271231, 5);
    // One class: no negatives, so each row's softmax holds its positive alone.
    expect(value([0, 0], 1)).toBeCloseTo(0, 6);
    // An unlabelled row neither anchors nor is a negative.
    expect(value([0, -1], 1)).toBeCloseTo(0, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adds lambda times the term to the head loss', () => {
    const head = createHead({ type: 'softmax' }, { numClasses: 2, embeddingDim: 2, seed: 1 });
    const loss = createRactLoss({ type: 'ract', lambda: 2, temperature: 1 });
    const [total, headOnly] = tf.tidy(() => {
      const labels = Int32Array.from([0, 1]);
      const inputs = { embeddings: embeddings(), old: old(), labels };
      return [
        loss.loss(inputs, head).dataSync()[0]!,
        head.loss(inputs.embeddings, labels).dataSync()[0]!,
      ];
    });
    expect(total - headOnly).toBeCloseTo(2 * 1.0189247, 5);
    head.dispose();
  });

  it('passes the conformance suite from its registry entry (resources, gradients, leaks)', async () => {
    const before = tf.memory().numTensors;
    await checkMethodConformance(ract, { config: { temperature: 0.5 } });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('registers itself through register()', () => {
    const losses = new Registry<typeof ract>('compatibility loss');
    register({ losses });
    expect(losses.get('ract')).toBe(ract);
  });
});
