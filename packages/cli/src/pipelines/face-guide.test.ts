import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltIsCurrent, builtBin } from '../testing/built-cli.js';
import { FACES_SKIP_REASON, findFaces, REPOSITORY_ROOT } from '../testing/faces.js';

// The "Upgrade a face model" guide, run as written: its shell blocks become one bash script (with
// `bct` the built CLI) and its YAML blocks the config files, at test scale: identities with at
// least 20 photos (46 training, 16 test people), 28x28, one epoch.
const faces = findFaces();
const guide = join(REPOSITORY_ROOT, 'apps', 'docs', 'guide', 'upgrade-a-face-model.md');
let work: string;

/** The fenced blocks of a language, in order. */
function blocks(markdown: string, language: string): string[] {
  const pattern = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...markdown.matchAll(pattern)].map((match) => match[1]!);
}

beforeAll(async () => {
  if (faces === undefined) return;
  await assertBuiltIsCurrent();
  work = await mkdtemp(join(tmpdir(), 'bctkit-face-guide-'));
  await symlink(join(REPOSITORY_ROOT, 'models'), join(work, 'models'));
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe.skipIf(faces === undefined)('the "Upgrade a face model" guide', () => {
  it('runs end to end on a subset of LFW and reports self, cross and old', {
    timeout: 900_000,
  }, async () => {
    const markdown = await readFile(guide, 'utf8');
    for (const block of blocks(markdown, 'yaml')) {
      const name = /^# file: (\S+)/.exec(block)?.[1];
      if (name === undefined) continue;
      const scaled = block
        .replace(/inputSize: 56/g, 'inputSize: 28')
        .replace(/epochs: 10/g, 'epochs: 1');
      await writeFile(join(work, name), scaled);
    }
    const script = blocks(markdown, 'sh')
      .join('\n')
      .replace(/^LFW=.*$/m, `LFW=${join(faces!, 'lfw')}`)
      .replace(/^SIZE=.*$/m, 'SIZE=28')
      .replace(/^MIN=.*$/m, 'MIN=20');
    await writeFile(
      join(work, 'guide.sh'),
      `set -euo pipefail\nbct() { echo "+ bct $*" >&2; "${process.execPath}" "${builtBin}" "$@"; }\n${script}\n`,
    );
    const { stdout, stderr } = await promisify(execFile)('bash', [join(work, 'guide.sh')], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`the guide's script failed:\n${error.stderr.slice(-4000)}`);
    });
    expect(stderr).toContain('+ bct data pack');
    expect(stdout).toContain('packed 2370 images of 46 classes, 28x28');
    // Verification on pairsDevTest (one pair lacks its photo), self / cross / old, three times:
    // the new model, then MobileFaceNet alone.
    expect(stdout).toMatch(
      /pairsDevTest\.txt: 999 pairs, 10-fold accuracy and TAR \(%\), flip-test/,
    );
    expect(stdout).toMatch(/^new \/ old \(cross\)\s+\d+\.\d\d/m);
    expect(stdout).toMatch(/^compatibility: cross/m);
    // 1:N on the 16 held-out people.
    expect(stdout).toMatch(/lfw-test\/train\.rec: 653 images of 16 identities/);
    expect(stdout).toMatch(/^new query \/ old gallery \(cross\)\s+\d+\.\d\d/m);
    expect(stdout).toMatch(/\(fine thresholds\)/);
  });
});

it.skipIf(faces !== undefined)(FACES_SKIP_REASON, () => {});
