import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compatibilityLosses, defineCompatibilityLoss, hostLabels } from '@bctkit/losses';
import { type HostMatrix, InvalidConfigError, writeNpy } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtInRegistries } from './registries.js';
import { train } from './train.js';
import type { TrainConfigInput } from './train-config.js';

// A method the trainer has never heard of, declaring two resources of its own: a per-image
// "tag" (each image's class, so that the test can tell whether a batch got its own rows) and a
// per-class table. The trainer must check them, hand `prepare` the matrices and every batch its
// rows of the per-image one, without knowing the method.
const seen: { tags: number[]; labels: number[] }[] = [];
let prepared: { table: HostMatrix | undefined; classes: number } | undefined;

const tagged = defineCompatibilityLoss({
  id: 'tagged',
  specVersion: 1,
  configSchema: z.strictObject({ type: z.literal('tagged') }),
  resources: [
    { key: 'imageTags', description: 'a tag per image (.npy)', rows: 'images', cols: 1 },
    { key: 'classTable', description: 'a row per class (.npy)', rows: 'classes', cols: 'any' },
  ],
  prepare: (resources) => {
    prepared = { table: resources.matrices.get('classTable'), classes: resources.numClasses };
    return { numClasses: resources.numClasses };
  },
  create: (_config, context) => ({
    id: 'tagged',
    trainableVariables: [],
    loss: (inputs, head) => {
      const tags = inputs.resources?.get('imageTags');
      const batch = inputs.embeddings.shape[0];
      seen.push({
        tags: tags === undefined ? [] : [...tags.data],
        labels: [...hostLabels(inputs.labels, batch, context.numClasses)],
      });
      return head.loss(inputs.embeddings, inputs.labels);
    },
    dispose: () => {},
  }),
});

const CLASSES = 4;
const PER_CLASS = 8;
const config = {
  data: {
    type: 'synthetic',
    classes: CLASSES,
    imagesPerClass: PER_CLASS,
    height: 16,
    width: 16,
    channels: 1,
  },
  backbone: {
    type: 'iresnet-18',
    inputSize: 16,
    widthMultiplier: 1 / 16,
    embeddingDim: 8,
    inputChannels: 1,
  },
  head: { type: 'softmax' },
  batchSize: 8,
  epochs: 1,
  seed: 5,
  workers: 0,
  loss: { type: 'tagged' },
} satisfies TrainConfigInput;

let work: string;
let tags: string;
let table: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-resources-'));
  // The synthetic source orders images class by class: image i is of class floor(i / 8).
  tags = join(work, 'tags.npy');
  const data = Float32Array.from({ length: CLASSES * PER_CLASS }, (_, i) =>
    Math.floor(i / PER_CLASS),
  );
  await writeNpy(tags, { data, rows: data.length, cols: 1 });
  table = join(work, 'table.npy');
  await writeNpy(table, { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), rows: 4, cols: 2 });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('train with a method from its own registries', () => {
  it('hands prepare the declared resources and each batch its own rows of the per-image ones', async () => {
    const registries = builtInRegistries();
    registries.losses.register(tagged, './tagged.js');
    const before = tf.memory().numTensors;
    seen.length = 0;
    const result = await train(
      { ...config, resources: { imageTags: tags, classTable: table } },
      { out: join(work, 'run'), registries },
    );
    expect(result.steps).toBe(4);
    expect(prepared?.classes).toBe(CLASSES);
    expect([...(prepared?.table?.data ?? [])]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Each batch of 8 shuffled images got the tags of exactly those images: their classes.
    expect(seen).toHaveLength(4);
    for (const batch of seen) {
      expect(batch.tags).toHaveLength(8);
      expect(batch.tags).toEqual(batch.labels);
    }
    // Shuffled: not every batch is one class.
    expect(seen.some((batch) => new Set(batch.labels).size > 1)).toBe(true);
    result.backbone.dispose();
    result.head.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The process-wide registry never saw it.
    expect(compatibilityLosses.has('tagged')).toBe(false);
  });

  it('refuses, before training, a missing, misnamed, doubled or misshapen resource', async () => {
    const registries = builtInRegistries();
    registries.losses.register(tagged);
    const run = (input: Record<string, unknown>, name: string) =>
      train({ ...config, ...input } as TrainConfigInput, { out: join(work, name), registries });
    await expect(run({ resources: { imageTags: tags } }, 'missing')).rejects.toThrow(
      'config.resources.classTable: tagged needs a row per class (.npy)',
    );
    await expect(
      run({ resources: { imageTags: tags, classTable: table, classTabel: table } }, 'typo'),
    ).rejects.toThrow(
      "config.resources.classTabel: tagged declares no resource 'classTabel' (it declares: 'imageTags', 'classTable'",
    );
    await expect(
      run({ resources: { imageTags: table, classTable: table } }, 'rows'),
    ).rejects.toThrow(
      `config.resources.imageTags: ${table} has 4 rows for 32 training images: it must be index-aligned with the dataset`,
    );
    await expect(
      run({ resources: { imageTags: tags, classTable: tags } }, 'classes'),
    ).rejects.toThrow(`${tags} has 32 rows for 4 classes of the head`);
    // A standard resource given twice: as the shorthand and under resources.
    await expect(
      train(
        {
          ...config,
          loss: { type: 'l2' },
          oldFeatures: tags,
          resources: { oldFeatures: tags },
        },
        { out: join(work, 'twice') },
      ),
    ).rejects.toThrow('config.resources.oldFeatures: given twice: also as config.oldFeatures');
    await expect(run({ resources: { 'old-features': tags } }, 'case')).rejects.toThrow(
      InvalidConfigError,
    );
  });

  it('does not read a standard resource the method does not use, and says so', async () => {
    const notes: string[] = [];
    const result = await train(
      { ...config, loss: { type: 'none' }, oldFeatures: join(work, 'absent.npy') },
      { out: join(work, 'ignored'), onNote: (note) => notes.push(note) },
    );
    expect(notes).toEqual(['config.oldFeatures is not read: none does not use it']);
    result.backbone.dispose();
    result.head.dispose();
  });
});
