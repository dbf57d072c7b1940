import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { clipGlobalNorm } from './clip.js';
import { learningRateAt, scheduleSchema } from './schedule.js';
import { Sgd } from './sgd.js';

describe('Sgd (PyTorch semantics)', () => {
  it('matches two hand-computed steps with momentum and weight decay', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 0.1 });
    // Step 1: g = [0.5, 0.5] + 0.1 w = [0.6, 0.3]; buf = g; w = w - 0.5 buf = [0.7, -2.15].
    const g1 = tf.tensor1d([0.5, 0.5]);
    sgd.step([[w, g1]], 0.5);
    expectAllClose(w.dataSync(), [0.7, -2.15], { atol: 1e-6 });
    // Step 2: g = [1, 0] + 0.1 w = [1.07, -0.215]; buf = 0.9 [0.6, 0.3] + g = [1.61, 0.055];
    // w = w - 0.1 buf = [0.539, -2.1555].
    const g2 = tf.tensor1d([1, 0]);
    sgd.step([[w, g2]], 0.1);
    expectAllClose(w.dataSync(), [0.539, -2.1555], { atol: 1e-6 });
    const state = sgd.state(new Map([[w, 'w']]));
    expectAllClose(state.get('w')!.dataSync(), [1.61, 0.055], { atol: 1e-6 });
    tf.dispose([w, g1, g2]);
    sgd.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('poly: power 2 over all steps, with linear warm-up', () => {
    const poly = scheduleSchema.parse({ type: 'poly' });
    expect(learningRateAt(poly, 0.1, 0, 10, 2)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(poly, 0.1, 10, 10, 2)).toBeCloseTo(0.1 * 0.25, 12); // (1 - 1/2)^2
    expect(learningRateAt(poly, 0.1, 20, 10, 2)).toBe(0);
    const warm = scheduleSchema.parse({ type: 'poly', warmupEpochs: 1 });
    expect(learningRateAt(warm, 0.1, 5, 10, 3)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(warm, 0.1, 20, 10, 3)).toBeCloseTo(0.1 * 0.25, 12);
  });

  it('step: times gamma after each milestone epoch (UniBCT: 20, 26, 32)', () => {
    const step = scheduleSchema.parse({ type: 'step' });
    expect(learningRateAt(step, 0.1, 19 * 100, 100, 35)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(step, 0.1, 20 * 100, 100, 35)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(step, 0.1, 32 * 100, 100, 35)).toBeCloseTo(1e-4, 12);
  });
});

describe('clipGlobalNorm', () => {
  it('scales by maxNorm / (norm + 1e-6) when the norm is larger, else leaves gradients alone', () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor1d([0, 4]); // global norm 5
    const { clipped, norm } = clipGlobalNorm([a, b], 1);
    expect(norm).toBeCloseTo(5, 12);
    expectAllClose(clipped[0]!.dataSync(), [3 / (5 + 1e-6), 0], { atol: 1e-7 });
    const loose = clipGlobalNorm([a, b], 10);
    expect([...loose.clipped[1]!.dataSync()]).toEqual([0, 4]);
    tf.dispose([a, b, ...clipped, ...loose.clipped]);
  });
});
