import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/losses`. */
export const VERSION: string = manifest.version;
