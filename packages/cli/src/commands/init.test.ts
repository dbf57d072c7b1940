import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '@bctkit/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { starterBatchSize, starterInputSize } from '../pipelines/starter-config.js';
import { runBct as bct } from '../testing/run-bct.js';
import { trainConfigSchema } from '../training/train-config.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-init-'));
  // 3 classes of 5 RGB images, 80x96 (height x width).
  for (let label = 0; label < 3; label++) {
    await mkdir(join(work, 'images', `class-${label}`), { recursive: true });
    for (let index = 0; index < 5; index++) {
      const pixels = Uint8Array.from({ length: 80 * 96 * 3 }, (_, i) => (i + index + label) % 256);
      await writeFile(
        join(work, 'images', `class-${label}`, `${index}.png`),
        encodePng(pixels, 96, 80, 3),
      );
    }
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('starter config sizes', () => {
  it('takes the smaller side up to 56 pixels, never upscaling', () => {
    expect(starterInputSize([250, 250, 3])).toBe(56);
    expect(starterInputSize([112, 112, 3])).toBe(56);
    expect(starterInputSize([28, 28, 1])).toBe(28);
    expect(starterInputSize([40, 60, 3])).toBe(40);
  });
  it('batches 64 images, or half of a small set', () => {
    expect(starterBatchSize(4000)).toBe(64);
    expect(starterBatchSize(100)).toBe(50);
    expect(starterBatchSize(15)).toBe(7);
    expect(starterBatchSize(3)).toBe(2);
  });
});

describe('bct init', () => {
  it('writes a commented YAML config that bct train accepts', async () => {
    const out = join(work, 'configs', 'old.yaml');
    const { code, stdout } = await bct('init', '--data', join(work, 'images'), '--out', out);
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${out}`);
    const text = await readFile(out, 'utf8');
    expect(text).toContain('# The training images: 15 images of 3 classes, the first 80x96 RGB.');
    expect(text).toContain('80x96 -> 56x56');
    const config = trainConfigSchema.parse(parse(text));
    expect(config.data).toEqual({ type: 'image-folder', root: join(work, 'images') });
    expect(config.backbone).toMatchObject({
      type: 'iresnet-18',
      inputSize: 56,
      inputChannels: 3,
    });
    expect(config.loss).toEqual({ type: 'none' });
    expect(config.batchSize).toBe(7);
  });

  it('refuses a non-YAML name and an existing config', async () => {
    const json = await bct('init', '--data', join(work, 'images'), '--out', join(work, 'a.json'));
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--out: the starter config is YAML with comments/);
    const out = join(work, 'exists.yaml');
    await writeFile(out, 'keep me\n');
    const again = await bct('init', '--data', join(work, 'images'), '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists\.yaml already exists/);
    expect(await readFile(out, 'utf8')).toBe('keep me\n');
  });
});
