/**
 * A bctkit plugin: RACT's regression-alleviating contrastive loss (Zhang et al., "Hot-Refresh
 * Model Upgrades with Regression-Free Compatible Training in Image Retrieval", ICLR 2022) as the
 * compatibility method `ract`.
 *
 * `bct train --plugin bctkit-plugin-ract` loads it; a library user registers {@link ract} into a
 * registry of their own, or calls {@link register}.
 */
import { type CompatibilitySpec, defineCompatibilityLoss, OLD_FEATURES } from '@bctkit/losses';
import type { Registry } from '@bctkit/tensor-ops';
import { createRactLoss, ractConfigSchema } from './ract.js';

export { createRactLoss, type RactConfig, ractConfigSchema, ractTerm } from './ract.js';

/** The registry entry of `ract`: its config, the one resource it needs, how to build it. */
export const ract: CompatibilitySpec = defineCompatibilityLoss({
  id: 'ract',
  description:
    "RACT: contrast new features with the same image's old feature against old and new features of other classes (in-batch)",
  specVersion: 1,
  configSchema: ractConfigSchema,
  // The trainer checks the old features (rows, width, finite values) before it builds a model
  // and hands each batch its rows as `inputs.old`.
  resources: [OLD_FEATURES],
  prepare: () => ({}),
  create: (config) => createRactLoss(config),
});

/** What `bct` calls when it loads the plugin. */
export function register(registries: {
  readonly losses: Pick<Registry<CompatibilitySpec>, 'register'>;
}): void {
  registries.losses.register(ract);
}
