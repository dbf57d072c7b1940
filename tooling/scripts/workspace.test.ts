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
  peerDependencies?: Record<string, string>;
}

const packages = readdirSync(join(root, 'packages')).map((directory) => ({
  directory,
  manifest: JSON.parse(
    readFileSync(join(root, 'packages', directory, 'package.json'), 'utf8'),
  ) as Manifest,
}));

/** Which workspace packages each package may depend on: tensor-ops <- libraries <- cli. */
const allowed: Record<string, string[]> = {
  'tensor-ops': [],
  backbones: ['tensor-ops'],
  losses: ['tensor-ops'],
  datasets: ['tensor-ops'],
  metrics: ['tensor-ops'],
  cli: ['tensor-ops', 'backbones', 'losses', 'datasets', 'metrics'],
};

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

  describe.each(packages)('$manifest.name', ({ directory, manifest }) => {
    it('is an ESM package for Node >= 20.19 without side effects', () => {
      expect(manifest.name).toBe(`@bctkit/${directory}`);
      expect(manifest.type).toBe('module');
      expect(manifest.sideEffects).toBe(false);
      expect(manifest.engines?.node).toBe('>=20.19');
    });

    it('exports its source under @bctkit/source, and only dist/ when published', () => {
      const entry = manifest.exports?.['.'];
      expect(entry?.['@bctkit/source']).toBe('./src/index.ts');
      expect(existsSync(join(root, 'packages', directory, 'src', 'index.ts'))).toBe(true);
      expect(entry?.types).toBe('./dist/index.d.ts');
      expect(manifest.publishConfig?.exports?.['.']).toEqual({
        types: './dist/index.d.ts',
        import: './dist/index.js',
      });
    });

    it('depends only on the workspace packages below it', () => {
      const internal = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
        .filter((name) => name.startsWith('@bctkit/'))
        .map((name) => name.slice('@bctkit/'.length));
      for (const name of internal)
        expect(allowed[directory], `${directory} -> ${name}`).toContain(name);
    });

    it('takes tfjs-core as a peer dependency unless it is the application', () => {
      if (directory === 'cli') {
        expect(manifest.dependencies?.['@tensorflow/tfjs-core']).toBe('4.22.0');
      } else {
        expect(manifest.dependencies?.['@tensorflow/tfjs-core']).toBeUndefined();
        expect(manifest.peerDependencies?.['@tensorflow/tfjs-core']).toBe('^4.22.0');
      }
    });
  });
});
