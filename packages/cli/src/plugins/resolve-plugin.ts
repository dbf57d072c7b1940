import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError } from './plugin-error.js';

/** What a plugin's `package.json` says that `bct` reads. */
export interface PluginManifest {
  readonly name?: string;
  readonly version?: string;
  readonly main?: string;
  readonly module?: string;
  readonly exports?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** Where a plugin is: the module to import and, for a package, its directory and manifest. */
export interface ResolvedPlugin {
  /** The plugin as given. */
  readonly specifier: string;
  /** `file:` URL of the module to import. */
  readonly url: string;
  /** The package's directory, for a package (by name or by directory). */
  readonly packageDirectory?: string;
  readonly manifest?: PluginManifest;
}

/** Whether a specifier is written as a path (`./x.js`, `../x`, `/x`, `file:`), as in Node. */
function isPath(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    isAbsolute(specifier) ||
    specifier.startsWith('file:')
  );
}

/** The package name of a bare specifier (`pkg`, `@scope/pkg`), or undefined with a subpath. */
function packageName(specifier: string): string | undefined {
  const match = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.exec(specifier);
  return match === null ? undefined : specifier;
}

/**
 * The directory of package `name` as Node would find it from `from`: the first
 * `node_modules/<name>` up the directory tree.
 */
export function findPackageDirectory(name: string, from: string): string | undefined {
  let directory = resolve(from);
  for (;;) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

export function readManifest(directory: string, specifier: string): PluginManifest {
  const file = join(directory, 'package.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PluginManifest;
  } catch (cause) {
    throw new PluginError(specifier, `${file} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** The ES module entry of a package: `exports` (its `import` or `default`), `module`, `main`. */
function entryOf(manifest: PluginManifest): string {
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (typeof value !== 'object' || value === null) return undefined;
    const conditions = value as Record<string, unknown>;
    if ('.' in conditions) return pick(conditions['.']);
    for (const condition of ['import', 'node', 'default'])
      if (condition in conditions) {
        const picked = pick(conditions[condition]);
        if (picked !== undefined) return picked;
      }
    return undefined;
  };
  return pick(manifest.exports) ?? manifest.module ?? manifest.main ?? 'index.js';
}

function fromPackage(specifier: string, directory: string): ResolvedPlugin {
  const manifest = readManifest(directory, specifier);
  const entry = join(directory, entryOf(manifest));
  if (!existsSync(entry))
    throw new PluginError(
      specifier,
      `its entry ${entry} does not exist${/dist\//.test(entry) ? ' (is the package built?)' : ''}`,
    );
  return { specifier, url: pathToFileURL(entry).href, packageDirectory: directory, manifest };
}

/**
 * Finds a plugin: an npm package name (looked up in `node_modules` from `cwd` upwards), a
 * package directory, or an ES module file (relative to `cwd`).
 * @throws {@link PluginError} when there is nothing there.
 */
export function resolvePlugin(specifier: string, cwd: string): ResolvedPlugin {
  // A bare name is a package (`chart.js` too); a file of that name is taken only when no package
  // of the name is installed, as a convenience for `--plugin my-loss.js`.
  const name = packageName(specifier);
  const asFile =
    isPath(specifier) ||
    ((name === undefined || findPackageDirectory(name, cwd) === undefined) &&
      existsSync(resolve(cwd, specifier)));
  if (asFile) {
    const path = specifier.startsWith('file:')
      ? new URL(specifier).pathname
      : resolve(cwd, specifier);
    if (!existsSync(path))
      throw new PluginError(specifier, `${path} does not exist (paths are relative to ${cwd})`);
    if (statSync(path).isDirectory()) {
      if (!existsSync(join(path, 'package.json')))
        throw new PluginError(
          specifier,
          `${path} is a directory without package.json: give the module file`,
        );
      return fromPackage(specifier, realpathSync(path));
    }
    return { specifier, url: pathToFileURL(realpathSync(path)).href };
  }
  if (name === undefined)
    throw new PluginError(
      specifier,
      'not a package name or a path: give an npm package (my-plugin, @scope/my-plugin) or a file (./my-loss.js)',
    );
  const directory = findPackageDirectory(name, cwd);
  if (directory === undefined)
    throw new PluginError(
      specifier,
      `no package of that name is installed from ${cwd} (npm install ${name}), nor is it a path (start it with ./)`,
    );
  return fromPackage(specifier, directory);
}
