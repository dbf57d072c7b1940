import { type AdapterSpec, adapters } from '@bctkit/adapters';
import { type BackboneSpec, backbones, createBackboneRegistry } from '@bctkit/backbones';
import { createSourceRegistry, type SourceSpec, sources } from '@bctkit/datasets';
import {
  type CompatibilitySpec,
  compatibilityLosses,
  createCompatibilityRegistry,
  createHeadRegistry,
  type HeadSpec,
  heads,
} from '@bctkit/losses';
import type { Registry } from '@bctkit/tensor-ops';

/**
 * The components a training run can name in its config, one registry per kind. A run reads only
 * these, so two runs in one process can see different components (a plugin registered into one
 * set is invisible to the other).
 */
export interface TrainRegistries {
  readonly sources: Registry<SourceSpec>;
  readonly backbones: Registry<BackboneSpec>;
  readonly heads: Registry<HeadSpec>;
  readonly losses: Registry<CompatibilitySpec>;
}

/**
 * The process-wide registries every package exports (`sources`, `backbones`, `heads`,
 * `compatibilityLosses`): what a run uses unless it is given its own.
 */
export function globalRegistries(): TrainRegistries {
  return { sources, backbones, heads, losses: compatibilityLosses };
}

/** New registries holding only the built-in components, to register plugins into. */
export function builtInRegistries(): TrainRegistries {
  return {
    sources: createSourceRegistry(),
    backbones: createBackboneRegistry(),
    heads: createHeadRegistry(),
    losses: createCompatibilityRegistry(),
  };
}

/** Every kind of component `bct` knows: the trainer's, and the adapter methods. */
export interface ComponentRegistries extends TrainRegistries {
  readonly adapters: Registry<AdapterSpec>;
}

/**
 * Copies of `base` (default: the process-wide registries, built-ins and anything registered so
 * far), with the process-wide adapters unless `base` has its own, to load plugins into without
 * touching the originals.
 */
export function copyGlobalRegistries(
  base: TrainRegistries & { readonly adapters?: Registry<AdapterSpec> } = globalRegistries(),
): ComponentRegistries {
  return {
    sources: base.sources.copy(),
    backbones: base.backbones.copy(),
    heads: base.heads.copy(),
    losses: base.losses.copy(),
    adapters: (base.adapters ?? adapters).copy(),
  };
}
