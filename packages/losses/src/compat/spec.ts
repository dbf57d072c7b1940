import type { ComponentSpec } from '@bctkit/tensor-ops';
import type { z } from 'zod';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { PROTOTYPES, type ResourceSpec, type Resources, requireResource } from './resources.js';

/**
 * A registered compatibility method. Define one with {@link defineCompatibilityLoss}.
 *
 * A trainer gives the method what it declares in `resources` (checked against the run before any
 * model is built), lets `prepare` turn them into the method's context once, then calls `create`.
 * Nothing outside the method knows what it needs.
 */
export interface CompatibilitySpec<
  Config extends { type: string } = { type: string },
  Context = unknown,
> extends ComponentSpec<Config> {
  /** What the method needs at training time besides the batch (old features, prototypes, ...). */
  readonly resources: readonly ResourceSpec[];
  /**
   * Builds the method's context from its resources, once, before the first step (e.g. LCE's
   * class centres from the old features). Methods that need nothing return `{}`.
   */
  prepare(resources: Resources): Context | Promise<Context>;
  /** Builds the loss for a parsed config and the context `prepare` returned. */
  create(config: Config, context: Context): CompatibilityLoss;
}

/**
 * Defines a compatibility method: `create` receives the config as its schema parses it, typed
 * from the schema, and the context `prepare` returns, typed from `prepare`.
 *
 * @example
 * const cosine = defineCompatibilityLoss({
 *   id: 'cosine', specVersion: 1,
 *   configSchema: z.strictObject({ type: z.literal('cosine'), lambda: z.number().default(1) }),
 *   resources: [OLD_FEATURES],
 *   prepare: () => ({}),
 *   create: (config) => createCosineLoss(config.lambda),
 * });
 * compatibilityLosses.register(cosine);
 */
export function defineCompatibilityLoss<Schema extends z.ZodType<{ type: string }>, Context>(
  spec: CompatibilitySpec<z.output<Schema>, Context> & { readonly configSchema: Schema },
): CompatibilitySpec {
  return spec;
}

/** `prepare` of methods that need nothing beyond their resources' presence. */
export const nothing = (): Record<string, never> => ({});

/** `prepare` of methods that classify through the old prototypes: `{ prototypes, embeddingDim }`. */
export const withPrototypes = (resources: Resources) => ({
  prototypes: requireResource(resources, PROTOTYPES),
  embeddingDim: resources.embeddingDim,
});
