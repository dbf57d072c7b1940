import type { z } from 'zod';
import { DuplicateComponentError, UnknownComponentError } from '../errors/errors.js';
import { editDistance } from './edit-distance.js';

/** The fields every registered component has. */
export interface RegistryEntry {
  /** Canonical id, kebab-case, e.g. `iresnet-50`. Part of the public API. */
  readonly id: string;
  /** Other names accepted by `Registry.get`, e.g. insightface's `r50`. */
  readonly aliases?: readonly string[];
  /** One line shown by `bct list` and the docs. */
  readonly description?: string;
}

/**
 * A component configured by a `{ type, ...options }` object: the base of every registered kind
 * (losses, heads, backbones, sources). `Config` is inferred from the schema by each kind's
 * `define...` function, so a component's `create` reads its options without casts.
 */
export interface ComponentSpec<Config extends { type: string } = { type: string }>
  extends RegistryEntry {
  /** Version of the config format; bumped on incompatible changes. */
  readonly specVersion: 1;
  /** Strict schema of the config, `type` included; defaults filled in. */
  // biome-ignore lint/suspicious/noExplicitAny: a schema's input type is whatever it accepts
  readonly configSchema: z.ZodType<Config, any>;
}

/** Where a registered component comes from: `built-in`, or the plugin that registered it. */
export const BUILT_IN = 'built-in';

/** How a name is compared: case, `_` and spaces do not matter (`IResNet_50` finds `iresnet-50`). */
function normaliseName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, '-');
}

/**
 * A named collection of components of one category (losses, backbones, dataset sources, ...).
 *
 * Configs refer to components by id (`{ type: 'arcface' }`); the registry turns that id, or any of
 * its aliases, into the component, and answers an unknown id with the closest known names.
 *
 * @example
 * const losses = new Registry<LossSpec>('loss');
 * losses.register({ id: 'arcface', aliases: ['arc'], create: ... });
 * losses.get('arc').id; // 'arcface'
 */
export class Registry<T extends RegistryEntry> {
  /** Category name used in messages, e.g. `loss`. */
  readonly category: string;
  private readonly entries = new Map<string, T>();
  /** Normalised id or alias -> canonical id. */
  private readonly names = new Map<string, string>();
  /** Canonical id -> origin, for components not built in. */
  private readonly origins = new Map<string, string>();

  constructor(category: string) {
    this.category = category;
  }

  /**
   * Adds a component.
   * @param origin - where it comes from, shown by `bct list`: `built-in` (the default) or the
   *   plugin that registers it.
   * @returns the entry, for chaining.
   * @throws {@link DuplicateComponentError} when its id or an alias is already taken.
   */
  register(entry: T, origin: string = BUILT_IN): T {
    const names = [entry.id, ...(entry.aliases ?? [])];
    const seen = new Set<string>();
    for (const name of names) {
      const key = normaliseName(name);
      const owner = this.names.get(key) ?? (seen.has(key) ? entry.id : undefined);
      if (owner !== undefined)
        throw new DuplicateComponentError(this.category, name, owner, {
          existing: this.origins.get(owner) ?? (seen.has(key) ? origin : BUILT_IN),
          added: origin,
        });
      seen.add(key);
    }
    this.entries.set(entry.id, entry);
    for (const key of seen) this.names.set(key, entry.id);
    if (origin !== BUILT_IN) this.origins.set(entry.id, origin);
    return entry;
  }

  /** Removes a component and its aliases; returns whether it was there. */
  unregister(id: string): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.entries.delete(id);
    this.origins.delete(id);
    for (const name of [entry.id, ...(entry.aliases ?? [])]) this.names.delete(normaliseName(name));
    return true;
  }

  /** Whether `name` (an id or alias) is registered. */
  has(name: string): boolean {
    return this.names.has(normaliseName(name));
  }

  /**
   * Looks a component up by id or alias.
   * @throws {@link UnknownComponentError} with "did you mean" suggestions when nothing matches.
   */
  get(name: string): T {
    const id = this.names.get(normaliseName(name));
    if (id === undefined) {
      throw new UnknownComponentError(this.category, name, this.suggest(name), this.ids());
    }
    return this.entries.get(id)!;
  }

  /** Where a component comes from (`built-in`, or the plugin that registered it). */
  originOf(name: string): string {
    return this.origins.get(this.get(name).id) ?? BUILT_IN;
  }

  /** A new registry of the same category holding the same components (and origins). */
  copy(): Registry<T> {
    const copy = new Registry<T>(this.category);
    for (const entry of this.entries.values())
      copy.register(entry, this.origins.get(entry.id) ?? BUILT_IN);
    return copy;
  }

  /** All components, sorted by id. */
  list(): T[] {
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** All canonical ids, sorted. */
  ids(): string[] {
    return this.list().map((entry) => entry.id);
  }

  /** Registered ids whose id or alias is close to `name`, closest first (at most three). */
  suggest(name: string): string[] {
    const query = normaliseName(name);
    const limit = Math.max(1, Math.floor(query.length / 3));
    const best = new Map<string, number>();
    for (const [key, id] of this.names) {
      let distance = editDistance(query, key);
      if (query.length >= 2 && (key.startsWith(query) || query.startsWith(key))) {
        distance = Math.min(distance, limit);
      }
      if (distance <= limit && distance < (best.get(id) ?? Number.POSITIVE_INFINITY)) {
        best.set(id, distance);
      }
    }
    return [...best.entries()]
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([id]) => id);
  }
}
