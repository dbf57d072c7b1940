import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/cli`. */
export const VERSION: string = manifest.version;
