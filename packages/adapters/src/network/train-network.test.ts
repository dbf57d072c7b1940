import { createHostMatrix } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { normalizeRows } from '../adapter.js';
import reference from '../fixtures/adapters.json' with { type: 'json' };
import { fctForward } from '../methods/fct.js';
import { mlpForward } from '../methods/mlp.js';
import { trainNetwork } from './train-network.js';

describe("trainNetwork: PyTorch's AdamW, full batch, from the same weights", () => {
  for (const [name, forward] of [
    ['mlp', mlpForward],
    ['fct', fctForward],
  ] as const)
    it(`${name}: the weights after 6 steps and the final loss match`, () => {
      const net = reference.networks[name];
      const input = createHostMatrix(
        normalizeRows(Float32Array.from(net.from), net.p),
        net.rows,
        net.p,
      );
      const target = createHostMatrix(
        normalizeRows(Float32Array.from(net.to), net.q),
        net.rows,
        net.q,
      );
      const initial = Object.fromEntries(
        Object.entries(net.initial).map(([key, value]) => [
          key,
          { shape: value.shape, data: Float32Array.from(value.data) },
        ]),
      );
      const before = tf.memory().numTensors;
      const { parameters, loss } = trainNetwork(initial, forward, input, target, {
        epochs: net.steps,
        batchSize: net.rows,
        learningRate: net.learningRate,
        weightDecay: net.weightDecay,
        seed: 1,
      });
      expect(tf.memory().numTensors).toBe(before);
      for (const [key, trained] of Object.entries(net.trained))
        expectAllClose(parameters[key]!.data, trained, { atol: 2e-5, rtol: 1e-4, message: key });
      expect(loss).toBeCloseTo(net.loss, 5);
    });
});
