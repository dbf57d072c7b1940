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
