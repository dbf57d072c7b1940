import type { ResourceSpec } from '@bctkit/losses';
import { BUILT_IN, type Registry, type RegistryEntry } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import type { z } from 'zod';
import { type ConfigField, configFields } from '../config-fields.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { scenarios } from '../presets/scenarios.js';
import { formatTable } from '../table.js';
import { type ComponentRegistries, copyGlobalRegistries } from '../training/registries.js';

/** One registered component as `bct list` shows it. */
export interface ListedComponent {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly description: string;
  /** The config with every default filled in (`null` when the config has required fields). */
  readonly defaults: Record<string, unknown> | null;
  /**
   * For compatibility losses: the resources the method needs at training time (config
   * `resources.<key>`, or the top-level shorthand of a standard one).
   */
  readonly resources?: readonly ResourceSpec[];
  /** `built-in`, or the plugin that registered it (`name@version` or the module path). */
  readonly origin: string;
  /** Every field its config accepts. */
  readonly fields: readonly ConfigField[];
}

/** What `bct list` reads of a component of any kind. */
interface Listed {
  readonly entry: RegistryEntry;
  readonly configSchema: z.ZodType;
  readonly resources?: readonly ResourceSpec[];
}

/** A registry's components as {@link Listed}, with their origins. */
function listing<T extends RegistryEntry>(
  registry: Registry<T>,
  view: (spec: T) => Omit<Listed, 'entry'>,
): () => { listed: Listed; origin: string }[] {
  return () =>
    registry.list().map((spec) => ({
      listed: { entry: spec, ...view(spec) },
      origin: registry.originOf(spec.id),
    }));
}

function categories(registries: ComponentRegistries) {
  return {
    losses: listing(registries.losses, (spec) => ({
      configSchema: spec.configSchema,
      resources: spec.resources,
    })),
    heads: listing(registries.heads, (spec) => ({ configSchema: spec.configSchema })),
    backbones: listing(registries.backbones, (spec) => ({ configSchema: spec.configSchema })),
    sources: listing(registries.sources, (spec) => ({ configSchema: spec.configSchema })),
    presets: listing(scenarios, (spec) => ({ configSchema: spec.configSchema })),
    // Adapter methods: their options are their config (no `type`).
    adapters: listing(registries.adapters, (spec) => ({ configSchema: spec.options })),
  } as const satisfies Record<string, () => unknown>;
}

const CATEGORY_NAMES = ['losses', 'heads', 'backbones', 'sources', 'presets', 'adapters'] as const;
type Category = (typeof CATEGORY_NAMES)[number];
const isCategory = (name: string): name is Category =>
  (CATEGORY_NAMES as readonly string[]).includes(name);

/** The registry categories `bct list` knows. */
export const COMPONENT_CATEGORIES: readonly string[] = CATEGORY_NAMES;

/**
 * The registered components of a category (`adapters`, `losses`, `heads`, `backbones`,
 * `sources`, `presets`), from the given registries (default: the process-wide ones).
 */
export function listComponents(
  category: string,
  registries: ComponentRegistries = copyGlobalRegistries(),
): ListedComponent[] {
  if (!isCategory(category))
    throw new UsageError(
      'category',
      `unknown category '${category}': one of ${CATEGORY_NAMES.join(', ')}`,
    );
  return categories(registries)
    [category]()
    .map(({ listed: { entry, configSchema, resources }, origin }) => {
      const parsed = configSchema.safeParse(category === 'adapters' ? {} : { type: entry.id });
      return {
        id: entry.id,
        aliases: entry.aliases ?? [],
        description: entry.description ?? '',
        defaults: parsed.success ? (parsed.data as Record<string, unknown>) : null,
        fields: configFields(configSchema),
        origin,
        ...(resources === undefined ? {} : { resources }),
      };
    });
}

/** Registers `bct list`. */
export function registerListCommand(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list registered components with their default configs')
    .argument('[category]', `one of ${CATEGORY_NAMES.join(', ')}; all when omitted`)
    .option('--json', 'print JSON')
    .option(
      '--plugin <specifier>',
      'also list the components of an npm package or ES module file (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
      [],
    )
    .action(async (category: string | undefined, options: { json?: boolean; plugin: string[] }) => {
      const registries = copyGlobalRegistries();
      await loadPlugins(options.plugin, registries);
      const shown = category === undefined ? [...CATEGORY_NAMES] : [category];
      const listed = Object.fromEntries(
        shown.map((name) => [name, listComponents(name, registries)]),
      );
      if (options.json) {
        io.stdout(
          `${JSON.stringify(category === undefined ? listed : listed[category], null, 2)}\n`,
        );
        return;
      }
      const blocks = shown.map((name) => {
        const items = listed[name]!;
        // The origin column appears once a plugin added something; resources for losses.
        const withOrigin = items.some((item) => item.origin !== BUILT_IN);
        const withResources = name === 'losses';
        const rows = items.map((item) => {
          const { type: _, ...defaults } = item.defaults ?? {};
          const values = item.defaults === null ? '(required fields)' : JSON.stringify(defaults);
          return [
            item.id,
            item.aliases.join(', '),
            ...(withResources ? [(item.resources ?? []).map((r) => r.key).join(', ')] : []),
            values,
            ...(withOrigin ? [item.origin] : []),
          ];
        });
        const header = [
          'id',
          'aliases',
          ...(withResources ? ['resources'] : []),
          'defaults',
          ...(withOrigin ? ['origin'] : []),
        ];
        return [
          `${name}:`,
          ...formatTable(
            header,
            rows,
            header.map(() => 'left' as const),
          ),
        ].join('\n');
      });
      io.stdout(`${blocks.join('\n\n')}\n`);
    });
}
