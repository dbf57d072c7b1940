import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How optional packages are found and loaded. The default resolves from this package's own
 * location; pass another (e.g. one created in your application) when your package manager keeps
 * optional packages out of bctkit's reach, or to simulate failures in tests.
 */
export interface ModuleLoader {
  /** The installed version of `packageName`, or `undefined` when it is not installed. */
  installedVersion(packageName: string): string | undefined;
  /** Imports the package (runs its side effects, e.g. registering a tfjs backend). */
  load(packageName: string): Promise<unknown>;
}

function readVersion(packageJsonPath: string, packageName: string): string | undefined {
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    name?: string;
    version?: string;
  };
  return manifest.name === packageName ? manifest.version : undefined;
}

/** Walks up from a resolved entry file to the package's own `package.json`. */
function versionFromEntry(entry: string, packageName: string): string | undefined {
  let directory = dirname(entry);
  for (;;) {
    try {
      const version = readVersion(join(directory, 'package.json'), packageName);
      if (version !== undefined) return version;
    } catch {
      // no package.json at this level
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * The default {@link ModuleLoader}: Node resolution from `fromUrl` (default: this module).
 * @param fromUrl a `file:` URL or path to resolve from, e.g. `import.meta.url` of your app.
 */
export function createModuleLoader(fromUrl: string = import.meta.url): ModuleLoader {
  const require = createRequire(fromUrl);
  const resolvedEntry = (packageName: string): string | undefined => {
    try {
      return require.resolve(packageName);
    } catch {
      return undefined;
    }
  };
  return {
    installedVersion(packageName) {
      try {
        return readVersion(require.resolve(`${packageName}/package.json`), packageName);
      } catch {
        const entry = resolvedEntry(packageName);
        return entry === undefined ? undefined : versionFromEntry(entry, packageName);
      }
    },
    async load(packageName) {
      // Resolve from `fromUrl` so a custom location is honoured, then import the file itself.
      const entry = resolvedEntry(packageName);
      if (entry === undefined || fromUrl === import.meta.url) return import(packageName);
      return import(pathToFileURL(entry).href);
    },
  };
}
