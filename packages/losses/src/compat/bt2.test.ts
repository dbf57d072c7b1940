import { InvalidConfigError, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createCompatibilityLoss, createHead } from '../builtins.js';
import fixtures from '../fixtures/bt2.json' with { type: 'json' };
import { basisTransform } from './bt2.js';

// Reference: tooling/reference/bt2.py (PyTorch autograd, float64).
interface Case {
  batch: number;
  classes: number;
  n: number;
  d: number;
  reflections: number;
  headScale: number;
  scale: number;
  lambda: number;
  embeddings: number[];
  labels: number[];
  headWeight: number[];
  prototypes: number[];
  vectors: number[];
  turned: number[];
  queryMap: number[];
  loss: number;
  gradEmbeddings: number[];
  gradVectors: number[];
}
const cases = fixtures as Record<string, Case>;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number) {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index++)
    expect(
      Math.abs(actual[index]! - expected[index]!),
      `index ${index}: ${actual[index]} vs ${expected[index]}`,
    ).toBeLessThan(tolerance * Math.max(1, Math.abs(expected[index]!)));
}

describe('bt2 (PyTorch reference)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: transform, loss, gradients (embeddings and reflections) and query map`, () => {
      const before = tf.memory().numTensors;
      const head = createHead(
        { type: 'normalised-linear', scale: c.headScale },
        { numClasses: c.classes, embeddingDim: c.n },
      );
      tf.tidy(() => head.weight.assign(tf.tensor2d(c.headWeight, [c.classes, c.n])));
      const prototypes = tf.tensor2d(c.prototypes, [c.classes, c.d]);
      const loss = createCompatibilityLoss(
        { type: 'bt2', scale: c.scale, lambda: c.lambda, reflections: c.reflections },
        { prototypes, embeddingDim: c.n },
      );
      prototypes.dispose();
      const vectors = loss.trainableVariables[0]!;
      expect(vectors.shape).toEqual([c.reflections, c.n]);
      tf.tidy(() => vectors.assign(tf.tensor2d(c.vectors, [c.reflections, c.n])));

      const z = tf.tensor2d(c.embeddings, [c.batch, c.n]);
      const labels = Int32Array.from(c.labels);
      const turned = basisTransform(z, vectors as unknown as tf.Tensor2D);
      expectClose(turned.dataSync(), c.turned, 1e-5);

      const value = loss.loss({ embeddings: z, labels }, head);
      expectClose(value.dataSync(), [c.loss], 1e-5);
      const gradZ = tf.grad((e: tf.Tensor) =>
        loss.loss({ embeddings: e as tf.Tensor2D, labels }, head),
      )(z);
      expectClose(gradZ.dataSync(), c.gradEmbeddings, 1e-4);
      const { value: again, grads } = tf.variableGrads(
        () => loss.loss({ embeddings: z, labels }, head),
        [vectors],
      );
      expectClose(grads[vectors.name]!.dataSync(), c.gradVectors, 1e-4);

      // The query map: z M is (B z)[:d], and its columns are orthonormal (M^T M = I).
      const map = loss.queryMap!();
      expect([map.rows, map.cols]).toEqual([c.n, c.d]);
      expectClose(map.data, c.queryMap, 1e-5);
      for (let i = 0; i < c.d; i++)
        for (let j = 0; j < c.d; j++) {
          let dot = 0;
          for (let k = 0; k < c.n; k++) dot += map.data[k * c.d + i]! * map.data[k * c.d + j]!;
          expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-5);
        }

      tf.dispose([z, turned, value, gradZ, again, ...Object.values(grads)]);
      loss.dispose();
      head.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('starts from the identity with initialBasis identity, and still learns B', () => {
    const before = tf.memory().numTensors;
    const [n, d, classes] = [6, 4, 3];
    const prototypes = tf.randomNormal([classes, d], 0, 1, 'float32', 1) as tf.Tensor2D;
    const loss = createCompatibilityLoss(
      { type: 'bt2', initialBasis: 'identity', seed: 3 },
      { prototypes, embeddingDim: n },
    );
    prototypes.dispose();
    // Hand-derived: B = I, so the query map is the first d columns of the identity.
    const map = loss.queryMap!();
    for (let k = 0; k < n; k++)
      for (let j = 0; j < d; j++)
        expect(Math.abs(map.data[k * d + j]! - (k === j ? 1 : 0))).toBeLessThan(1e-6);
    // The pairs are not a stationary point: the reflections get a gradient.
    const head = createHead(
      { type: 'normalised-linear', scale: 8 },
      { numClasses: classes, embeddingDim: n },
    );
    const z = tf.randomNormal([5, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    const labels = Int32Array.from([0, 1, 2, 0, 1]);
    const vectors = loss.trainableVariables[0]!;
    const { value, grads } = tf.variableGrads(
      () => loss.loss({ embeddings: z, labels }, head),
      [vectors],
    );
    const gradient = grads[vectors.name]!.dataSync();
    expect(Math.max(...Array.from(gradient, Math.abs))).toBeGreaterThan(1e-4);
    tf.dispose([z, value, ...Object.values(grads)]);
    loss.dispose();
    head.dispose();
    const odd = tf.randomNormal([classes, d]) as tf.Tensor2D;
    expect(() =>
      createCompatibilityLoss(
        { type: 'bt2', initialBasis: 'identity', reflections: 3 },
        { prototypes: odd, embeddingDim: n },
      ),
    ).toThrow(/even number/);
    odd.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a new embedding narrower than the old one, and a missing width', () => {
    const prototypes = tf.randomNormal([3, 8]) as tf.Tensor2D;
    expect(() => createCompatibilityLoss({ type: 'bt2' }, { prototypes, embeddingDim: 4 })).toThrow(
      ShapeMismatchError,
    );
    expect(() => createCompatibilityLoss({ type: 'bt2' }, { prototypes })).toThrow(
      InvalidConfigError,
    );
    prototypes.dispose();
  });
});
