import { InvalidArgumentError } from 'commander';

/**
 * A commander parser for a number option, naming the flag in its error. A bad value is a usage
 * error (exit 2), reported by commander with the option's name.
 */
function numberParser(
  valid: (number: number) => boolean,
  expected: string,
): (value: string) => number {
  return (value) => {
    const number = value.trim() === '' ? Number.NaN : Number(value);
    if (!valid(number)) throw new InvalidArgumentError(`expected ${expected}.`);
    return number;
  };
}

/** A commander parser for a positive number option. */
export function positiveNumber(): (value: string) => number {
  return numberParser((number) => Number.isFinite(number) && number > 0, 'a positive number');
}

/** A commander parser for a positive integer option (counts, batch sizes). */
export function positiveInteger(): (value: string) => number {
  return numberParser((number) => Number.isInteger(number) && number >= 1, 'a positive integer');
}

/** A commander parser for a number in the open interval (0, 1) (ratios, shares). */
export function openUnitInterval(): (value: string) => number {
  return numberParser((number) => number > 0 && number < 1, 'a number in (0, 1)');
}

/** A commander parser for a number in (0, 1] (keep ratios). */
export function unitInterval(): (value: string) => number {
  return numberParser((number) => number > 0 && number <= 1, 'a number in (0, 1]');
}

/** A commander parser for a whole number >= 0 (limits). */
export function wholeNumber(): (value: string) => number {
  return numberParser((number) => Number.isInteger(number) && number >= 0, 'a whole number >= 0');
}
