import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Backbone,
  createBackbone,
  exportStateDict,
  saveCheckpoint,
  writeSafetensors,
} from '@bctkit/backbones';
import { createHead } from '@bctkit/losses';
import { ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';
import { initialiseWeights } from './initialise.js';

const options = {
  type: 'iresnet-18',
  inputSize: 16,
  widthMultiplier: 1 / 16,
  embeddingDim: 8,
  inputChannels: 1,
} as const;
let work: string;

/** Every tensor of a backbone, by name, on the host. */
const snapshot = (backbone: Backbone) =>
  new Map([...backbone.tensors].map(([name, variable]) => [name, variable.dataSync().slice()]));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-init-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('initialiseWeights', () => {
  it('copies a checkpoint backbone, and with head the classifier too', async () => {
    const source = createBackbone({ ...options, seed: 1 });
    const sourceHead = createHead({ type: 'arcface' }, { numClasses: 4, embeddingDim: 8, seed: 1 });
    await saveCheckpoint(join(work, 'a'), source, {
      extraTensors: new Map([['head/0', sourceHead.trainableVariables[0]!]]),
    });
    const expected = snapshot(source);
    const expectedHead = sourceHead.trainableVariables[0]!.dataSync().slice();
    source.dispose();
    sourceHead.dispose();

    const before = tf.memory().numTensors;
    const target = createBackbone({ ...options, seed: 2 });
    const head = createHead({ type: 'arcface' }, { numClasses: 4, embeddingDim: 8, seed: 2 });
    expect(snapshot(target).get('conv1.weight')).not.toEqual(expected.get('conv1.weight'));
    await initialiseWeights({ from: join(work, 'a'), head: true }, target, head);
    expect(snapshot(target)).toEqual(expected);
    expect(head.trainableVariables[0]!.dataSync()).toEqual(expectedHead);
    target.dispose();
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('copies a PyTorch-layout .safetensors state dict', async () => {
    const source = createBackbone({ ...options, seed: 5 });
    await writeSafetensors(join(work, 'b.safetensors'), await exportStateDict(source));
    const expected = snapshot(source);
    source.dispose();
    const target = createBackbone({ ...options, seed: 6 });
    const head = createHead({ type: 'arcface' }, { numClasses: 4, embeddingDim: 8, seed: 6 });
    await initialiseWeights({ from: join(work, 'b.safetensors'), head: false }, target, head);
    expect(snapshot(target)).toEqual(expected);
    target.dispose();
    head.dispose();
  });

  it('names the first tensor of another shape and assigns nothing', async () => {
    const wide = createBackbone({ ...options, embeddingDim: 12, seed: 1 });
    await saveCheckpoint(join(work, 'wide'), wide);
    wide.dispose();
    const target = createBackbone({ ...options, seed: 2 });
    const head = createHead({ type: 'arcface' }, { numClasses: 4, embeddingDim: 8, seed: 2 });
    const original = snapshot(target);
    const before = tf.memory().numTensors;
    const failure = initialiseWeights({ from: join(work, 'wide'), head: false }, target, head);
    await expect(failure).rejects.toThrow(ShapeMismatchError);
    await expect(failure).rejects.toThrow(
      /wide: fc\.weight is \[\d+, 12\] but the backbone needs \[\d+, 8\]/,
    );
    expect(snapshot(target)).toEqual(original);
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
    head.dispose();
  });
});

describe('initialiseWeights with grow', () => {
  it('starts a longer embedding from a narrower checkpoint: its first outputs are the old model', async () => {
    const before = tf.memory().numTensors;
    const narrow = createBackbone({ ...options, seed: 3 });
    await saveCheckpoint(join(work, 'narrow'), narrow);
    const target = createBackbone({ ...options, embeddingDim: 12, seed: 4 });
    const head = createHead({ type: 'arcface' }, { numClasses: 4, embeddingDim: 12, seed: 4 });
    const fresh = snapshot(target);
    await initialiseWeights({ from: join(work, 'narrow'), head: false, grow: true }, target, head);
    // Hand-derived: the grown backbone's first 8 outputs are the narrow backbone's embedding, since
    // every tensor up to the embedding layer is the same and its first 8 columns are copied.
    const images = tf.randomUniform([3, 16, 16, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
    const old = narrow.embed(images);
    const grown = target.embed(images);
    const oldValues = old.arraySync();
    const grownValues = grown.arraySync();
    for (let row = 0; row < 3; row++)
      for (let k = 0; k < 8; k++) expect(grownValues[row]![k]).toBeCloseTo(oldValues[row]![k]!, 5);
    // The other 4 columns of the embedding layer keep their fresh values.
    const weight = target.tensors.get('fc.weight')!;
    const [inputs, outputs] = weight.shape as [number, number];
    expect(outputs).toBe(12);
    const grownWeight = weight.dataSync();
    const freshWeight = fresh.get('fc.weight')!;
    const narrowWeight = narrow.tensors.get('fc.weight')!.dataSync();
    for (let i = 0; i < inputs; i++)
      for (let k = 0; k < 12; k++)
        expect(grownWeight[i * 12 + k]).toBe(
          k < 8 ? narrowWeight[i * 8 + k] : freshWeight[i * 12 + k],
        );
    tf.dispose([images, old, grown]);
    target.dispose();
    head.dispose();
    narrow.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('still refuses a checkpoint larger in some dimension, naming the tensor', async () => {
    const target = createBackbone({ ...options, seed: 2 });
    const head = createHead({ type: 'arcface' }, { numClasses: 4, embeddingDim: 8, seed: 2 });
    const failure = initialiseWeights(
      { from: join(work, 'wide'), head: false, grow: true },
      target,
      head,
    );
    await expect(failure).rejects.toThrow(
      /wide: fc\.weight is \[\d+, 12\] but the backbone needs \[\d+, 8\].*init\.grow/,
    );
    target.dispose();
    head.dispose();
  });
});

describe('bct train --init', () => {
  const config = {
    data: { type: 'synthetic', classes: 4, imagesPerClass: 8, height: 16, width: 16, channels: 1 },
    backbone: options,
    head: { type: 'arcface', scale: 16 },
    batchSize: 8,
    epochs: 1,
    workers: 0,
  };

  it('starts from a checkpoint, and refuses one that does not fit before creating the run', async () => {
    await writeFile(join(work, 'config.json'), JSON.stringify(config));
    const old = await bct(
      'train',
      '--config',
      join(work, 'config.json'),
      '--out',
      join(work, 'old'),
    );
    expect(old.code).toBe(0);
    const fresh = await bct(
      'train',
      '--config',
      join(work, 'config.json'),
      '--init',
      join(work, 'old', 'checkpoint'),
      '--init-head',
      '--out',
      join(work, 'new'),
    );
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain(`"from": "${join(work, 'old', 'checkpoint')}"`);
    const bad = await bct(
      'train',
      '--config',
      join(work, 'config.json'),
      '--init',
      join(work, 'wide'),
      '--out',
      join(work, 'refused'),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/fc\.weight is \[\d+, 12\] but the backbone needs/);
    expect(await readdir(work)).not.toContain('refused');
    expect(
      (
        await bct(
          'train',
          '--config',
          join(work, 'config.json'),
          '--init-head',
          '--out',
          join(work, 'x'),
        )
      ).code,
    ).toBe(2);
  });

  it('grows a longer embedding from the old checkpoint with --init-grow, and needs --init for it', async () => {
    // A 16-d model started from the 8-d old one, with or without --init-grow.
    const fromOld = (...flags: string[]) =>
      bct(
        'train',
        '--config',
        join(work, 'config.json'),
        '--set',
        'backbone.embeddingDim=16',
        '--init',
        join(work, 'old', 'checkpoint'),
        ...flags,
      );
    const longer = await fromOld('--init-grow', '--out', join(work, 'grown'));
    expect(longer.code, longer.stderr).toBe(0);
    expect(longer.stdout).toMatch(/"grow": true/);
    const refused = await fromOld('--out', join(work, 'not-grown'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/fc\.weight is \[\d+, 8\] but the backbone needs \[\d+, 16\]/);
    const alone = await bct(
      'train',
      '--config',
      join(work, 'config.json'),
      '--init-grow',
      '--out',
      join(work, 'y'),
    );
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--init-grow/);
  });
});
