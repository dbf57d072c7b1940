import { createBackbone } from '@bctkit/backbones';
import { createDataLoader, openSource } from '@bctkit/datasets';
import { createCompatibilityLoss, createHead } from '@bctkit/losses';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Sgd } from './sgd.js';
import { TrainStep } from './train-step.js';

describe('TrainStep', () => {
  it('reports the loss and backbone gradient norm it updates with, and leaks nothing', async () => {
    const source = await openSource({
      type: 'synthetic',
      classes: 3,
      imagesPerClass: 2,
      height: 8,
      width: 8,
      channels: 1,
    });
    const loader = await createDataLoader(source, { batchSize: 6, shuffle: false, workers: 0 });
    const backbone = createBackbone({
      type: 'iresnet-18',
      inputSize: 8,
      widthMultiplier: 1 / 16,
      embeddingDim: 4,
      inputChannels: 1,
      seed: 2,
    });
    const head = createHead({ type: 'softmax' }, { numClasses: 3, embeddingDim: 4, seed: 2 });
    const loss = createCompatibilityLoss({ type: 'none' });
    const optimizer = new Sgd({ momentum: 0.9, weightDecay: 0 });
    const step = new TrainStep({
      backbone,
      head,
      loss,
      optimizer,
      clipNorm: 1e9,
      perImage: new Map(),
    });
    const before = tf.memory().numTensors;
    for await (const batch of loader.batches(0)) {
      // The same loss and gradients, computed here without TrainStep.
      const { value, grads } = tf.variableGrads(
        () =>
          loss.loss(
            {
              embeddings: backbone.apply(batch.images, { training: true }),
              labels: batch.labelValues,
            },
            head,
          ),
        [...backbone.trainableVariables],
      );
      const expectedLoss = value.dataSync()[0]!;
      const expectedNorm = Math.sqrt(
        Object.values(grads).reduce(
          (sum, g) => sum + tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]!),
          0,
        ),
      );
      tf.dispose([value, ...Object.values(grads)]);
      const weights = backbone.trainableVariables.map((variable) => variable.dataSync().slice());
      const outcome = await step.run(batch, {
        learningRate: 0,
        epoch: 0,
        epochs: 1,
        progress: 0,
        seed: 1,
      });
      expect(outcome.loss).toBeCloseTo(expectedLoss, 5);
      expect(outcome.gradientNorm).toBeCloseTo(expectedNorm, 4);
      // A learning rate of 0 changes no weight.
      backbone.trainableVariables.forEach((variable, index) => {
        expect([...variable.dataSync()]).toEqual([...weights[index]!]);
      });
      batch.release();
    }
    // The optimiser's momentum buffers are its own (one per variable, freed by dispose).
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await loader.close();
    await source.close();
    backbone.dispose();
    head.dispose();
  });
});
