import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/tensor-ops`, recorded in checkpoints and reports. */
export const VERSION: string = manifest.version;
