import type { SampleImage } from '../sources/source.js';

/** Raw 8-bit pixels, row-major `[height, width, channels]`. */
export interface Pixels {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

/** One image to process, and whether to mirror it. */
export interface TransformItem {
  readonly image: SampleImage;
  readonly flip: boolean;
}

/** Thrown by {@link processImages} for the first image that cannot be processed. */
export interface TransformFailure {
  readonly item: number;
  readonly message: string;
}

/** Decodes JPEG or PNG bytes to 8-bit grey or RGB pixels. @throws Error for other data. */
export function decodeImage(bytes: Uint8Array): Pixels;

/** Writes one image as normalised float32 `(x / 255 - 0.5) / 0.5`, mirrored when `flip`. */
export function writeNormalized(
  image: Pixels,
  flip: boolean,
  channels: 1 | 3,
  out: Float32Array,
  offset: number,
): void;

/** Decodes, flips and normalises images into `[items.length, height, width, channels]` floats. */
export function processImages(
  items: readonly TransformItem[],
  height: number,
  width: number,
  channels: 1 | 3,
): Float32Array;
