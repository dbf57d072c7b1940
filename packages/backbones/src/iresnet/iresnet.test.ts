import { expectAllClose, expectNoTensorLeaks } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbone.js';
import { createBackbone } from '../builtins.js';
import fixture from '../fixtures/iresnet/iresnet18-tiny.json' with { type: 'json' };
import { loadStateDict, readStateDict } from '../torch/load-state-dict.js';
import type { IResNet } from './iresnet.js';

const weightsFile = (extension: string) =>
  new URL(`../fixtures/iresnet/iresnet18-tiny.${extension}`, import.meta.url).pathname;

// tooling/reference/iresnet.py: an independent PyTorch iResNet-18 (28x28 input, width 1/8,
// 32-d embedding), float64, with the same float32 weights.
/**
 * Evaluation-mode embeddings computed under a gradient tape, where the model runs its layers as
 * written instead of folding batch norms into the convolutions.
 */
function unfoldedEmbeddings(model: Backbone, input: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    let kept: tf.Tensor | undefined;
    tf.grad((x: tf.Tensor) => {
      const y = model.apply(x as tf.Tensor4D, { training: false });
      kept = tf.keep(tf.clone(y));
      return tf.sum(y);
    })(input);
    return kept!;
  });
}

describe('IResNet against PyTorch', () => {
  let model: IResNet;
  const tolerance = { atol: 1e-4, rtol: 1e-4 };

  beforeAll(async () => {
    model = createBackbone({ type: 'r18', ...fixture.options }) as IResNet;
    loadStateDict(model, await readStateDict(weightsFile('pth')), { file: 'iresnet18-tiny.pth' });
  });
  afterAll(() => model.dispose());

  const images = () =>
    tf.tensor4d(fixture.images, fixture.imagesShape as [number, number, number, number]);

  it('has exactly the state-dict keys of the PyTorch model (besides num_batches_tracked)', () => {
    const keys = fixture.stateDictKeys.filter((key) => !key.endsWith('num_batches_tracked'));
    expect([...model.tensors.keys()].sort()).toEqual([...keys].sort());
  });

  it('gives the same embeddings in evaluation mode', () => {
    const input = images();
    // The first evaluation folds each batch norm into the convolution before it and keeps the
    // folded filters with the model; later ones make no tensors that outlive them.
    tf.dispose(model.embed(input));
    expectNoTensorLeaks(() => {
      const output = model.embed(input);
      expect(output.shape).toEqual([3, 32]);
      expectAllClose(output.dataSync(), fixture.eval, tolerance);
      tf.dispose(output);
    });
    // Under a gradient tape nothing is folded: the same embeddings from the layers as written.
    const unfolded = unfoldedEmbeddings(model, input);
    expectAllClose(unfolded.dataSync(), fixture.eval, tolerance);
    tf.dispose([input, unfolded]);
  });

  it('folds batch norms again after the weights change, and frees the folded filters on dispose', () => {
    const before = tf.memory().numTensors;
    const copy = createBackbone({
      type: 'iresnet-18',
      inputSize: 16,
      widthMultiplier: 0.125,
      seed: 5,
    });
    const input = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const first = copy.embed(input);
    // Change one batch norm's running statistics: a stale folded filter would ignore it.
    const name = [...copy.tensors.keys()].find((key) => key.endsWith('bn2.running_var'))!;
    const variable = copy.tensors.get(name)!;
    tf.tidy(() => variable.assign(tf.mul(variable, 4)));
    const second = copy.embed(input);
    const expected = unfoldedEmbeddings(copy, input);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(first, second))).dataSync()[0])).toBeGreaterThan(
      1e-3,
    );
    expectAllClose(second.dataSync(), expected.dataSync(), { atol: 1e-5, rtol: 1e-4 });
    tf.dispose([input, first, second, expected]);
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same embeddings, gradients and running statistics in training mode', async () => {
    const before = new Map(
      [...model.tensors].map(([name, variable]) => [name, variable.dataSync().slice()]),
    );
    const names = Object.keys(fixture.grads);
    const variables = names.map((name) => model.tensors.get(name)!);
    const input = images();
    const weights = tf.tensor2d(fixture.weights, [3, 32]);
    const start = tf.memory().numTensors;
    let output: tf.Tensor2D | undefined;
    // The frozen features.weight is not trainable, so tf.grads needs it passed as an input.
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, ...parameters: tf.Tensor[]) => {
      void parameters;
      output = tf.keep(model.apply(x as tf.Tensor4D, { training: true }));
      return tf.sum(tf.mul(output, weights));
    })([input, ...variables]);
    expectAllClose(output!.dataSync(), fixture.train, tolerance);
    expectAllClose(grads[0]!.dataSync(), fixture.inputGrad, tolerance);
    // Gradients reach 85 in size here, and PyTorch's own float32 run differs from its float64
    // one by 7e-5 on small entries: the absolute tolerance scales with the tensor's largest entry.
    names.forEach((name, index) => {
      const expected = fixture.grads[name as keyof typeof fixture.grads];
      const scale = Math.max(...expected.map(Math.abs));
      expectAllClose(grads[index + 1]!.dataSync(), expected, {
        atol: Math.max(1e-5 * scale, 1e-5),
        rtol: 1e-4,
        message: name,
      });
    });
    for (const [name, expected] of Object.entries(fixture.runningAfterTrain))
      expectAllClose(model.tensors.get(name)!.dataSync(), expected, {
        ...tolerance,
        message: name,
      });
    tf.dispose([value, ...grads, output!]);
    expect(tf.memory().numTensors).toBe(start);
    // Restore the statistics for the other tests.
    for (const [name, values] of before)
      model.tensors.get(name)!.assign(tf.tensor(values, model.tensors.get(name)!.shape));
    tf.dispose([input, weights]);
    await Promise.resolve();
  });
});
