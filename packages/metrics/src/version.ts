import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/metrics`. */
export const VERSION: string = manifest.version;
