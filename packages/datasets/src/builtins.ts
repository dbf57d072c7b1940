import { parseConfig, Registry } from '@bctkit/tensor-ops';
import { fashionMnistSourceSpec, idxSourceSpec } from './sources/idx-source.js';
import { imageFolderSourceSpec } from './sources/image-folder-source.js';
import { mnistSourceSpec } from './sources/mnist-package-source.js';
import { recSourceSpec } from './sources/rec-source.js';
import { type DatasetSource, defineSource, type SourceSpec } from './sources/source.js';
import { syntheticSourceSpec } from './sources/synthetic-source.js';

/** The built-in dataset sources, registered by id. */
const BUILTIN_SOURCES: readonly SourceSpec[] = [
  defineSource(recSourceSpec),
  defineSource(imageFolderSourceSpec),
  defineSource(idxSourceSpec),
  defineSource(fashionMnistSourceSpec),
  defineSource(mnistSourceSpec),
  defineSource(syntheticSourceSpec),
];

/** A new registry holding the built-in sources (for a trainer given its own registries). */
export function createSourceRegistry(): Registry<SourceSpec> {
  const registry = new Registry<SourceSpec>('dataset source');
  for (const spec of BUILTIN_SOURCES) registry.register(spec);
  return registry;
}

/** Dataset sources by id (`rec`, `image-folder`, `idx`, `fashion-mnist`, `mnist`, `synthetic`). */
export const sources: Registry<SourceSpec> = createSourceRegistry();

/**
 * Opens a dataset from a config such as `{ type: 'rec', path: 'ms1mv3/train.rec' }`.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} for an unknown `type` (with "did you mean").
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for a bad or misspelt config key.
 */
export async function openSource(
  config: { type: string } & Record<string, unknown>,
  path = 'data',
  registry: Registry<SourceSpec> = sources,
): Promise<DatasetSource> {
  const spec = registry.get(config.type);
  const parsed = parseConfig(spec.configSchema, { ...config, type: spec.id }, path);
  return spec.open(parsed);
}
