import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuKernelStatus, installCpuKernels, uninstallCpuKernels } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StepReport, train } from './train.js';
import type { TrainConfigInput } from './train-config.js';

const config: TrainConfigInput = {
  data: { type: 'synthetic', classes: 4, imagesPerClass: 8, height: 20, width: 20, channels: 3 },
  backbone: { type: 'iresnet-18', inputSize: 20, widthMultiplier: 1 / 16, embeddingDim: 8 },
  head: { type: 'arcface', scale: 16 },
  optimizer: { learningRate: 0.05 },
  batchSize: 8,
  epochs: 2,
  seed: 5,
  workers: 0,
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-parity-'));
});
afterAll(async () => {
  uninstallCpuKernels();
  await rm(work, { recursive: true, force: true });
});

/** The loss of every step of a short run with the kernels installed now. */
async function losses(name: string): Promise<number[]> {
  const reports: StepReport[] = [];
  const result = await train(config, {
    out: join(work, name),
    onStep: (report) => reports.push(report),
  });
  result.backbone.dispose();
  result.head.dispose();
  return reports.map((report) => report.loss);
}

describe('training with bctkit kernels follows the same loss trajectory as tfjs own kernels', () => {
  it('tfjs kernels, bctkit JavaScript kernels and (when built) native kernels', async () => {
    uninstallCpuKernels();
    const reference = await losses('tfjs');
    expect(reference).toHaveLength(8);
    installCpuKernels({ native: false });
    expect(cpuKernelStatus().native).toEqual([]);
    expectAllClose(await losses('javascript'), reference, {
      rtol: 1e-4,
      atol: 1e-5,
      message: 'JavaScript kernels',
    });
    installCpuKernels();
    if (cpuKernelStatus().native.length > 0) {
      expectAllClose(await losses('native'), reference, {
        rtol: 1e-4,
        atol: 1e-5,
        message: 'native kernels',
      });
    } else {
      expect(process.env.BCTKIT_EXPECT_NATIVE_KERNELS).not.toBe('1');
    }
  });
});
