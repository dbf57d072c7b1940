import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
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

describe('bct data pack of face folders', () => {
  /** A binary PGM (P5) of `width` x `height` grey pixels. */
  const pgm = (width: number, height: number, seed: number) =>
    Buffer.concat([
      Buffer.from(`P5\n# test face\n${width} ${height}\n255\n`),
      Buffer.from(Uint8Array.from({ length: width * height }, (_, i) => (i * seed) % 256)),
    ]);

  it('packs greyscale PGM faces of any size, resized, with an identity list and a minimum', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bctkit-cli-faces-'));
    const root = join(work, 'faces');
    // s1: 3 images, s2: 2 images, s3: 3 images (ORL-like 23x28 PGMs), and a stray text file.
    for (const [name, count] of [
      ['s1', 3],
      ['s2', 2],
      ['s3', 3],
    ] as const) {
      await mkdir(join(root, name), { recursive: true });
      for (let i = 1; i <= count; i++)
        await writeFile(join(root, name, `${i}.pgm`), pgm(23, 28, i + name.length));
    }
    await writeFile(join(root, 's1', 'notes.txt'), 'not an image');
    // LFW's people-file layout: a count line, then name<TAB>images.
    await writeFile(join(work, 'people.txt'), '2\ns1\t3\ns2\t2\n');
    const packed = await bct(
      'data',
      'pack',
      root,
      '--out',
      join(work, 'out', 'train'),
      '--size',
      '16x12',
      '--channels',
      '3',
      '--identities',
      join(work, 'people.txt'),
      '--min-images',
      '3',
    );
    expect(packed.stderr).not.toMatch(/Error|at /);
    expect(packed.code).toBe(0);
    expect(packed.stdout).toContain('packed 3 images of 1 classes, 16x12, into');
    expect(packed.stdout).toContain('3 images decoded and stored as PNG (resized to 16x12) (RGB)');
    const inspected = JSON.parse(
      (await bct('data', 'inspect', join(work, 'out', 'train.rec'), '--json')).stdout,
    );
    expect(inspected).toMatchObject({
      images: 3,
      numClasses: 1,
      firstImage: { format: 'png', width: 12, height: 16 },
    });
  });

  it('names the list file and the absent identity, and writes nothing', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bctkit-cli-faces-'));
    await mkdir(join(work, 'faces', 'a'), { recursive: true });
    await writeFile(join(work, 'faces', 'a', '1.pgm'), pgm(8, 8, 3));
    await writeFile(join(work, 'list.txt'), 'a\nNobody_Here\n');
    const out = join(work, 'out', 'train');
    const run = await bct(
      'data',
      'pack',
      join(work, 'faces'),
      '--out',
      out,
      '--identities',
      join(work, 'list.txt'),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /list\.txt: 1 listed identity is not a folder of .*faces: Nobody_Here/,
    );
    expect(await readdir(work)).toEqual(['faces', 'list.txt']);
    const skipped = await bct(
      'data',
      'pack',
      join(work, 'faces'),
      '--out',
      out,
      '--identities',
      join(work, 'list.txt'),
      '--skip-missing',
    );
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('packed 1 images of 1 classes, 8x8');
  });

  it('names a PGM that does not decode', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bctkit-cli-faces-'));
    await mkdir(join(work, 'faces', 'a'), { recursive: true });
    await writeFile(join(work, 'faces', 'a', '1.pgm'), pgm(8, 8, 3).subarray(0, 30));
    const run = await bct('data', 'pack', join(work, 'faces'), '--out', join(work, 'out', 'train'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /a\/1\.pgm \(record 0\): image at dataset index 0 cannot be decoded \(the PGM\/PPM data is truncated/,
    );
  });
});
