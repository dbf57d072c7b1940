import { copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError, InvalidConfigError, ShapeMismatchError } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import * as tfconv from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalModel, loadExternalModel } from './external-model.js';
import { fileHandler } from './file-handler.js';

const fixtures = new URL('../fixtures/external/', import.meta.url).pathname;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'bctkit-external-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Embeds, asserting the call leaves exactly one new tensor (its result). */
function embedWithoutLeaks(model: ExternalModel, images: tf.Tensor4D): tf.Tensor2D {
  const before = tf.memory().numTensors;
  const embeddings = model.embed(images);
  expect(tf.memory().numTensors).toBe(before + 1);
  return embeddings;
}

/** Pixels 0..255 as bctkit normalises them. */
const normalise = (pixels: tf.Tensor4D) => tf.div(tf.sub(pixels, 127.5), 127.5) as tf.Tensor4D;

describe('ExternalModel with a real tfjs graph model (MobileFace, 112x112 -> 256-d)', () => {
  let model: ExternalModel;
  let reference: tfconv.GraphModel;

  beforeAll(async () => {
    const configPath = join(directory, 'mobileface.config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        model: join(fixtures, 'mobileface.json'),
        inputSize: 112,
        mean: 0,
        std: 255,
      }),
    );
    model = await loadExternalModel(configPath);
    reference = await tfconv.loadGraphModel(fileHandler(join(fixtures, 'mobileface.json')));
  });
  afterAll(() => {
    model.dispose();
    reference.dispose();
  });

  it('finds its embedding length and input shape', () => {
    expect(model.id).toBe('external:mobileface');
    expect(model.embeddingDim).toBe(256);
    expect(model.inputShape).toEqual([112, 112, 3]);
  });

  it('feeds the model pixels / 255 when the config says mean 0, std 255', () => {
    tf.tidy(() => {
      const pixels = tf.randomUniform([2, 112, 112, 3], 0, 255, 'float32', 4) as tf.Tensor4D;
      const input = normalise(pixels);
      const ours = embedWithoutLeaks(model, input);
      const direct = reference.predict(tf.div(pixels, 255)) as tf.Tensor;
      expect(ours.shape).toEqual([2, 256]);
      expectAllClose(ours.dataSync(), direct.dataSync(), { atol: 1e-4, rtol: 1e-4 });
      // A real model: different faces, different embeddings.
      const [a, b] = tf.split(ours, 2);
      expect(tf.sum(tf.abs(tf.sub(a!, b!))).dataSync()[0]).toBeGreaterThan(1e-3);
    });
  });

  it('resizes smaller grey crops and repeats the grey channel', () => {
    tf.tidy(() => {
      const grey = tf.randomUniform([1, 56, 56, 1], 0, 255, 'float32', 5) as tf.Tensor4D;
      const ours = embedWithoutLeaks(model, normalise(grey));
      const resized = tf.image.resizeBilinear(grey, [112, 112], false, true);
      const direct = reference.predict(tf.div(tf.tile(resized, [1, 1, 1, 3]), 255)) as tf.Tensor;
      expectAllClose(ours.dataSync(), direct.dataSync(), { atol: 1e-4, rtol: 1e-4 });
    });
  });

  it('says what to check when the model cannot run with the config', async () => {
    await expect(
      ExternalModel.create({
        model: join(fixtures, 'mobileface.json'),
        inputSize: 112,
        layout: 'nchw',
      }),
    ).rejects.toThrow(ShapeMismatchError);
  });

  it('refuses a truncated weights file and a misspelt config key', async () => {
    const copy = join(directory, 'cut');
    await rm(copy, { recursive: true, force: true });
    await copyFile(join(fixtures, 'mobileface.json'), `${copy}.json`);
    await copyFile(join(fixtures, 'mobileface.bin'), join(directory, 'mobileface.bin'));
    await truncate(join(directory, 'mobileface.bin'), 1000);
    await expect(ExternalModel.create({ model: `${copy}.json`, inputSize: 112 })).rejects.toThrow(
      /the weights hold 1000 bytes, the manifest needs/,
    );
    await expect(
      ExternalModel.create({ model: `${copy}.json`, inputsize: 112 } as never),
    ).rejects.toThrow(InvalidConfigError);
    await expect(
      ExternalModel.create({ model: 'missing.json', inputSize: 112, kind: 'graph' }),
    ).rejects.toThrow(DatasetFormatError);
  });
});

describe('ExternalModel with a tfjs layers model, BGR, NCHW, per-channel normalisation', () => {
  it('converts the input as the config says', async () => {
    const layers = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [3, 8, 8] }),
        tfl.layers.dense({ units: 5, kernelInitializer: 'glorotUniform' }),
      ],
    });
    const path = join(directory, 'tiny-layers', 'model.json');
    await layers.save(fileHandler(path));
    const model = await ExternalModel.create({
      model: path,
      inputSize: 8,
      layout: 'nchw',
      channelOrder: 'bgr',
      mean: [100, 110, 120],
      std: [50, 60, 70],
    });
    expect(model.embeddingDim).toBe(5);
    tf.tidy(() => {
      const pixels = tf.randomUniform([3, 8, 8, 3], 0, 255, 'float32', 6) as tf.Tensor4D;
      const ours = embedWithoutLeaks(model, normalise(pixels));
      const bgr = tf.reverse(pixels, 3);
      const prepared = tf.div(tf.sub(bgr, tf.tensor1d([100, 110, 120])), tf.tensor1d([50, 60, 70]));
      const direct = layers.predict(tf.transpose(prepared, [0, 3, 1, 2])) as tf.Tensor;
      expectAllClose(ours.dataSync(), direct.dataSync(), { atol: 1e-4, rtol: 1e-4 });
    });
    model.dispose();
    layers.dispose();
  });
});
