import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';

const fixtures = fileURLToPath(new URL('../../../datasets/src/fixtures/', import.meta.url));
const faceRec = join(fixtures, 'face', 'train.rec');
const fashionImages = join(fixtures, 'fashion-mnist', 'train-images-idx3-ubyte.gz');

describe('bct data inspect', () => {
  it('reports the layout, counts, ranges and image info (--json)', async () => {
    const { code, stdout } = await bct('data', 'inspect', faceRec, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      layout: 'insightface',
      records: 10,
      images: 6,
      numClasses: 3,
      classesWithImages: 3,
      labelRange: [0, 2],
      imageKeyRange: [1, 7],
      identityKeyRange: [7, 10],
      property: { numClasses: 3, height: 112, width: 112 },
      firstImage: { format: 'jpeg' },
    });
  });

  it('prints a table, and a clear error for a file that is not RecordIO', async () => {
    expect((await bct('data', 'inspect', faceRec)).stdout).toMatch(/^identity keys\s+\[7, 10\)$/m);
    const bad = await bct('data', 'inspect', fashionImages);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/expected the RecordIO magic 0xced7230a/);
  });
});

describe('bct data pack, split, export', () => {
  it('packs Fashion-MNIST IDX files, splits the result, and exports the images', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bctkit-cli-data-'));
    const packed = await bct(
      'data',
      'pack',
      fashionImages,
      '--out',
      join(work, 'fashion', 'train'),
    );
    expect(packed.stderr).toMatch(/pack: 64\/64 images/);
    expect(packed.code).toBe(0);
    expect(packed.stdout).toContain('packed 64 images of 10 classes');
    const inspected = JSON.parse(
      (await bct('data', 'inspect', join(work, 'fashion', 'train.rec'), '--json')).stdout,
    );
    expect(inspected).toMatchObject({
      images: 64,
      numClasses: 10,
      firstImage: { format: 'png', width: 28, height: 28 },
    });

    const split = await bct(
      'data',
      'split',
      join(work, 'fashion', 'train.rec'),
      '--kind',
      'class',
      '--out',
      join(work, 'splits'),
      '--json',
    );
    expect(split.code).toBe(0);
    const parts = JSON.parse(split.stdout).parts;
    // class split of 10 classes at 0.3: classes 0-2 first, 3-9 relabelled 0-6
    expect(parts.class30.classes).toBe(3);
    expect(parts.class70.classes).toBe(7);
    expect(parts.class30.images + parts.class70.images).toBe(64);
    expect((await readdir(join(work, 'splits'))).sort()).toEqual(['class30', 'class70']);

    const exported = await bct(
      'data',
      'export',
      join(work, 'splits', 'class30', 'train.rec'),
      '--out',
      join(work, 'images'),
    );
    expect(exported.code).toBe(0);
    const classes = (await readdir(join(work, 'images'))).sort();
    expect(classes).toEqual(['0', '1', '2']);
    let files = 0;
    for (const folder of classes) {
      for (const file of await readdir(join(work, 'images', folder))) {
        expect(file).toMatch(/^\d+\.png$/);
        expect([...(await readFile(join(work, 'images', folder, file))).subarray(1, 4)]).toEqual([
          0x50, 0x4e, 0x47,
        ]);
        files += 1;
      }
    }
    expect(files).toBe(parts.class30.images);

    const again = await bct(
      'data',
      'export',
      join(work, 'splits', 'class30', 'train.rec'),
      '--out',
      join(work, 'images'),
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('names both parts of an even split distinctly, and rejects a bad kind or ratio', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bctkit-cli-data-'));
    const even = await bct(
      'data',
      'split',
      faceRec,
      '--kind',
      'data',
      '--ratio',
      '0.5',
      '--out',
      work,
      '--json',
    );
    expect(even.code).toBe(0);
    expect(JSON.parse(even.stdout).parts).toMatchObject({
      'data50-first': { images: 4 },
      'data50-rest': { images: 3 },
    });
    expect(
      (await bct('data', 'split', faceRec, '--kind', 'identity', '--out', work)).stderr,
    ).toContain('--kind: expected class or data');
    expect(
      (await bct('data', 'split', faceRec, '--kind', 'data', '--ratio', '2', '--out', work)).code,
    ).toBe(2);
  });
});
