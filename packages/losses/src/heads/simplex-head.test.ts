import { InvalidConfigError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createHead } from '../builtins.js';
import fixtures from '../fixtures/simplex-head.json' with { type: 'json' };
import { SimplexHead, simplexVertices } from './simplex-head.js';

// Reference: tooling/reference/simplex_head.py (numpy vertices, PyTorch loss and autograd).
interface Case {
  classes: number;
  vertices: number;
  dim: number;
  scale: number;
  normalize: boolean;
  embeddings: number[];
  labels: number[];
  weight: number[];
  logits: number[];
  loss: number;
  gradient: number[];
}
const cases = fixtures as Record<string, Case>;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number) {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index++)
    expect(Math.abs(actual[index]! - expected[index]!)).toBeLessThan(tolerance);
}

describe('simplexVertices', () => {
  it('gives unit vertices with pairwise cosine -1/(V-1), summing to zero (hand-derived)', () => {
    for (const [count, dim] of [
      [2, 1],
      [3, 2],
      [7, 8],
      [10, 9],
    ] as const) {
      const w = simplexVertices(count, dim);
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < count; j++) {
          let dot = 0;
          for (let k = 0; k < dim; k++) dot += w[i * dim + k]! * w[j * dim + k]!;
          expect(Math.abs(dot - (i === j ? 1 : -1 / (count - 1)))).toBeLessThan(1e-6);
        }
      }
      for (let k = 0; k < dim; k++) {
        let sum = 0;
        for (let i = 0; i < count; i++) sum += w[i * dim + k]!;
        expect(Math.abs(sum)).toBeLessThan(1e-6);
      }
    }
  });

  it('refuses more vertices than the dimension allows', () => {
    expect(() => simplexVertices(11, 9)).toThrow(InvalidConfigError);
    expect(() => simplexVertices(11, 9)).toThrow(/needs 10 dimensions; the embedding has 9/);
    expect(() => simplexVertices(1, 4)).toThrow(/at least 2 vertices/);
  });
});

describe('dsimplex head (PyTorch reference)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: vertices, logits, loss and gradient within 1e-5`, () => {
      const before = tf.memory().numTensors;
      const head = createHead(
        { type: 'dsimplex', vertices: c.vertices, scale: c.scale, normalize: c.normalize },
        { numClasses: c.classes, embeddingDim: c.dim },
      );
      expect(head.trainableVariables).toHaveLength(0);
      expectClose(head.weight.dataSync(), c.weight, 1e-6);
      const x = tf.tensor2d(c.embeddings, [c.labels.length, c.dim]);
      const labels = Int32Array.from(c.labels);
      const logits = head.logits(x, labels);
      expectClose(logits.dataSync(), c.logits, 1e-4 * c.scale);
      const value = head.loss(x, labels);
      expect(Math.abs(value.dataSync()[0]! - c.loss)).toBeLessThan(1e-5);
      const gradient = tf.grad((e: tf.Tensor) => head.loss(e as tf.Tensor2D, labels))(x);
      expectClose(gradient.dataSync(), c.gradient, 1e-5);
      tf.dispose([x, logits, value, gradient]);
      head.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('gives no gradient to its vertices, and refuses fewer vertices than classes', () => {
    const head = new SimplexHead({ numClasses: 3, embeddingDim: 4 });
    expect(head.weight.trainable).toBe(false);
    head.dispose();
    expect(() => new SimplexHead({ numClasses: 5, embeddingDim: 8, vertices: 4 })).toThrow(
      /4 vertices for 5 classes/,
    );
  });
});
