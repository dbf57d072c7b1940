import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError } from '@bctkit/tensor-ops';
import { withNoTensorLeaks } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackbone } from '../builtins.js';
import {
  CHECKPOINT_FORMAT_VERSION,
  loadCheckpoint,
  readCheckpointMetadata,
  saveCheckpoint,
} from './checkpoint.js';

const config = {
  type: 'iresnet-18',
  inputSize: 16,
  widthMultiplier: 0.125,
  embeddingDim: 8,
  inputChannels: 1,
  seed: 9,
} as const;

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'bctkit-checkpoint-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('checkpoints', () => {
  it('round-trip bit-exact weights, statistics, extra tensors and metadata; same outputs', async () => {
    await withNoTensorLeaks(async () => {
      const model = createBackbone(config);
      // Move BN statistics away from their initial values, as training does.
      const images = tf.randomNormal([4, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      tf.dispose(model.apply(images, { training: true }));
      const momentum = tf.fill([3, 3], 0.5);
      await saveCheckpoint(directory, model, {
        step: 1234,
        extra: { epoch: 2 },
        extraTensors: new Map([['optimizer/momentum', momentum]]),
      });
      const loaded = await loadCheckpoint(directory);
      expect(loaded.metadata).toMatchObject({
        architecture: 'iresnet-18',
        embeddingDim: 8,
        step: 1234,
        backend: 'cpu',
        extra: { epoch: 2 },
      });
      expect(loaded.metadata.options).toEqual(model.options);
      for (const [name, variable] of model.tensors) {
        const restored = loaded.backbone.tensors.get(name)!;
        expect(
          Buffer.from(restored.dataSync().buffer).equals(Buffer.from(variable.dataSync().buffer)),
          name,
        ).toBe(true);
      }
      expect([...loaded.extraTensors.keys()]).toEqual(['optimizer/momentum']);
      expect(loaded.extraTensors.get('optimizer/momentum')!.dataSync()).toEqual(
        new Float32Array(9).fill(0.5),
      );
      const before = model.embed(images);
      const after = loaded.backbone.embed(images);
      expect(after.dataSync()).toEqual(before.dataSync());
      tf.dispose([images, momentum, before, after, ...loaded.extraTensors.values()]);
      model.dispose();
      loaded.backbone.dispose();
    });
  });

  it('is tfjs model artefacts: tf.io.decodeWeights reads the weights by name', async () => {
    const model = createBackbone(config);
    await saveCheckpoint(directory, model);
    const json = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8'));
    const [group] = json.weightsManifest;
    const data = await readFile(join(directory, group.paths[0]));
    const decoded = tf.io.decodeWeights(
      new Uint8Array(data).buffer,
      group.weights,
    ) as tf.NamedTensorMap;
    expect(decoded['layer2.0.conv2.weight']!.dataSync()).toEqual(
      model.tensors.get('layer2.0.conv2.weight')!.dataSync(),
    );
    tf.dispose(Object.values(decoded));
    model.dispose();
  });

  it('replaces an older checkpoint in place and leaves one weights file', async () => {
    const model = createBackbone(config);
    await saveCheckpoint(directory, model, { step: 1 });
    tf.tidy(() => model.tensors.get('fc.bias')!.assign(tf.onesLike(model.tensors.get('fc.bias')!)));
    await saveCheckpoint(directory, model, { step: 2 });
    const files = (await readdir(directory)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    expect((await readCheckpointMetadata(directory)).step).toBe(2);
    model.dispose();
  });

  it('refuses a truncated weights file, a newer format and a missing checkpoint clearly', async () => {
    const model = createBackbone(config);
    await saveCheckpoint(directory, model);
    model.dispose();
    const files = await readdir(directory);
    const weights = join(directory, files.find((file) => file.startsWith('weights.'))!);
    const start = tf.memory().numTensors;
    await truncate(weights, 100);
    await expect(loadCheckpoint(directory)).rejects.toThrow(/holds 100 bytes where the manifest/);
    expect(tf.memory().numTensors).toBe(start);

    const path = join(directory, 'model.json');
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.formatVersion = CHECKPOINT_FORMAT_VERSION + 1;
    await writeFile(path, JSON.stringify(json));
    await expect(loadCheckpoint(directory)).rejects.toThrow(/written by a newer bctkit.*upgrade/);

    await expect(loadCheckpoint(join(directory, 'nope'))).rejects.toBeInstanceOf(
      DatasetFormatError,
    );
  });
});
