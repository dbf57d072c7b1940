import { type ComponentSpec, parseConfig, Registry } from '@bctkit/tensor-ops';
import { z } from 'zod';
import type { Backbone } from './backbone.js';
import {
  countMacs,
  countParameters,
  IRESNET_DEPTHS,
  type IResNetDepth,
  iresnetOptionsSchema,
  planIResNet,
} from './iresnet/architecture.js';
import { IResNet } from './iresnet/iresnet.js';

/** Size of a backbone for given options, computed without building it. */
export interface BackboneSize {
  /** Parameters, frozen ones included. */
  readonly parameters: number;
  /** Multiply-accumulates of one forward pass on one image (convolutions and fully connected). */
  readonly macs: number;
  /** Width of the embeddings the model produces (what a trainer checks old features against). */
  readonly embeddingDim: number;
}

/** A registered backbone architecture. Define one with {@link defineBackbone}. */
export interface BackboneSpec<Config extends { type: string } = { type: string }>
  extends ComponentSpec<Config> {
  /** Builds and initialises the model. */
  create(config: Config): Backbone;
  /** Parameters, MACs and embedding width for a config, without allocating weights. */
  size(config: Config): BackboneSize;
}

/**
 * Defines a backbone: `create` and `size` receive the config as its schema parses it (defaults
 * filled in), typed from the schema.
 */
export function defineBackbone<Schema extends z.ZodType<{ type: string }>>(
  spec: BackboneSpec<z.output<Schema>> & { readonly configSchema: Schema },
): BackboneSpec {
  return spec;
}

function iresnetSpec(depth: IResNetDepth): BackboneSpec {
  const id = `iresnet-${depth}`;
  const options = <T extends { type: string }>({ type: _, ...rest }: T) => rest;
  return defineBackbone({
    id,
    aliases: [`r${depth}`, `iresnet${depth}`],
    description: `insightface iResNet-${depth} (${IRESNET_DEPTHS[depth].join('-')} blocks per stage)`,
    specVersion: 1,
    configSchema: iresnetOptionsSchema.extend({ type: z.literal(id) }),
    create: (config) => new IResNet(depth, options(config)),
    size: (config) => {
      const plan = planIResNet(depth, options(config));
      return {
        parameters: countParameters(plan),
        macs: countMacs(plan),
        embeddingDim: plan.options.embeddingDim,
      };
    },
  });
}

/** A new registry holding the built-in backbones (for a trainer given its own registries). */
export function createBackboneRegistry(): Registry<BackboneSpec> {
  const registry = new Registry<BackboneSpec>('backbone');
  for (const depth of Object.keys(IRESNET_DEPTHS).map(Number) as IResNetDepth[])
    registry.register(iresnetSpec(depth));
  return registry;
}

/** Backbone architectures by id (`iresnet-18` .. `iresnet-200`, aliases `r18`, `iresnet50`, ...). */
export const backbones: Registry<BackboneSpec> = createBackboneRegistry();

/** A backbone config: `{ type: 'iresnet-50', inputSize: 56, ... }`. */
export type BackboneConfig = { type: string } & Record<string, unknown>;

/**
 * Resolves a backbone config: finds the architecture (by id or alias) and validates the options,
 * filling in defaults.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} for an unknown `type`, with suggestions.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for a bad or misspelt option.
 */
export function resolveBackboneConfig(
  config: BackboneConfig,
  path = 'backbone',
  registry: Registry<BackboneSpec> = backbones,
): { spec: BackboneSpec; config: { type: string } } {
  const spec = registry.get(config.type);
  return { spec, config: parseConfig(spec.configSchema, { ...config, type: spec.id }, path) };
}

/**
 * Builds a backbone from a config such as `{ type: 'r50' }` or
 * `{ type: 'iresnet-18', inputSize: 28, widthMultiplier: 0.25, inputChannels: 1 }`.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} / {@link @bctkit/tensor-ops!InvalidConfigError}
 */
export function createBackbone(
  config: BackboneConfig,
  path = 'backbone',
  registry: Registry<BackboneSpec> = backbones,
): Backbone {
  const resolved = resolveBackboneConfig(config, path, registry);
  return resolved.spec.create(resolved.config);
}
