import { BctkitError } from '@bctkit/tensor-ops';

/**
 * The command line itself is wrong: an option value out of range, options that cannot go
 * together, a required choice not made. `bct` exits with 2 for it (as for commander's own usage
 * errors), where a problem with the data or a config file exits with 1.
 */
export class UsageError extends BctkitError {
  /** The option at fault, e.g. `--ratio`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('USAGE', `${option}: ${message}`);
    this.option = option;
  }
}
