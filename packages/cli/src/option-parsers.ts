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

/** A commander parser for an image size: `HxW` (e.g. `112x96`) or one number for a square. */
export function imageSize(): (value: string) => [number, number] {
  return (value) => {
    const match = /^(\d+)(?:x(\d+))?$/.exec(value.trim());
    const height = Number(match?.[1]);
    const width = Number(match?.[2] ?? match?.[1]);
    if (match === null || !(height >= 1 && height <= 8192 && width >= 1 && width <= 8192))
      throw new InvalidArgumentError('expected HxW (e.g. 112x112) or one side, 1..8192.');
    return [height, width];
  };
}

/** A commander parser for a channel count: 1 (grey) or 3 (RGB). */
export function channelCount(): (value: string) => 1 | 3 {
  return (value) => {
    if (value.trim() !== '1' && value.trim() !== '3')
      throw new InvalidArgumentError('expected 1 (grey) or 3 (RGB).');
    return Number(value) as 1 | 3;
  };
}
