import {
  advBctClassBoundaries,
  type CompatibilityContext,
  compatibilityLosses,
  lceClassCentres,
} from '@bctkit/losses';
import { type HostMatrix, InvalidConfigError } from '@bctkit/tensor-ops';

/** What the training run has for the compatibility method. */
export interface ContextSources {
  /** Index-aligned old-model features of the training set (`config.oldFeatures`). */
  readonly oldFeatures?: HostMatrix;
  /** `[classes, d]` class prototypes (`config.prototypes`). */
  readonly prototypes?: HostMatrix;
  /** Labels of the training set, in dataset order. */
  readonly labels: Int32Array;
  /** Classes of the head. */
  readonly numClasses: number;
}

/**
 * The context a compatibility method needs (its registry entry's `needs`), computed from what the
 * run was given: prototypes as they are; LCE's class centres and angular bounds, and AdvBCT's
 * centres and radii, from the old features (one streaming pass each, at the start of the run).
 *
 * @throws {@link InvalidConfigError} naming the missing config key.
 */
export async function compatibilityContext(
  lossType: string,
  sources: ContextSources,
): Promise<CompatibilityContext> {
  const spec = compatibilityLosses.get(lossType);
  const needed = <T>(value: T | undefined, key: string, what: string): T => {
    if (value === undefined) {
      throw new InvalidConfigError(`config.${key}`, `${spec.id} needs ${what}`);
    }
    return value;
  };
  const needs = new Set(spec.needs);
  if (needs.has('prototypes')) {
    return {
      prototypes: needed(
        sources.prototypes,
        'prototypes',
        'class prototypes (.npy, from bct prototypes)',
      ),
    };
  }
  if (needs.has('lce-centres') || needs.has('advbct-boundaries')) {
    const features = needed(
      sources.oldFeatures,
      'oldFeatures',
      'the old-model features of the training set (.npy, from bct extract)',
    );
    const options = { numClasses: sources.numClasses };
    return needs.has('lce-centres')
      ? await lceClassCentres(features, sources.labels, options)
      : await advBctClassBoundaries(features, sources.labels, options);
  }
  return {};
}
