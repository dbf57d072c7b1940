import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/backbones`. */
export const VERSION: string = manifest.version;
