import type { CompatibilityLoss } from './compatibility-loss.js';

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
