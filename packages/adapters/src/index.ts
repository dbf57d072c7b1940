/**
 * Maps between embedding spaces for model upgrades without backfill: adapters fitted from
 * features of the same images in two spaces (any widths), applied to new queries or to an old
 * gallery, and their files.
 * @packageDocumentation
 * @module @bctkit/adapters
 */
export {
  type AdapterParameter,
  type AdapterRole,
  type FittedAdapter,
  normalizeRows,
} from './adapter.js';
export {
  ADAPTER_FORMAT,
  ADAPTER_VERSION,
  parseAdapter,
  readAdapter,
  serializeAdapter,
  writeAdapter,
} from './adapter-file.js';
export { adapters, BUILTIN_ADAPTERS } from './builtins.js';
export {
  type AdapterFitInput,
  applyAdapter,
  type FitAdapterOptions,
  fitAdapter,
} from './fit-adapter.js';
export { affine, affineOptions } from './methods/affine.js';
export { fct, fctForward, fctOptions } from './methods/fct.js';
export { mlp, mlpForward, mlpOptions } from './methods/mlp.js';
export { procrustes, procrustesOptions } from './methods/procrustes.js';
export { type Forward, type NetworkTraining, trainNetwork } from './network/train-network.js';
export {
  type AdapterFitData,
  type AdapterFitHooks,
  type AdapterSpec,
  defineAdapter,
} from './spec.js';
export { VERSION } from './version.js';
