import { adapters } from '@bctkit/adapters';
import { backbones } from '@bctkit/backbones';
import { sources } from '@bctkit/datasets';
import { compatibilityLosses, heads } from '@bctkit/losses';
import { Registry, type RegistryEntry } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import type { z } from 'zod';
import { type ConfigField, configFields } from '../config-fields.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { scenarios } from '../presets/scenarios.js';
import { formatTable } from '../table.js';

/** One registered component as `bct list` shows it. */
export interface ListedComponent {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly description: string;
  /** The config with every default filled in (`null` when the config has required fields). */
  readonly defaults: Record<string, unknown> | null;
  /** For compatibility losses: what the method needs at training time. */
  readonly needs?: readonly string[];
  /** Every field its config accepts. */
  readonly fields: readonly ConfigField[];
}

type Spec = RegistryEntry & { configSchema: z.ZodType; needs?: readonly string[] };

/** The adapter methods as listed components: their options are their config (no `type`). */
function adapterListing(): Registry<Spec> {
  const listing = new Registry<Spec>('adapter');
  for (const spec of adapters.list()) listing.register({ ...spec, configSchema: spec.options });
  return listing;
}

const CATEGORIES: Record<string, () => Registry<Spec>> = {
  losses: () => compatibilityLosses as unknown as Registry<Spec>,
  heads: () => heads as unknown as Registry<Spec>,
  backbones: () => backbones as unknown as Registry<Spec>,
  sources: () => sources as unknown as Registry<Spec>,
  presets: () => scenarios as unknown as Registry<Spec>,
  adapters: adapterListing,
};

/** The registry categories `bct list` knows. */
export const COMPONENT_CATEGORIES: readonly string[] = Object.keys(CATEGORIES);

/** The registered components of a category (`adapters`, `losses`, `heads`, `backbones`, `sources`, `presets`). */
export function listComponents(category: string): ListedComponent[] {
  const registry = CATEGORIES[category];
  if (registry === undefined)
    throw new UsageError(
      'category',
      `unknown category '${category}': one of ${Object.keys(CATEGORIES).join(', ')}`,
    );
  return registry()
    .list()
    .map((spec) => {
      const parsed = spec.configSchema.safeParse(category === 'adapters' ? {} : { type: spec.id });
      return {
        id: spec.id,
        aliases: spec.aliases ?? [],
        description: spec.description ?? '',
        defaults: parsed.success ? (parsed.data as Record<string, unknown>) : null,
        fields: configFields(spec.configSchema),
        ...(spec.needs === undefined ? {} : { needs: spec.needs }),
      };
    });
}

/** Registers `bct list`. */
export function registerListCommand(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list registered components with their default configs')
    .argument('[category]', `one of ${Object.keys(CATEGORIES).join(', ')}; all when omitted`)
    .option('--json', 'print JSON')
    .action((category: string | undefined, options: { json?: boolean }) => {
      const categories = category === undefined ? Object.keys(CATEGORIES) : [category];
      const listed = Object.fromEntries(categories.map((name) => [name, listComponents(name)]));
      if (options.json) {
        io.stdout(
          `${JSON.stringify(category === undefined ? listed : listed[category], null, 2)}\n`,
        );
        return;
      }
      const blocks = categories.map((name) => {
        const rows = listed[name]!.map((item) => {
          const { type: _, ...defaults } = item.defaults ?? {};
          const shown = item.defaults === null ? '(required fields)' : JSON.stringify(defaults);
          return [item.id, item.aliases.join(', '), shown];
        });
        return [
          `${name}:`,
          ...formatTable(['id', 'aliases', 'defaults'], rows, ['left', 'left', 'left']),
        ].join('\n');
      });
      io.stdout(`${blocks.join('\n\n')}\n`);
    });
}
