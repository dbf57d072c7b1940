import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compatibilityLosses } from '@bctkit/losses';
import { DuplicateComponentError } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listComponents } from '../commands/list.js';
import { copyGlobalRegistries } from '../training/registries.js';
import { loadPlugins } from './load-plugins.js';
import { PluginError } from './plugin-error.js';

// Plugins written as their users would: plain ES modules and packages in a scratch directory
// (zod linked into its node_modules). The loss they register reuses a built-in's factory.
const LOSS_MODULE = (id: string) => `
import { z } from 'zod';
export function register(registries) {
  const none = registries.losses.get('none');
  registries.losses.register({
    ...none,
    id: '${id}',
    aliases: [],
    description: 'a test plugin loss',
    configSchema: z.strictObject({ type: z.literal('${id}') }),
  });
}
`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-plugins-'));
  await mkdir(join(work, 'node_modules'));
  await symlink(
    join(import.meta.dirname, '..', '..', 'node_modules', 'zod'),
    join(work, 'node_modules', 'zod'),
  );
  await writeFile(join(work, 'my-loss.mjs'), LOSS_MODULE('my-loss'));
  await writeFile(
    join(work, 'default-export.mjs'),
    `export default { register(r) { r.heads.get('arcface'); } };`,
  );
  await writeFile(join(work, 'nothing.mjs'), 'export const answer = 42;\n');
  await writeFile(
    join(work, 'throws.mjs'),
    "export function register() { throw new TypeError('boom'); }\n",
  );
  await writeFile(join(work, 'clash.mjs'), LOSS_MODULE('MixBCT'));
  const pkg = async (name: string, manifest: Record<string, unknown>) => {
    const directory = join(work, 'node_modules', name);
    await mkdir(directory, { recursive: true });
    await writeFile(
      join(directory, 'package.json'),
      JSON.stringify({
        name,
        version: '1.2.3',
        type: 'module',
        exports: './index.js',
        ...manifest,
      }),
    );
    await writeFile(join(directory, 'index.js'), LOSS_MODULE(name));
    return directory;
  };
  await pkg('good-plugin', { peerDependencies: { '@bctkit/losses': '>=0.0.0' } });
  // A package whose name looks like a file: a package all the same (as `chart.js` is).
  await pkg('dotted.mjs', {});
  await writeFile(join(work, 'dotted.mjs'), 'export const notThePackage = true;\n');
  await pkg('future-plugin', { peerDependencies: { '@bctkit/losses': '^9.0.0' } });
  const ownCopy = await pkg('own-copy-plugin', {});
  await mkdir(join(ownCopy, 'node_modules', '@tensorflow', 'tfjs-core'), { recursive: true });
  await writeFile(
    join(ownCopy, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json'),
    '{"name":"@tensorflow/tfjs-core","version":"4.0.0"}',
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('loadPlugins', () => {
  it('registers a module file and an npm package, with their origins, into the given registries only', async () => {
    const registries = copyGlobalRegistries();
    const loaded = await loadPlugins(
      ['./my-loss.mjs', 'good-plugin', './default-export.mjs'],
      registries,
      {
        cwd: work,
      },
    );
    expect(loaded).toEqual([
      { specifier: './my-loss.mjs', origin: './my-loss.mjs', components: ['losses:my-loss'] },
      { specifier: 'good-plugin', origin: 'good-plugin@1.2.3', components: ['losses:good-plugin'] },
      { specifier: './default-export.mjs', origin: './default-export.mjs', components: [] },
    ]);
    expect(registries.losses.originOf('my-loss')).toBe('./my-loss.mjs');
    expect(registries.losses.originOf('good-plugin')).toBe('good-plugin@1.2.3');
    expect(registries.losses.originOf('mixbct')).toBe('built-in');
    expect(compatibilityLosses.has('my-loss')).toBe(false);
    // bct list shows them with their origin.
    const listed = listComponents('losses', registries);
    expect(listed.find((item) => item.id === 'good-plugin')?.origin).toBe('good-plugin@1.2.3');
    expect(listed.find((item) => item.id === 'none')?.origin).toBe('built-in');
  });

  it('takes a bare name as a package first, and as a file only when no package has it', async () => {
    const registries = copyGlobalRegistries();
    const loaded = await loadPlugins(['dotted.mjs', 'my-loss.mjs'], registries, { cwd: work });
    expect(loaded.map((plugin) => plugin.origin)).toEqual(['dotted.mjs@1.2.3', 'my-loss.mjs']);
    expect(registries.losses.has('dotted.mjs')).toBe(true);
  });

  it('names the plugin and the problem when it cannot be loaded', async () => {
    const load = (specifier: string) =>
      loadPlugins([specifier], copyGlobalRegistries(), { cwd: work });
    await expect(load('./absent.mjs')).rejects.toThrow(
      `plugin ./absent.mjs: ${join(work, 'absent.mjs')} does not exist`,
    );
    await expect(load('no-such-plugin')).rejects.toThrow(
      'plugin no-such-plugin: no package of that name is installed',
    );
    await expect(load('./nothing.mjs')).rejects.toThrow(
      'plugin ./nothing.mjs: exports no register(registries) function (exports: answer)',
    );
    await expect(load('./throws.mjs')).rejects.toThrow(
      'plugin ./throws.mjs: register failed: boom',
    );
    await expect(load('future-plugin')).rejects.toThrow(
      'plugin future-plugin: future-plugin@1.2.3 needs @bctkit/losses ^9.0.0, but this bct has @bctkit/losses 0.0.0',
    );
    await expect(load('own-copy-plugin')).rejects.toThrow(
      /plugin own-copy-plugin: it loads its own copy of @tensorflow\/tfjs-core .* besides bct's/,
    );
    await expect(load('./my-loss.mjs')).resolves.toHaveLength(1);
    for (const specifier of ['./absent.mjs', 'future-plugin'])
      await expect(load(specifier)).rejects.toBeInstanceOf(PluginError);
  });

  it('refuses a component id a built-in or another plugin holds, naming both origins', async () => {
    const registries = copyGlobalRegistries();
    await expect(loadPlugins(['./clash.mjs'], registries, { cwd: work })).rejects.toThrow(
      "Cannot register compatibility loss 'MixBCT' from ./clash.mjs: the name is already taken by 'mixbct' (built-in)",
    );
    await loadPlugins(['./my-loss.mjs'], registries, { cwd: work });
    await writeFile(join(work, 'again.mjs'), LOSS_MODULE('my-loss'));
    await expect(loadPlugins(['./again.mjs'], registries, { cwd: work })).rejects.toThrow(
      DuplicateComponentError,
    );
    await expect(loadPlugins(['./again.mjs'], registries, { cwd: work })).rejects.toThrow(
      "from ./again.mjs: the name is already taken by 'my-loss' (./my-loss.mjs)",
    );
  });
});

describe('bct train --plugin', () => {
  it('trains with a loss only a plugin registers, and says where it came from', async () => {
    const { runBct } = await import('../testing/run-bct.js');
    const config = join(work, 'plugin-run.json');
    await writeFile(
      config,
      JSON.stringify({
        data: {
          type: 'synthetic',
          classes: 2,
          imagesPerClass: 4,
          height: 8,
          width: 8,
          channels: 1,
        },
        backbone: {
          type: 'iresnet-18',
          inputSize: 8,
          widthMultiplier: 0.0625,
          embeddingDim: 4,
          inputChannels: 1,
        },
        head: { type: 'softmax' },
        loss: { type: 'my-loss' },
        batchSize: 4,
        epochs: 1,
        workers: 0,
      }),
    );
    const without = await runBct('train', '--config', config, '--out', join(work, 'no-plugin'));
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("Unknown compatibility loss 'my-loss'");
    const run = await runBct(
      'train',
      '--config',
      config,
      '--plugin',
      join(work, 'my-loss.mjs'),
      '--out',
      join(work, 'plugin-run'),
    );
    expect(run.stderr).toContain(`plugin ${join(work, 'my-loss.mjs')}: registered losses:my-loss`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/trained 2 steps/);
    expect(compatibilityLosses.has('my-loss')).toBe(false);
  });
});
