import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltIsCurrent, builtBin } from '../testing/built-cli.js';
import cases from './bad-input-cases.json' with { type: 'json' };
import { writeBadInputFixtures } from './bad-input-fixtures.js';

/** One row of the bad-input matrix (`bad-input-cases.json`, also the docs' list of checks). */
interface BadInputCase {
  readonly id: string;
  /** The command, for the docs. */
  readonly command: string;
  /** What is wrong, in words. */
  readonly problem: string;
  /** `bct`'s arguments; `{w}` is the fixtures folder, `{o}` this case's output folder. */
  readonly args: readonly string[];
  readonly exit: number;
  /** What stderr must say (a regular expression, with the same placeholders). */
  readonly stderr: string;
  /** Outputs that exist before the run (a trailing `/` for folders) and must not change. */
  readonly existing?: readonly string[];
  /** Entries of `{o}` the run may leave (a diverged training run keeps its log). */
  readonly leaves?: readonly string[];
  /** Run under `ulimit -f` with this many KiB. */
  readonly fileSizeLimitKiB?: number;
  /** Run with `{o}` on a 16 KiB (`full`) or a read-only tmpfs (root only). */
  readonly mount?: 'full' | 'read-only';
}

const ijbc = fileURLToPath(new URL('../../../metrics/src/fixtures/ijbc', import.meta.url));
const STACK_LINE = /^\s+at\s.+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;
// tmpfs mounts need root and a private mount namespace (unshare), as CI has.
const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

let work: string;
let outputs: string;
let fixturesBefore: Map<string, string>;

/** Every file and folder under `root` with a hash of each file, for before/after comparisons. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (directory: string) => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        entries.set(relative(root, path), 'dir');
        await walk(path);
      } else {
        entries.set(
          relative(root, path),
          createHash('sha1')
            .update(await readFile(path))
            .digest('hex'),
        );
      }
    }
  };
  await walk(root);
  return entries;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function fill(text: string, out: string): string {
  return text.replaceAll('{w}', work).replaceAll('{o}', out).replaceAll('{ijbc}', ijbc);
}
function fillPattern(pattern: string, out: string): RegExp {
  // Placeholders stand for paths, matched literally.
  return new RegExp(
    pattern
      .replaceAll('{w}', escapeRegExp(work))
      .replaceAll('{o}', escapeRegExp(out))
      .replaceAll('{ijbc}', escapeRegExp(ijbc)),
  );
}

/** Runs the built `bct` as the case asks; resolves with its exit code and output. */
function runCase(
  testCase: BadInputCase,
  out: string,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const args = testCase.args.map((arg) => fill(arg, out));
  let command = process.execPath;
  let argv = [builtBin, ...args];
  if (testCase.fileSizeLimitKiB !== undefined) {
    command = 'bash';
    argv = [
      '-c',
      `ulimit -f ${testCase.fileSizeLimitKiB}; exec "$@"`,
      'bash',
      process.execPath,
      ...argv,
    ];
  }
  if (testCase.mount !== undefined) {
    const options = testCase.mount === 'full' ? 'size=16k' : 'ro';
    command = 'unshare';
    argv = [
      '-m',
      '--propagation',
      'private',
      'bash',
      '-c',
      'o="$1"; listing="$2"; mount -t tmpfs -o "$3" tmpfs "$o" || exit 99; shift 3; "$@"; code=$?; ls -A "$o" > "$listing"; exit $code',
      'bash',
      out,
      `${out}.listing`,
      options,
      process.execPath,
      ...argv,
    ];
  }
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

beforeAll(async () => {
  await assertBuiltIsCurrent();
  work = await mkdtemp(join(tmpdir(), 'bctkit-bad-input-'));
  outputs = await mkdtemp(join(tmpdir(), 'bctkit-bad-input-out-'));
  await writeBadInputFixtures(work);
  fixturesBefore = await snapshot(work);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(outputs, { recursive: true, force: true });
});

describe('the bad-input matrix: the built bct on damaged files, wrong shapes and arguments, full and read-only disks', () => {
  it('has at least 100 cases, each with a unique id and a known exit code', () => {
    const ids = (cases as BadInputCase[]).map((testCase) => testCase.id);
    expect(ids.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ids).size).toBe(ids.length);
    for (const testCase of cases as BadInputCase[]) expect([1, 2]).toContain(testCase.exit);
  });

  it.concurrent.each(cases as BadInputCase[])(
    '$id: $problem',
    async (testCase) => {
      if (testCase.mount !== undefined && !canMount) {
        // CI runs as root, where these run; say so rather than pass silently elsewhere.
        if (process.env.CI === 'true') throw new Error('tmpfs cases need root and unshare in CI');
        return;
      }
      const out = join(outputs, testCase.id);
      await mkdir(out);
      for (const entry of testCase.existing ?? []) {
        if (entry.endsWith('/')) {
          await mkdir(join(out, entry), { recursive: true });
          await writeFile(join(out, entry, 'keep.txt'), `kept by ${testCase.id}\n`);
        } else await writeFile(join(out, entry), `existing ${entry} of ${testCase.id}\n`);
      }
      const before = await snapshot(out);
      const run = await runCase(testCase, out);
      const context = `${testCase.id}\n--- stderr\n${run.stderr}`;
      expect(run.signal, context).toBeNull();
      expect(run.code, context).toBe(testCase.exit);
      expect(run.stderr, context).not.toMatch(STACK_LINE);
      expect(run.stderr, context).not.toMatch(/unexpected failure/);
      const pattern = fillPattern(testCase.stderr, out);
      if (testCase.exit === 1) {
        // Bad input: exactly one line of bct's own, naming what is wrong.
        const lines = run.stderr.split('\n').filter((line) => line.startsWith('bct: '));
        expect(lines.length, context).toBe(1);
        expect(lines[0], context).toMatch(pattern);
      } else {
        expect(run.stderr, context).toMatch(pattern);
      }
      // Nothing created or changed: inside the mount, what the listing saw; else the folder.
      if (testCase.mount !== undefined) {
        expect((await readFile(`${out}.listing`, 'utf8')).trim(), context).toBe('');
      } else {
        const after = await snapshot(out);
        for (const left of testCase.leaves ?? [])
          for (const key of after.keys())
            if (key === left || key.startsWith(`${left}/`)) after.delete(key);
        expect(Object.fromEntries(after), context).toEqual(Object.fromEntries(before));
      }
    },
    120_000,
  );

  it('runs 1:N identification from the built CLI (it found no tfjs backend before)', async () => {
    const good = await runCase(
      {
        id: 'identification',
        command: 'bct eval ijbc',
        problem: 'none',
        args: [
          'eval',
          'ijbc',
          '--meta',
          '{ijbc}/meta',
          '--features',
          '{ijbc}/new.npy',
          '--identification',
        ],
        exit: 0,
        stderr: '',
      },
      outputs,
    );
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^self\s+96\.67\s+100\.00\s+100\.00/m);
  });

  it('leaves every input file as it was', async () => {
    // Runs after the cases (vitest runs a file's concurrent tests before the ones after them).
    expect(Object.fromEntries(await snapshot(work))).toEqual(Object.fromEntries(fixturesBefore));
    expect((await stat(work)).isDirectory()).toBe(true);
  });
});
