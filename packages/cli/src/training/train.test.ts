import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAdapter } from '@bctkit/adapters';
import { InvalidConfigError, writeNpy } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from './train.js';
import type { TrainConfigInput } from './train-config.js';

const config: TrainConfigInput = {
  data: { type: 'synthetic', classes: 4, imagesPerClass: 8, height: 16, width: 16, channels: 1 },
  backbone: {
    type: 'iresnet-18',
    inputSize: 16,
    widthMultiplier: 1 / 16,
    embeddingDim: 8,
    inputChannels: 1,
  },
  head: { type: 'arcface', scale: 16 },
  optimizer: { learningRate: 0.05 },
  batchSize: 8,
  epochs: 2,
  seed: 3,
  workers: 0,
  checkpointEvery: 3,
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-train-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('train', () => {
  it('logs every step, checkpoints, and a killed run resumes to the same weights bit for bit', async () => {
    const straight = await train(config, { out: join(work, 'straight') });
    expect(straight.steps).toBe(8); // 32 images / 8 per batch x 2 epochs
    const log = (await readFile(join(work, 'straight', 'train.jsonl'), 'utf8')).trim().split('\n');
    expect(log).toHaveLength(8);
    const first = JSON.parse(log[0]!);
    expect(first).toMatchObject({ step: 1, totalSteps: 8, epoch: 0 });
    expect(Number.isFinite(first.loss)).toBe(true);
    const events = await readdir(join(work, 'straight', 'tensorboard'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
    // file-version record plus one record per step
    const eventBytes = await readFile(join(work, 'straight', 'tensorboard', events[0]!));
    let records = 0;
    for (let offset = 0; offset < eventBytes.length; records++)
      offset += 16 + Number(eventBytes.readBigUInt64LE(offset));
    expect(records).toBe(9);

    // Interrupted after 3 steps (mid-epoch), then resumed twice.
    const out = join(work, 'resumed');
    const part1 = await train(config, { out, maxSteps: 3 });
    expect(part1.steps).toBe(3);
    part1.backbone.dispose();
    part1.head.dispose();
    const part2 = await train(config, { out, resume: true, maxSteps: 2 });
    expect(part2.steps).toBe(5);
    part2.backbone.dispose();
    part2.head.dispose();
    const resumed = await train(config, { out, resume: true });
    expect(resumed.steps).toBe(8);
    for (const [name, variable] of straight.backbone.tensors) {
      const other = resumed.backbone.tensors.get(name)!;
      expect(
        Buffer.from(other.dataSync().buffer).equals(Buffer.from(variable.dataSync().buffer)),
        name,
      ).toBe(true);
    }
    expect([...resumed.head.weight.dataSync()]).toEqual([...straight.head.weight.dataSync()]);
    for (const result of [straight, resumed]) {
      result.backbone.dispose();
      result.head.dispose();
    }
  });

  it('UniBCT refines its prototypes at its epochs, and a run resumed after a refinement keeps them', async () => {
    const random = (rows: number, cols: number, seed: number) => ({
      data: Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(seed * 1000 + i * 7.3)),
      rows,
      cols,
    });
    const oldFeatures = join(work, 'uni-old.npy');
    const prototypes = join(work, 'uni-prototypes.npy');
    await writeNpy(oldFeatures, random(32, 8, 1));
    await writeNpy(prototypes, random(4, 8, 2));
    const uni = (refreshEpochs: number[]): TrainConfigInput => ({
      ...config,
      epochs: 3,
      loss: { type: 'unibct', startEpoch: 0, refreshEpochs },
      oldFeatures,
      prototypes,
    });
    const straight = await train(uni([1, 2]), { out: join(work, 'uni-straight') });
    const frozen = await train(uni([]), { out: join(work, 'uni-frozen') });
    // The refinement changes the training: without it the weights end elsewhere.
    expect([...frozen.head.weight.dataSync()]).not.toEqual([...straight.head.weight.dataSync()]);
    // Stopped in epoch 1, after its refinement (4 steps per epoch), then resumed.
    const out = join(work, 'uni-resumed');
    const part = await train(uni([1, 2]), { out, maxSteps: 6 });
    part.backbone.dispose();
    part.head.dispose();
    const resumed = await train(uni([1, 2]), { out, resume: true });
    expect(resumed.steps).toBe(12);
    expect([...resumed.head.weight.dataSync()]).toEqual([...straight.head.weight.dataSync()]);
    for (const [name, variable] of straight.backbone.tensors) {
      expect([...resumed.backbone.tensors.get(name)!.dataSync()], name).toEqual([
        ...variable.dataSync(),
      ]);
    }
    for (const result of [straight, frozen, resumed]) {
      result.backbone.dispose();
      result.head.dispose();
    }
  });

  it('an aborted run (Ctrl-C in bct train) finishes its step, checkpoints, and resumes exactly', async () => {
    const straight = await train(config, { out: join(work, 'abort-straight') });
    const out = join(work, 'aborted');
    const stop = new AbortController();
    const stopped = await train(config, {
      out,
      signal: stop.signal,
      onStep: (report) => {
        if (report.step === 3) stop.abort();
      },
    });
    expect(stopped.interrupted).toBe(true);
    expect(stopped.steps).toBe(3);
    stopped.backbone.dispose();
    stopped.head.dispose();
    const resumed = await train(config, { out, resume: true });
    expect(resumed.interrupted).toBeUndefined();
    expect(resumed.steps).toBe(8);
    expect([...resumed.head.weight.dataSync()]).toEqual([...straight.head.weight.dataSync()]);
    for (const result of [straight, resumed]) {
      result.backbone.dispose();
      result.head.dispose();
    }
  });

  it('BT²: a new model wider than the old trains through its basis transformation, resumes with it, and leaves its query map as an adapter', async () => {
    const prototypes = join(work, 'bt2-prototypes.npy');
    await writeNpy(prototypes, {
      data: Float32Array.from({ length: 4 * 5 }, (_, i) => Math.cos(i * 1.7)),
      rows: 4,
      cols: 5,
    });
    const bt2: TrainConfigInput = { ...config, loss: { type: 'bt2', scale: 8 }, prototypes };
    const straight = await train(bt2, { out: join(work, 'bt2-straight') });
    expect(straight.queryAdapter).toBe(join(work, 'bt2-straight', 'query-adapter.json'));
    const adapter = await readAdapter(straight.queryAdapter!);
    expect(adapter).toMatchObject({ method: 'affine', role: 'query', fromDim: 8, toDim: 5 });
    // Orthonormal columns (hand-derived property of rows of an orthonormal B).
    const w = adapter.parameters.w!.data;
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        let dot = 0;
        for (let k = 0; k < 8; k++) dot += w[k * 5 + i]! * w[k * 5 + j]!;
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-5);
      }
    // The reflections are checkpointed with the model: a resumed run ends with the same map.
    const out = join(work, 'bt2-resumed');
    const part = await train(bt2, { out, maxSteps: 3 });
    part.backbone.dispose();
    part.head.dispose();
    const resumed = await train(bt2, { out, resume: true });
    const again = await readAdapter(resumed.queryAdapter!);
    expect([...again.parameters.w!.data]).toEqual([...w]);
    for (const result of [straight, resumed]) {
      result.backbone.dispose();
      result.head.dispose();
    }
    // Another method still refuses prototypes narrower than the embedding.
    await expect(
      train({ ...bt2, loss: { type: 'bct' } }, { out: join(work, 'bct-narrow') }),
    ).rejects.toThrow(/bt2-prototypes.npy holds 5-dimensional rows but the model embeds into 8/);
  });

  it('refuses old features of another dimension before training, naming the fix', async () => {
    const features = join(work, 'wrong-dim.npy');
    await writeNpy(features, { data: new Float32Array(32 * 5), rows: 32, cols: 5 });
    await expect(
      train(
        { ...config, loss: { type: 'l2' }, oldFeatures: features },
        { out: join(work, 'wrong-dim') },
      ),
    ).rejects.toThrow(
      /config.oldFeatures: .*wrong-dim.npy holds 5-dimensional rows but the model embeds into 8/,
    );
  });

  it('calls its callbacks after every step and checkpoint; one can stop the run', async () => {
    const events: string[] = [];
    const stop = new AbortController();
    const result = await train(config, {
      out: join(work, 'callbacks'),
      signal: stop.signal,
      callbacks: [
        {
          onStep: (report) => {
            events.push(`step ${report.step}`);
            if (report.step === 4) stop.abort(); // e.g. early stopping on a metric
          },
          onCheckpoint: (step) => {
            events.push(`checkpoint ${step}`);
          },
        },
      ],
    });
    // checkpointEvery 3, 4 batches per epoch: a checkpoint at step 3, then at the epoch's end
    // (step 4), where the stop is seen.
    expect(events).toEqual([
      'step 1',
      'step 2',
      'step 3',
      'checkpoint 3',
      'step 4',
      'checkpoint 4',
    ]);
    expect(result.interrupted).toBe(true);
    expect(result.steps).toBe(4);
    result.backbone.dispose();
    result.head.dispose();
  });

  it('refuses to resume a run with another config, and names a bad config key', async () => {
    const out = join(work, 'mismatch');
    const first = await train(config, { out, maxSteps: 1 });
    first.backbone.dispose();
    first.head.dispose();
    await expect(train({ ...config, seed: 4 }, { out, resume: true })).rejects.toThrow(
      /started with a different config/,
    );
    await expect(
      train({ ...config, batchsize: 4 } as TrainConfigInput, { out: join(work, 'typo') }),
    ).rejects.toThrow(InvalidConfigError);
  });
});
