import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeRuntime } from './describe-runtime.js';
import { createModuleLoader } from './module-loader.js';

const require = createRequire(import.meta.url);

/** Independent check of presence: does the package directory exist where Node would look? */
function packageDirectoryExists(name: string): boolean {
  return require.resolve
    .paths(name)!
    .some((directory) => existsSync(`${directory}/${name}/package.json`));
}

describe('describeRuntime', () => {
  it('reports Node, CPUs and memory of this process', () => {
    const report = describeRuntime();
    expect(report.node).toBe(process.version);
    expect(report.cpuCount).toBe(availableParallelism());
    expect(report.totalMemoryBytes).toBeGreaterThan(0);
    expect(report.tfjsCoreVersion).toBe('4.22.0');
  });

  it('lists which backend packages are installed, matching the file system', () => {
    const report = describeRuntime({ extraPackages: ['zod', '@bctkit/no-such-package'] });
    const byName = new Map(report.packages.map((pkg) => [pkg.name, pkg]));
    for (const name of [
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-wasm',
      'zod',
      '@bctkit/no-such-package',
    ]) {
      expect(byName.get(name)?.installed, name).toBe(packageDirectoryExists(name));
    }
    expect(byName.get('@tensorflow/tfjs-backend-cpu')!.version).toBe('4.22.0');
    expect(byName.get('@tensorflow/tfjs-node')!.version).toBeUndefined();
  });

  it('reports the active backend without activating one', () => {
    expect(describeRuntime().activeBackend).toBe('cpu'); // set by the test setup
  });
});

describe('createModuleLoader', () => {
  it('finds versions through package.json, and through the entry file when package.json is not exported', () => {
    const loader = createModuleLoader();
    expect(loader.installedVersion('@tensorflow/tfjs-core')).toBe('4.22.0');
    // zod 4 has an exports map; whichever route works, the version must be a semver.
    expect(loader.installedVersion('zod')).toMatch(/^4\.\d+\.\d+/);
    expect(loader.installedVersion('@tensorflow/tfjs-node')).toBeUndefined();
  });

  it('imports packages from another location', async () => {
    const loader = createModuleLoader(new URL('../../package.json', import.meta.url).href);
    const module = (await loader.load('@tensorflow/tfjs-backend-cpu')) as { version_cpu?: string };
    expect(module.version_cpu).toBe('4.22.0');
  });
});
