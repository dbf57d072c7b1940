import { BctkitError, type BctkitErrorOptions } from '@bctkit/tensor-ops';

/**
 * A plugin could not be loaded: not found, no `register` export, a `@bctkit/*` peer of another
 * version than this `bct`'s, its own copy of a package that must be shared, or `register` threw.
 * The message names the plugin as it was given.
 */
export class PluginError extends BctkitError {
  /** The plugin as given to `--plugin` or the config's `plugins`. */
  readonly specifier: string;

  constructor(specifier: string, message: string, options?: BctkitErrorOptions) {
    super('PLUGIN', `plugin ${specifier}: ${message}`, options);
    this.specifier = specifier;
  }
}
