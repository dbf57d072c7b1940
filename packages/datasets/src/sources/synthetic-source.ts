import { SeededRandom } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { createPixelSource } from './pixel-source.js';
import type { DatasetSource, SourceSpec } from './source.js';

const syntheticConfig = z.strictObject({
  type: z.literal('synthetic'),
  classes: z.number().int().positive().default(10),
  imagesPerClass: z.number().int().positive().default(20),
  height: z.number().int().positive().default(28),
  width: z.number().int().positive().default(28),
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  /** Standard deviation of the per-image noise, in grey levels. */
  noise: z.number().min(0).default(24),
  seed: z.number().int().default(0),
});

/** Config of the `synthetic` source. */
export type SyntheticSourceConfig = z.infer<typeof syntheticConfig>;

/**
 * Deterministic, learnable images without any data files: each class has a smooth random
 * pattern (a sum of four plane waves per channel), and each image is its class pattern plus
 * Gaussian noise. Images of class c are the contiguous block `[c * n, (c + 1) * n)`, like the
 * identities of MS1MV3. The same config gives the same bytes everywhere.
 */
export function createSyntheticSource(config: SyntheticSourceConfig): DatasetSource {
  const { classes, imagesPerClass, height, width, channels, noise, seed } = config;
  const imageBytes = height * width * channels;
  const pixels = new Uint8Array(classes * imagesPerClass * imageBytes);
  const labels = new Int32Array(classes * imagesPerClass);
  const pattern = new Float64Array(imageBytes);
  const random = SeededRandom.fromSeed(seed);
  for (let label = 0; label < classes; label++) {
    const classRandom = random.split();
    pattern.fill(128);
    for (let channel = 0; channel < channels; channel++) {
      for (let wave = 0; wave < 4; wave++) {
        const fx = ((classRandom.next() * 4 - 2) * (2 * Math.PI)) / width;
        const fy = ((classRandom.next() * 4 - 2) * (2 * Math.PI)) / height;
        const phase = classRandom.next() * 2 * Math.PI;
        const amplitude = 20 + classRandom.next() * 30;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            pattern[(y * width + x) * channels + channel]! +=
              amplitude * Math.sin(fx * x + fy * y + phase);
          }
        }
      }
    }
    for (let i = 0; i < imagesPerClass; i++) {
      const index = label * imagesPerClass + i;
      labels[index] = label;
      const offset = index * imageBytes;
      for (let j = 0; j < imageBytes; j++) {
        const value = pattern[j]! + noise * classRandom.nextNormal();
        pixels[offset + j] = Math.min(255, Math.max(0, Math.round(value)));
      }
    }
  }
  return createPixelSource('synthetic', {
    pixels,
    labels,
    height,
    width,
    channels,
    numClasses: classes,
  });
}

/** The `synthetic` source. */
export const syntheticSourceSpec: SourceSpec<SyntheticSourceConfig> = {
  id: 'synthetic',
  aliases: ['random', 'fake'],
  description: 'Deterministic class patterns plus noise; no files needed',
  specVersion: 1,
  configSchema: syntheticConfig,
  open: async (config) => createSyntheticSource(config),
};
