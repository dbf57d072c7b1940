import { z } from 'zod';
import type { CompatibilityLoss } from './compatibility-loss.js';
import { type CompatibilitySpec, defineCompatibilityLoss, nothing } from './spec.js';

/**
 * No compatibility constraint: the head's loss alone. The "unconstrained new model" baseline,
 * which shows what compatibility costs and that it does not come for free.
 */
export function createNoCompatibility(): CompatibilityLoss {
  return {
    id: 'none',
    trainableVariables: [],
    loss: (inputs, head) => head.loss(inputs.embeddings, inputs.labels),
    dispose: () => {},
  };
}

/** The registry entry of `none`. */
export const noneSpec: CompatibilitySpec = defineCompatibilityLoss({
  id: 'none',
  description: 'no compatibility constraint (the unconstrained new model)',
  specVersion: 1,
  configSchema: z.strictObject({ type: z.literal('none') }),
  resources: [],
  prepare: nothing,
  create: () => createNoCompatibility(),
});
