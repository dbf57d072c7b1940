import { InvalidConfigError } from '@bctkit/tensor-ops';

/** A commander parser for a positive number option, naming the flag in its error. */
export function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0)
      throw new InvalidConfigError(flag, `expected a positive number, got '${value}'`);
    return number;
  };
}

/** A commander parser for a positive integer option (counts, batch sizes), naming the flag. */
export function positiveInteger(flag: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1)
      throw new InvalidConfigError(flag, `expected a positive integer, got '${value}'`);
    return number;
  };
}
