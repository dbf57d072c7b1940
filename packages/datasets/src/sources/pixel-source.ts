import { IndexOutOfRangeError } from '@bctkit/tensor-ops';
import type { DatasetSource } from './source.js';

/** In-memory images of one size, all at once: what the IDX, mnist and synthetic sources hold. */
export interface PixelArrays {
  /** `count * height * width * channels` bytes, image after image. */
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly numClasses: number;
}

/** A {@link DatasetSource} over images held in memory. */
export function createPixelSource(type: string, arrays: PixelArrays): DatasetSource {
  const { pixels, labels, height, width, channels, numClasses } = arrays;
  const imageBytes = height * width * channels;
  return {
    type,
    size: labels.length,
    numClasses,
    async read(index) {
      if (!Number.isInteger(index) || index < 0 || index >= labels.length) {
        throw new IndexOutOfRangeError(`image index ${index} is outside [0, ${labels.length})`);
      }
      const data = pixels.subarray(index * imageBytes, (index + 1) * imageBytes);
      return {
        index,
        label: labels[index]!,
        image: { kind: 'pixels', data, height, width, channels },
      };
    },
    async labels() {
      return labels;
    },
    async close() {},
  };
}
