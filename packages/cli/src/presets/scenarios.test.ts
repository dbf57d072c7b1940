import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource, packSource } from '@bctkit/datasets';
import { parseConfig } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';
import { trainConfigSchema } from '../training/train-config.js';
import { scenarioConfig, scenarios } from './scenarios.js';

const resolve = (input: Parameters<typeof scenarioConfig>[0]) =>
  parseConfig(trainConfigSchema, scenarioConfig(input), 'config');

describe('MixBCT scenario presets', () => {
  it('has the four scenarios of the paper', () => {
    expect(scenarios.list().map((spec) => spec.id)).toEqual([
      'extended-class',
      'extended-data',
      'open-class',
      'open-data',
    ]);
    expect(scenarios.get('OPclass').id).toBe('open-class');
    expect(() => scenarios.get('extended-clas')).toThrow(/extended-class/);
  });

  it.each([
    ['extended-class', 'class30', 'train.rec'],
    ['extended-data', 'data30', 'train.rec'],
    ['open-class', 'class30', 'class70/train.rec'],
    ['open-data', 'data30', 'data70/train.rec'],
  ])('%s: old model on %s, new model on %s', (id, oldSet, newSet) => {
    const old = resolve({ type: id, stage: 'old', root: 'ms' });
    expect(old.data).toEqual({ type: 'rec', path: join('ms', oldSet, 'train.rec') });
    const fresh = resolve({ type: id, root: 'ms' });
    expect(fresh.data).toEqual({ type: 'rec', path: join('ms', newSet) });
  });

  it('uses the paper hyperparameters', () => {
    const old = resolve({ type: 'extended-class', stage: 'old' });
    expect(old.backbone).toEqual({ type: 'iresnet-18', embeddingDim: 512 });
    expect(old.head).toEqual({ type: 'arcface', scale: 64, margin: 0.5 });
    expect(old.loss).toEqual({ type: 'none' });
    const mix = resolve({ type: 'extended-class' });
    expect(mix.backbone).toEqual({ type: 'iresnet-50', embeddingDim: 512 });
    expect(mix.optimizer).toEqual({
      learningRate: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      clipNorm: 5,
    });
    expect(mix.schedule).toEqual({ type: 'poly', power: 2, warmupEpochs: 0 });
    expect([mix.epochs, mix.batchSize, mix.seed, mix.flip]).toEqual([35, 128, 666, true]);
    const features = join('ms1mv3', 'features', 'extended-class-arcface-512');
    expect(mix.loss).toEqual({ type: 'mixbct' }); // ratio 0.3 by default (bct list losses)
    expect(mix.oldFeatures).toBe(join(features, 'old-features.npy'));
    expect(mix.credible).toBe(join(features, 'credible.npy'));
    expect(mix.prototypes).toBeUndefined();
  });

  it('gives each method the files it needs, and UniBCT its step schedule', () => {
    const uni = resolve({ type: 'open-data', method: 'unibct' });
    expect(uni.schedule).toMatchObject({ type: 'step', milestones: [20, 26, 32] });
    expect(uni.prototypes).toMatch(/prototypes\.npy$/);
    const l2 = resolve({ type: 'open-data', method: 'l2' });
    expect(l2.oldFeatures).toMatch(/old-features\.npy$/);
    expect(l2.credible).toBeUndefined();
    expect(resolve({ type: 'open-data', method: 'lce' }).oldFeatures).toBeDefined();
    expect(resolve({ type: 'open-data', method: 'bct' }).oldFeatures).toBeUndefined();
  });

  it('a softmax old model has 128 dimensions in the class scenarios, 512 in the data ones', () => {
    const classOld = resolve({ type: 'open-class', stage: 'old', oldHead: 'softmax' });
    expect(classOld.head).toEqual({ type: 'softmax' });
    expect(classOld.backbone).toMatchObject({ embeddingDim: 128 });
    expect(resolve({ type: 'open-class', oldHead: 'softmax' }).oldFeatures).toMatch(
      /open-class-softmax-128/,
    );
    expect(resolve({ type: 'open-data', stage: 'old', oldHead: 'softmax' }).backbone).toMatchObject(
      { embeddingDim: 512 },
    );
  });
});

describe('bct train --preset', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bctkit-preset-'));
    const source = await openSource({
      type: 'synthetic',
      classes: 3,
      imagesPerClass: 4,
      height: 16,
      width: 16,
      channels: 3,
    });
    await mkdir(join(root, 'class30'), { recursive: true });
    await packSource(source, join(root, 'class30'), 'train');
    await source.close();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('trains the old model of a scenario, shrunk with --set', async () => {
    const run = await bct(
      'train',
      '--preset',
      'extended-class',
      '--stage',
      'old',
      '--root',
      root,
      '--out',
      join(root, 'old'),
      '--backend',
      'cpu',
      ...['epochs=1', 'batchSize=4', 'workers=0', 'backbone.inputSize=16']
        .concat(['backbone.widthMultiplier=0.0625', 'backbone.embeddingDim=8'])
        .flatMap((item) => ['--set', item]),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/"path": ".*class30\/train\.rec"/);
    expect(run.stdout).toMatch(/trained 3 steps/);
  });

  it('wants a config or a preset, not both', async () => {
    const neither = await bct('train', '--out', join(root, 'x'));
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/--config.*or a scenario \(--preset\)/);
    const unknown = await bct('train', '--preset', 'open-clas', '--out', join(root, 'y'));
    expect(unknown.stderr).toMatch(/open-class/);
  });
});
