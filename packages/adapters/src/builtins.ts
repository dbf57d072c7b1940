import { Registry } from '@bctkit/tensor-ops';
import { affine } from './methods/affine.js';
import { fct } from './methods/fct.js';
import { mlp } from './methods/mlp.js';
import { procrustes } from './methods/procrustes.js';
import { type AdapterSpec, defineAdapter } from './spec.js';

/** The built-in adapter methods, in the order `bct list` shows them. */
export const BUILTIN_ADAPTERS: readonly AdapterSpec[] = [
  defineAdapter(procrustes),
  defineAdapter(affine),
  defineAdapter(mlp),
  defineAdapter(fct),
];

/** Every adapter method by id: the built-ins, and any a plugin registers. */
export const adapters = new Registry<AdapterSpec>('adapter');
for (const spec of BUILTIN_ADAPTERS) adapters.register(spec);
