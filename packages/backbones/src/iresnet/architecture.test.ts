import { InvalidConfigError, UnknownComponentError } from '@bctkit/tensor-ops';
import { expectNoTensorLeaks } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backbones, createBackbone, resolveBackboneConfig } from '../builtins.js';

// shared/spec/insightface-infra.md section 1.3, computed there from the layer list.
const TABLE = [
  { id: 'iresnet-18', alias: 'r18', parameters: 24.03e6, macs: 2.61e9 },
  { id: 'iresnet-34', alias: 'r34', parameters: 34.14e6, macs: 4.46e9 },
  { id: 'iresnet-50', alias: 'r50', parameters: 43.59e6, macs: 6.31e9 },
  { id: 'iresnet-100', alias: 'r100', parameters: 65.16e6, macs: 12.09e9 },
  { id: 'iresnet-200', alias: 'r200', parameters: 118.83e6, macs: 23.42e9 },
];

describe('iResNet sizes', () => {
  it.each(TABLE)('$id has the parameter count and MACs of insightface', (row) => {
    const spec = backbones.get(row.alias);
    expect(spec.id).toBe(row.id);
    const { config } = resolveBackboneConfig({ type: row.alias });
    const size = spec.size(config);
    expect(Math.abs(size.parameters - row.parameters)).toBeLessThan(0.005e6);
    expect(Math.abs(size.macs - row.macs)).toBeLessThan(0.005e9);
  });

  it('hand count of the smallest variant: iresnet-18, width 1/64, 8x8 grey input, 4-d embedding', () => {
    // widths 1, 2, 4, 8; sides 8 -> 4 -> 2 -> 1 -> 1; flattened 8.
    const bn = (c: number) => 2 * c; // weight + bias (running statistics are buffers)
    const block = (i: number, o: number, down: boolean) =>
      bn(i) + 9 * i * o + bn(o) + o + 9 * o * o + bn(o) + (down ? i * o + bn(o) : 0);
    const expected =
      9 * 1 * 1 +
      bn(1) +
      1 +
      block(1, 1, true) +
      block(1, 1, false) +
      block(1, 2, true) +
      block(2, 2, false) +
      block(2, 4, true) +
      block(4, 4, false) +
      block(4, 8, true) +
      block(8, 8, false) +
      bn(8) +
      8 * 4 +
      4 +
      bn(4);
    const model = createBackbone({
      type: 'iresnet-18',
      inputSize: 8,
      widthMultiplier: 1 / 64,
      embeddingDim: 4,
      inputChannels: 1,
    });
    expect(model.parameterCount).toBe(expected);
    let allocated = 0;
    for (const [name, variable] of model.tensors)
      if (!name.includes('running_')) allocated += variable.size;
    expect(allocated).toBe(expected);
    model.dispose();
  });

  it('builds the full-size iresnet-18 with 24.03 M parameters and the right trainable set', () => {
    const before = tf.memory().numTensors;
    const model = createBackbone({ type: 'iresnet-18' });
    expect(model.parameterCount).toBe(24_025_600);
    const trainable = model.trainableVariables.reduce((total, v) => total + v.size, 0);
    expect(trainable).toBe(24_025_600 - 512); // features.weight is frozen at 1
    expect(model.tensors.get('features.weight')!.trainable).toBe(false);
    expect(model.tensors.get('fc.weight')!.shape).toEqual([25088, 512]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('iResNet initialisation', () => {
  it('follows insightface: N(0, 0.1) convolutions, PReLU 0.25, BN 1/0, fc uniform(1/sqrt(fan_in))', () => {
    const model = createBackbone({ type: 'r18', inputSize: 28, widthMultiplier: 0.5, seed: 3 });
    const values = (name: string) => model.tensors.get(name)!.dataSync() as Float32Array;
    const conv = values('layer3.0.conv1.weight'); // 9 * 64 * 128 values
    const mean = conv.reduce((a, b) => a + b, 0) / conv.length;
    const std = Math.sqrt(conv.reduce((a, b) => a + (b - mean) ** 2, 0) / conv.length);
    expect(Math.abs(mean)).toBeLessThan(0.003);
    expect(std).toBeGreaterThan(0.098);
    expect(std).toBeLessThan(0.102);
    expect(new Set(values('layer1.0.prelu.weight'))).toEqual(new Set([0.25]));
    expect(new Set(values('layer2.1.bn3.weight'))).toEqual(new Set([1]));
    expect(new Set(values('layer2.1.bn3.running_var'))).toEqual(new Set([1]));
    expect(new Set(values('features.weight'))).toEqual(new Set([1]));
    const fc = values('fc.weight');
    const bound = 1 / Math.sqrt(256 * 2 * 2);
    const largest = fc.reduce((a, b) => Math.max(a, b), -Infinity);
    const smallest = fc.reduce((a, b) => Math.min(a, b), Infinity);
    expect(largest).toBeLessThanOrEqual(bound);
    expect(smallest).toBeGreaterThanOrEqual(-bound);
    expect(largest).toBeGreaterThan(0.99 * bound);
    // Same seed, same weights; another seed, other weights.
    const again = createBackbone({ type: 'r18', inputSize: 28, widthMultiplier: 0.5, seed: 3 });
    const other = createBackbone({ type: 'r18', inputSize: 28, widthMultiplier: 0.5, seed: 4 });
    expect(again.tensors.get('layer3.0.conv1.weight')!.dataSync()).toEqual(conv);
    expect(other.tensors.get('layer3.0.conv1.weight')!.dataSync()).not.toEqual(conv);
    for (const m of [model, again, other]) m.dispose();
  });
});

describe('createBackbone', () => {
  it('suggests ids for an unknown architecture', () => {
    expect(() => createBackbone({ type: 'iresnet-51' })).toThrow(UnknownComponentError);
    expect(() => createBackbone({ type: 'iresnet-51' })).toThrow(/iresnet-50/);
  });

  it('names a misspelt option', () => {
    expect(() => createBackbone({ type: 'r50', inputsize: 56 })).toThrow(InvalidConfigError);
    expect(() => createBackbone({ type: 'r50', inputsize: 56 })).toThrow(/inputsize.*inputSize/);
  });

  it('refuses images of the wrong shape, and batch 1 in training mode', () => {
    // The model inside the check: evaluation keeps folded filters with it until it is disposed.
    expectNoTensorLeaks(() => {
      const model = createBackbone({ type: 'r18', inputSize: 16, widthMultiplier: 0.125 });
      const wrong = tf.zeros([2, 28, 28, 3]) as tf.Tensor4D;
      expect(() => model.embed(wrong)).toThrow(/\[batch, 16, 16, 3\], got \[2, 28, 28, 3\]/);
      const single = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
      expect(() => model.apply(single, { training: true })).toThrow(/batch of at least 2/);
      const embedding = model.embed(single); // evaluation works on one image
      expect(embedding.shape).toEqual([1, 512]);
      tf.dispose([wrong, single, embedding]);
      model.dispose();
    });
  });
});
