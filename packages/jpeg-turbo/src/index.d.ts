/** Pixels decoded by {@link decodeJpeg}: row-major `[height, width, channels]` bytes. */
export interface DecodedJpeg {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** 1 for grey JPEGs, 3 (RGB) otherwise. */
  readonly channels: 1 | 3;
}

/** Whether the native decoder is usable here, and why not. */
export type NativeJpegStatus =
  | { readonly available: true; readonly libjpegVersion: number }
  | { readonly available: false; readonly reason: string };

/** The state of the native decoder in this process. */
export const nativeJpeg: NativeJpegStatus;

/**
 * Decodes a JPEG with the system libjpeg (libjpeg-turbo on Debian): grey stays grey, everything
 * else becomes RGB. Corrupt or truncated data throws, as in PIL.
 * @throws Error when the native decoder is unavailable or the data is not a valid JPEG.
 */
export function decodeJpeg(bytes: Uint8Array): DecodedJpeg;

/**
 * Decodes a JPEG straight into `out` at `offset` as normalised float32 `(x / 255 - 0.5) / 0.5`,
 * `[height, width, channels]`, mirrored left-right when `flip` (grey repeated into 3 channels
 * when `channels` is 3). The fast path of bctkit's loader: no intermediate pixel buffer.
 * @throws Error when unavailable, for corrupt data, another image size, or too small an `out`.
 */
export function decodeJpegInto(
  bytes: Uint8Array,
  out: Float32Array,
  offset: number,
  width: number,
  height: number,
  channels: 1 | 3,
  flip: boolean,
): void;
