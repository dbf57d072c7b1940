import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackbone } from '../builtins.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';

// A disk that fills up: the n-th atomic write from now on fails as a full disk does, after the
// real helper has started (so a temporary file may be left half-written, as on a real full disk).
const failure = vi.hoisted(() => ({ failAt: -1, writes: 0 }));
vi.mock('@bctkit/tensor-ops', async (original) => {
  const actual = await original<typeof import('@bctkit/tensor-ops')>();
  return {
    ...actual,
    writeFileAtomic: async (...args: Parameters<typeof actual.writeFileAtomic>) => {
      if (failure.writes++ === failure.failAt) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
        });
      }
      return actual.writeFileAtomic(...args);
    },
  };
});

const config = {
  type: 'iresnet-18',
  inputSize: 16,
  widthMultiplier: 0.125,
  embeddingDim: 8,
  inputChannels: 1,
} as const;

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'bctkit-disk-full-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('a checkpoint write that runs out of disk', () => {
  it.each([
    ['the weights file', 0],
    ['model.json', 1],
  ])('failing at %s leaves the previous checkpoint loadable and unchanged', async (_, at) => {
    const path = join(directory, `run-${at}`);
    const first = createBackbone({ ...config, seed: 1 });
    await saveCheckpoint(path, first, { step: 1 });
    const second = createBackbone({ ...config, seed: 2 });
    failure.writes = 0;
    failure.failAt = at;
    await expect(saveCheckpoint(path, second, { step: 2 })).rejects.toThrow(/ENOSPC/);
    failure.failAt = -1;
    const loaded = await loadCheckpoint(path);
    expect(loaded.metadata.step).toBe(1);
    for (const [name, variable] of first.tensors) {
      expect([...loaded.backbone.tensors.get(name)!.dataSync()], name).toEqual([
        ...variable.dataSync(),
      ]);
    }
    // The next successful save still works and tidies up.
    await saveCheckpoint(path, second, { step: 3 });
    expect((await loadCheckpoint(path)).metadata.step).toBe(3);
    expect((await readdir(path)).filter((file) => file.endsWith('.bin'))).toHaveLength(1);
    for (const model of [first, second, loaded.backbone]) model.dispose();
    tf.disposeVariables();
  });
});
