import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAddon, explainBuildFailure, loadAddon } from './index.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-native-build-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('explainBuildFailure', () => {
  it("tries the add-on's causes first, then the shared ones, then quotes node-gyp", () => {
    const causes = [[/cblas\.h: No such file/, 'OpenBLAS headers not found']] as const;
    expect(explainBuildFailure('kernels.c:3:10: fatal error: cblas.h: No such file', causes)).toBe(
      'OpenBLAS headers not found',
    );
    expect(explainBuildFailure('gyp: node_api.h: No such file or directory', causes)).toBe(
      "Node's headers not found",
    );
    expect(explainBuildFailure('/bin/sh: 1: make: not found')).toBe(
      'no C toolchain (cc, make, python3) for node-gyp',
    );
    // node-gyp names common.gypi in its info lines on every build: a compile error after them is
    // not a headers problem.
    expect(
      explainBuildFailure(
        "gyp info spawn args [ '-I', '/usr/include/node/common.gypi' ]\nkernels.c:9: error: expected ';'",
      ),
    ).toBe(
      "node-gyp failed: gyp info spawn args [ '-I', '/usr/include/node/common.gypi' ] | kernels.c:9: error: expected ';'",
    );
    expect(explainBuildFailure('one\ntwo\nthree\nfour\n')).toBe(
      'node-gyp failed: two | three | four',
    );
  });
});

describe('buildAddon and loadAddon', () => {
  it('records why a build failed, and the loader reports that reason', async () => {
    const root = join(work, 'broken');
    await mkdir(root);
    // A binding.gyp naming a source that does not exist: node-gyp fails, the install does not.
    await writeFile(
      join(root, 'binding.gyp'),
      JSON.stringify({ targets: [{ target_name: 'x', sources: ['missing.c'] }] }),
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const status = buildAddon({
      packageRoot: root,
      name: '@bctkit/example',
      built: 'built',
      fallback: 'bctkit keeps its JavaScript',
      causes: [[/missing\.o/, 'the source file is missing']],
    });
    warn.mockRestore();
    expect(status).toEqual({ built: false, reason: 'the source file is missing' });
    expect(JSON.parse(await readFile(join(root, 'build', 'status.json'), 'utf8'))).toEqual(status);
    expect(loadAddon({ packageRoot: root, binary: 'x.node' })).toEqual({
      binding: undefined,
      reason: 'the source file is missing',
    });
  });

  it('says so when no build ran, or the binary does not load', async () => {
    const root = join(work, 'never-built');
    await mkdir(join(root, 'build', 'Release'), { recursive: true });
    expect(loadAddon({ packageRoot: root, binary: 'x.node' }).reason).toBe(
      'not built (its install script did not run)',
    );
    await writeFile(join(root, 'build', 'Release', 'x.node'), 'not a shared object');
    let called = false;
    const loaded = loadAddon({
      packageRoot: root,
      binary: 'x.node',
      beforeLoad: () => {
        called = true;
      },
    });
    expect(called).toBe(true);
    expect(loaded.binding).toBeUndefined();
    expect(loaded.reason).toMatch(/^the built add-on does not load: /);
  });
});
