// Invariants of the workspace itself: package layout, export maps and dependency direction
// (see shared house style), and a single copy of tfjs-core.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface Manifest {
  name: string;
  private?: boolean;
  type?: string;
  sideEffects?: boolean;
  engines?: { node?: string };
  exports?: Record<string, Record<string, string>>;
  publishConfig?: { exports?: Record<string, Record<string, string>> };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  gypfile?: boolean;
}

const packages = readdirSync(join(root, 'packages')).map((directory) => ({
  directory,
  manifest: JSON.parse(
    readFileSync(join(root, 'packages', directory, 'package.json'), 'utf8'),
  ) as Manifest,
}));

/** Which workspace packages each package may depend on: tensor-ops <- libraries <- cli. */
const allowed: Record<string, string[]> = {
  'tensor-ops': ['tensor-ops-native'],
  backbones: ['tensor-ops'],
  losses: ['tensor-ops'],
  datasets: ['tensor-ops', 'jpeg-turbo'],
  metrics: ['tensor-ops'],
  adapters: ['tensor-ops'],
  cli: ['tensor-ops', 'backbones', 'losses', 'datasets', 'metrics', 'adapters'],
  'jpeg-turbo': ['native-build'],
  'tensor-ops-native': ['native-build'],
  'native-build': [],
};

/**
 * Packages of plain JavaScript with a native part (no TypeScript build, no tfjs): they export
 * their `src/` directly and are optional dependencies of the package that uses them.
 */
const nativePackages = new Set(['jpeg-turbo', 'tensor-ops-native']);

/** Plain JavaScript packages: the native ones and the build script and loader they share. */
const javascriptPackages = new Set([...nativePackages, 'native-build']);

describe('workspace', () => {
  it('has the packages the house style lays out', () => {
    expect(packages.map((pkg) => pkg.directory).sort()).toEqual(Object.keys(allowed).sort());
  });

  it('locks exactly one version of @tensorflow/tfjs-core', () => {
    const lock = readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
    const versions = new Set(
      [...lock.matchAll(/^ {2}'@tensorflow\/tfjs-core@([^(':]+)/gm)].map((match) => match[1]),
    );
    expect([...versions]).toEqual(['4.22.0']);
  });

  describe.each(packages.filter(({ directory }) => nativePackages.has(directory)))(
    '$manifest.name (native)',
    ({ directory, manifest }) => {
      it('exports its plain JavaScript source with types, and builds at install without failing it', () => {
        expect(manifest.exports?.['.']).toEqual({
          types: './src/index.d.ts',
          import: './src/index.js',
        });
        expect(manifest.gypfile).toBe(true);
        expect((manifest as { scripts?: Record<string, string> }).scripts?.install).toBe(
          'node scripts/build.mjs',
        );
        expect(existsSync(join(root, 'packages', directory, 'binding.gyp'))).toBe(true);
      });

      it('builds and loads through the shared @bctkit/native-build, not a copy of its own', () => {
        expect(manifest.dependencies?.['@bctkit/native-build']).toBe('workspace:^');
        const script = readFileSync(
          join(root, 'packages', directory, 'scripts', 'build.mjs'),
          'utf8',
        );
        const loader = readFileSync(join(root, 'packages', directory, 'src', 'index.js'), 'utf8');
        expect(script).toContain("from '@bctkit/native-build'");
        expect(loader).toContain("from '@bctkit/native-build'");
        expect(script).not.toContain('spawnSync');
        expect(loader).not.toContain('createRequire');
      });

      it('is only ever an optional dependency', () => {
        for (const other of packages) {
          expect(other.manifest.dependencies?.[manifest.name], other.directory).toBeUndefined();
        }
        expect(
          packages.some(
            (other) => other.manifest.optionalDependencies?.[manifest.name] !== undefined,
          ),
        ).toBe(true);
      });
    },
  );

  describe.each(packages)('$manifest.name', ({ directory, manifest }) => {
    it('is an ESM package for Node >= 20.19 without side effects', () => {
      expect(manifest.name).toBe(`@bctkit/${directory}`);
      expect(manifest.type).toBe('module');
      expect(manifest.sideEffects).toBe(false);
      expect(manifest.engines?.node).toBe('>=20.19');
    });

    it.skipIf(javascriptPackages.has(directory))(
      'exports its source under @bctkit/source, and only dist/ when published',
      () => {
        const entry = manifest.exports?.['.'];
        expect(entry?.['@bctkit/source']).toBe('./src/index.ts');
        expect(existsSync(join(root, 'packages', directory, 'src', 'index.ts'))).toBe(true);
        expect(entry?.types).toBe('./dist/index.d.ts');
        expect(manifest.publishConfig?.exports?.['.']).toEqual({
          types: './dist/index.d.ts',
          import: './dist/index.js',
        });
      },
    );

    it('depends only on the workspace packages below it', () => {
      const internal = Object.keys({
        ...manifest.dependencies,
        ...manifest.optionalDependencies,
        ...manifest.peerDependencies,
      })
        .filter((name) => name.startsWith('@bctkit/'))
        .map((name) => name.slice('@bctkit/'.length));
      for (const name of internal)
        expect(allowed[directory], `${directory} -> ${name}`).toContain(name);
    });

    it.skipIf(javascriptPackages.has(directory))(
      'takes tfjs-core as a peer dependency unless it is the application',
      () => {
        if (directory === 'cli') {
          expect(manifest.dependencies?.['@tensorflow/tfjs-core']).toBe('4.22.0');
        } else {
          expect(manifest.dependencies?.['@tensorflow/tfjs-core']).toBeUndefined();
          expect(manifest.peerDependencies?.['@tensorflow/tfjs-core']).toBe('^4.22.0');
        }
      },
    );
  });
});
