import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import expected from '../../../metrics/src/fixtures/ijbc/expected.json' with { type: 'json' };
import { runBct as bct } from '../testing/run-bct.js';

const fixtures = fileURLToPath(new URL('../../../metrics/src/fixtures/ijbc/', import.meta.url));
const args = [
  'eval',
  'ijbc',
  '--meta',
  join(fixtures, 'meta'),
  '--features',
  join(fixtures, 'new.npy'),
];

describe('bct eval ijbc', () => {
  it('--json gives self, cross and old as the numpy reference does', async () => {
    const { code, stdout } = await bct(
      ...args,
      '--old-features',
      join(fixtures, 'old.npy'),
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    for (const test of ['self', 'cross', 'old'] as const) {
      expect(report.tests[test].tar).toEqual(expected.detectorScore.tests[test].tar);
    }
  });

  it('--no-detector-score changes the aggregation', async () => {
    const { stdout } = await bct(...args, '--no-detector-score', '--json');
    expect(JSON.parse(stdout).tests.self.tar).toEqual(expected.noDetectorScore.tests.self.tar);
  });

  it('prints a table with the compatibility verdict', async () => {
    const { code, stdout } = await bct(...args, '--old-features', join(fixtures, 'old.npy'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^test\s+1e-6\s+1e-5\s+1e-4\s+1e-3\s+1e-2\s+1e-1\s+AUC$/m);
    expect(stdout).toMatch(
      /^self\s+40\.00\s+40\.00\s+40\.00\s+77\.78\s+97\.78\s+100\.00\s+99\.84$/m,
    );
    expect(stdout).toContain('compatibility at FAR 1e-4: cross 10.00 > old/old 7.78 (compatible)');
  });

  it('exits 1 naming the file when features do not match the meta', async () => {
    const { code, stderr } = await bct(
      'eval',
      'ijbc',
      '--meta',
      join(fixtures, 'meta'),
      '--features',
      join(fixtures, 'meta', 'ijbc_face_tid_mid.txt'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/ijbc_face_tid_mid\.txt.*not a \.npy file/);
  });

  it('--identification adds 1:N (rank-k, TPIR) for self and cross', async () => {
    const { code, stdout } = await bct(
      ...args,
      '--old-features',
      join(fixtures, 'old.npy'),
      '--identification',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.identification.self.rank).toEqual(expected.identification.self.rank);
    expect(report.identification.cross.rank).toEqual(expected.identification.cross.rank);
    const table = await bct(...args, '--identification');
    expect(table.stdout).toMatch(/^test\s+rank-1\s+rank-5\s+rank-10\s+TPIR@0\.0001/m);
    expect(table.stdout).toMatch(/^self\s+96\.67\s+100\.00\s+100\.00/m);
  });

  it('--report writes the compatibility report beside the JSON on stdout', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'bctkit-eval-report-'));
    const directory = join(parent, 'report');
    try {
      const { code, stdout } = await bct(
        ...args,
        '--old-features',
        join(fixtures, 'old.npy'),
        '--report',
        directory,
        '--json',
      );
      expect(code).toBe(0);
      expect(JSON.parse(stdout).tests.self.curve).toBeUndefined();
      const report = JSON.parse(await readFile(join(directory, 'report.json'), 'utf8'));
      expect(report.criterion.metric).toBe('TAR@1e-4');
      expect(report.criterion.cross).toBe(expected.detectorScore.tests.cross.tar['1e-4']);
      expect(report.curves.self.fpr.length).toBe(121);
      for (const file of ['report.md', 'report.html', 'plot.svg', 'plot.png'])
        expect((await readFile(join(directory, file))).length, file).toBeGreaterThan(100);
      // The report is written whole into a temporary folder, renamed: nothing else is left.
      expect(await readdir(parent)).toEqual(['report']);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
