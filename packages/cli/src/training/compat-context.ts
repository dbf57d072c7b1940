import {
  advBctClassBoundaries,
  type CompatibilityContext,
  type CompatibilitySpec,
  compatibilityLosses,
  heads,
  lceClassCentres,
} from '@bctkit/losses';
import { type HostMatrix, InvalidConfigError, parseConfig } from '@bctkit/tensor-ops';
import type { TrainConfig } from './train-config.js';

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
  /** Width of the new model's embeddings. */
  readonly embeddingDim: number;
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
  const { embeddingDim } = sources;
  if (needs.has('prototypes')) {
    return {
      embeddingDim,
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
    return {
      embeddingDim,
      ...(needs.has('lce-centres')
        ? await lceClassCentres(features, sources.labels, options)
        : await advBctClassBoundaries(features, sources.labels, options)),
    };
  }
  return { embeddingDim };
}

/** The config key and description of each input a method can declare in its `needs`. */
const NEEDED_INPUTS: Readonly<
  Record<
    CompatibilitySpec['needs'][number],
    { key: 'oldFeatures' | 'credible' | 'prototypes'; what: string }
  >
> = {
  'old-features': {
    key: 'oldFeatures',
    what: 'the old-model features of the training set (.npy, from bct extract)',
  },
  'credible-mask': {
    key: 'credible',
    what: 'the credible flags of the old features (.npy, from bct denoise)',
  },
  prototypes: { key: 'prototypes', what: 'class prototypes (.npy, from bct prototypes)' },
  'lce-centres': {
    key: 'oldFeatures',
    what: 'the old-model features of the training set, for its class centres (.npy, from bct extract)',
  },
  'advbct-boundaries': {
    key: 'oldFeatures',
    what: 'the old-model features of the training set, for its class boundaries (.npy, from bct extract)',
  },
};

/**
 * Checks, before any data is read or model built, the options of the compatibility method and
 * the head, and that the config gives every input the method declares in its `needs`.
 * @throws {@link InvalidConfigError} naming the first missing config key.
 */
export function checkBeforeTraining(config: TrainConfig): void {
  const spec = compatibilityLosses.get(config.loss.type);
  // The method's and the head's own options too, so that a bad value stops the run before it
  // writes anything.
  parseConfig(spec.configSchema, config.loss, 'config.loss');
  parseConfig(heads.get(config.head.type).configSchema, config.head, 'config.head');
  for (const need of spec.needs) {
    const { key, what } = NEEDED_INPUTS[need];
    if (config[key] === undefined)
      throw new InvalidConfigError(`config.${key}`, `${spec.id} needs ${what}`);
  }
}

/**
 * Checks that credible flags are one 0 or 1 per image (`[N]` or `[N, 1]`), so a features file
 * given by mistake is refused instead of silently turning MixBCT into no constraint.
 * @throws {@link InvalidConfigError} naming the file and what is wrong.
 */
export function checkCredibleFlags(flags: HostMatrix, file: string): void {
  if (flags.cols !== 1)
    throw new InvalidConfigError(
      'config.credible',
      `${file} has ${flags.cols} values per row; credible flags are one 0 or 1 per image ([N], from bct denoise): is it a features file?`,
    );
  const row = flags.data.findIndex((value) => value !== 0 && value !== 1);
  if (row >= 0)
    throw new InvalidConfigError(
      'config.credible',
      `${file}: row ${row} is ${flags.data[row]}; credible flags are 0 or 1 (from bct denoise)`,
    );
}
