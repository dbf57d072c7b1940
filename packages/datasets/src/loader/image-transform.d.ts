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

/** The JPEG decoder in use: native libjpeg-turbo, or jpeg-js with the reason native is not used. */
export type JpegDecoderInfo =
  | { readonly name: 'libjpeg-turbo'; readonly native: true }
  | { readonly name: 'jpeg-js'; readonly native: false; readonly reason: string };

/** Which JPEG decoder this process uses (set `BCTKIT_JPEG_DECODER=jpeg-js` to force jpeg-js). */
export function jpegDecoder(): JpegDecoderInfo;

/** Decodes a JPEG with the pure-JavaScript jpeg-js (always RGB). @throws Error for bad data. */
export function decodeJpegPortable(bytes: Uint8Array): Pixels;

/**
 * Decodes JPEG, PNG or PGM / PPM bytes to 8-bit grey or RGB pixels; JPEG through libjpeg-turbo when the
 * optional @bctkit/jpeg-turbo is built, else jpeg-js. @throws Error for other or corrupt data.
 */
export function decodeImage(bytes: Uint8Array): Pixels;

/** Writes one image as normalised float32 `(x / 255 - 0.5) / 0.5`, mirrored when `flip`. */
export function writeNormalized(
  image: Pixels,
  flip: boolean,
  channels: 1 | 3,
  out: Float32Array,
  offset: number,
): void;

/**
 * Decodes, flips and normalises images into `[items.length, height, width, channels]` floats,
 * written to `out` when given (its length must fit), else to a new array. With `convert`, images
 * of another size are resized (antialiased bilinear) and RGB is turned grey for 1 channel;
 * without it such images are refused.
 */
export function processImages(
  items: readonly TransformItem[],
  height: number,
  width: number,
  channels: 1 | 3,
  out?: Float32Array,
  convert?: boolean,
): Float32Array;
