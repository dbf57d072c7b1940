import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION as ADAPTERS_VERSION, type AdapterSpec } from '@bctkit/adapters';
import { VERSION as BACKBONES_VERSION, type BackboneSpec } from '@bctkit/backbones';
import { VERSION as DATASETS_VERSION, type SourceSpec } from '@bctkit/datasets';
import { type CompatibilitySpec, type HeadSpec, VERSION as LOSSES_VERSION } from '@bctkit/losses';
import { VERSION as METRICS_VERSION } from '@bctkit/metrics';
import {
  BctkitError,
  type Registry,
  type RegistryEntry,
  VERSION as TENSOR_OPS_VERSION,
} from '@bctkit/tensor-ops';
import semver from 'semver';
import type { ComponentRegistries } from '../training/registries.js';
import { VERSION as CLI_VERSION } from '../version.js';
import { PluginError } from './plugin-error.js';
import { findPackageDirectory, type ResolvedPlugin, resolvePlugin } from './resolve-plugin.js';

/**
 * What a plugin's `register` may do with one kind of component: add its own (recorded with the
 * plugin as their origin) and look up what is there.
 */
export interface PluginRegistry<T extends RegistryEntry> {
  register(entry: T): T;
  has(name: string): boolean;
  get(name: string): T;
  list(): T[];
}

/** What a plugin's `register` receives: one registry per kind of component. */
export interface PluginRegistries {
  readonly losses: PluginRegistry<CompatibilitySpec>;
  readonly heads: PluginRegistry<HeadSpec>;
  readonly backbones: PluginRegistry<BackboneSpec>;
  readonly sources: PluginRegistry<SourceSpec>;
  readonly adapters: PluginRegistry<AdapterSpec>;
}

/**
 * A plugin module: an ES module exporting `register` (or a default export with one). `bct`
 * calls it once with the registries of the run.
 *
 * @example
 * // my-loss.js
 * import { defineCompatibilityLoss, OLD_FEATURES } from '@bctkit/losses';
 * export function register(registries) {
 *   registries.losses.register(defineCompatibilityLoss({ id: 'my-loss', ... }));
 * }
 */
export interface BctkitPlugin {
  register(registries: PluginRegistries): void | Promise<void>;
}

/** A loaded plugin and what it registered. */
export interface LoadedPlugin {
  /** The plugin as given. */
  readonly specifier: string;
  /** Shown as the origin of its components: `name@version` for a package, else the specifier. */
  readonly origin: string;
  /** What it registered, as `kind:id` (e.g. `losses:ract`). */
  readonly components: readonly string[];
}

/** The version of every `@bctkit/*` package this `bct` runs with. */
const OUR_VERSIONS: Readonly<Record<string, string>> = {
  '@bctkit/adapters': ADAPTERS_VERSION,
  '@bctkit/backbones': BACKBONES_VERSION,
  '@bctkit/cli': CLI_VERSION,
  '@bctkit/datasets': DATASETS_VERSION,
  '@bctkit/losses': LOSSES_VERSION,
  '@bctkit/metrics': METRICS_VERSION,
  '@bctkit/tensor-ops': TENSOR_OPS_VERSION,
};

/**
 * Packages a plugin must share with `bct` rather than bring its own copy of: two copies of
 * tfjs-core are two engines (tensors of one are invisible to the kernels of the other), and two
 * copies of a `@bctkit` package are two sets of registries and classes.
 */
const SHARED = ['@tensorflow/tfjs-core', ...Object.keys(OUR_VERSIONS)];

/** This module's directory, where `bct`'s own copies are looked up from. */
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Refuses a plugin package whose `@bctkit/*` dependencies (peer or not) want another version
 * than this `bct`'s, or which installed its own copy of a package that must be shared.
 */
function checkPeers(plugin: ResolvedPlugin): void {
  const { manifest, packageDirectory, specifier } = plugin;
  if (manifest === undefined || packageDirectory === undefined) return;
  const wanted = { ...manifest.dependencies, ...manifest.peerDependencies };
  for (const [name, range] of Object.entries(wanted)) {
    const ours = OUR_VERSIONS[name];
    if (ours === undefined || range.startsWith('workspace:') || range.startsWith('file:')) continue;
    if (semver.validRange(range) === null)
      throw new PluginError(
        specifier,
        `its package.json asks for ${name} "${range}", not a semver range`,
      );
    if (!semver.satisfies(ours, range, { includePrerelease: true }))
      throw new PluginError(
        specifier,
        `${manifest.name ?? specifier}@${manifest.version ?? '?'} needs ${name} ${range}, but this bct has ${name} ${ours}: install a version of the plugin built for ${name} ${ours}, or a bct that matches it`,
      );
  }
  for (const name of SHARED) {
    const theirs = findPackageDirectory(name, packageDirectory);
    const ours = findPackageDirectory(name, HERE);
    if (theirs !== undefined && ours !== undefined && theirs !== ours)
      throw new PluginError(
        specifier,
        `it loads its own copy of ${name} (${theirs}) besides bct's (${ours}); two copies do not share tensors or registries: declare ${name} as a peer dependency of the plugin and install it once`,
      );
  }
}

/** A view of `registry` that records `origin` for everything registered through it. */
function registryFor<T extends RegistryEntry>(
  registry: Registry<T>,
  origin: string,
  kind: string,
  added: string[],
): PluginRegistry<T> {
  return {
    register: (entry) => {
      registry.register(entry, origin);
      added.push(`${kind}:${entry.id}`);
      return entry;
    },
    has: (name) => registry.has(name),
    get: (name) => registry.get(name),
    list: () => registry.list(),
  };
}

/** The `register` function of an imported plugin module. */
function registerOf(module: Record<string, unknown>): BctkitPlugin['register'] | undefined {
  const candidates = [module.register, (module.default as { register?: unknown })?.register];
  if (typeof module.default === 'function') candidates.push(module.default);
  return candidates.find((candidate) => typeof candidate === 'function') as
    | BctkitPlugin['register']
    | undefined;
}

/**
 * Loads plugins into `registries`, in order: finds each (an npm package from `cwd`, a package
 * directory or an ES module file), checks its `@bctkit/*` versions, imports it and calls its
 * `register`. Components are registered with the plugin as their origin (`bct list` shows it).
 *
 * @throws {@link PluginError} naming the plugin that could not be found, checked or registered;
 *   a clash of component ids is a {@link @bctkit/tensor-ops!DuplicateComponentError} naming both
 *   origins.
 */
export async function loadPlugins(
  specifiers: readonly string[],
  registries: ComponentRegistries,
  options: { readonly cwd?: string } = {},
): Promise<LoadedPlugin[]> {
  const cwd = options.cwd ?? process.cwd();
  const loaded: LoadedPlugin[] = [];
  for (const specifier of [...new Set(specifiers)]) {
    const plugin = resolvePlugin(specifier, cwd);
    checkPeers(plugin);
    let module: Record<string, unknown>;
    try {
      module = (await import(plugin.url)) as Record<string, unknown>;
    } catch (cause) {
      throw new PluginError(specifier, `cannot be imported: ${(cause as Error).message}`, {
        cause,
      });
    }
    const register = registerOf(module);
    if (register === undefined)
      throw new PluginError(
        specifier,
        `exports no register(registries) function (exports: ${Object.keys(module).join(', ') || 'none'})`,
      );
    const origin =
      plugin.manifest?.name === undefined
        ? specifier
        : `${plugin.manifest.name}@${plugin.manifest.version ?? '?'}`;
    const added: string[] = [];
    const view: PluginRegistries = {
      losses: registryFor(registries.losses, origin, 'losses', added),
      heads: registryFor(registries.heads, origin, 'heads', added),
      backbones: registryFor(registries.backbones, origin, 'backbones', added),
      sources: registryFor(registries.sources, origin, 'sources', added),
      adapters: registryFor(registries.adapters, origin, 'adapters', added),
    };
    try {
      await register(view);
    } catch (cause) {
      if (BctkitError.isInstance(cause)) throw cause;
      throw new PluginError(specifier, `register failed: ${(cause as Error).message}`, { cause });
    }
    loaded.push({ specifier, origin, components: added });
  }
  return loaded;
}
