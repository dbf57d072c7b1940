import manifest from '../package.json' with { type: 'json' };

/** The version of `@bctkit/adapters`. */
export const VERSION: string = manifest.version;
