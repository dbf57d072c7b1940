import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/datasets`. */
export const VERSION: string = manifest.version;
