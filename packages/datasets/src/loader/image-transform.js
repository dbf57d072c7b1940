// Decoding, flipping and normalising images for the loader. Plain JavaScript so that the same
// module runs in the loader's worker threads (Node loads it directly) and in-process.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodePnm, isPnm } from './pnm-decode.js';
import { resizePixels, toChannels } from './resize.js';

const { PNG } = pngjs;

/** The native libjpeg-turbo decoder of @bctkit/jpeg-turbo when installed and built, else why not. */
async function loadNativeJpeg() {
  if (process.env.BCTKIT_JPEG_DECODER === 'jpeg-js') {
    return { decode: undefined, reason: 'BCTKIT_JPEG_DECODER=jpeg-js is set' };
  }
  try {
    const native = await import('@bctkit/jpeg-turbo');
    return native.nativeJpeg.available
      ? { decode: native.decodeJpeg, decodeInto: native.decodeJpegInto, reason: undefined }
      : { decode: undefined, reason: native.nativeJpeg.reason };
  } catch {
    return {
      decode: undefined,
      reason: 'the optional package @bctkit/jpeg-turbo is not installed',
    };
  }
}

const nativeJpeg = await loadNativeJpeg();

/** Which JPEG decoder this process uses: libjpeg-turbo (native) or jpeg-js, and why not native. */
export function jpegDecoder() {
  return nativeJpeg.decode
    ? { name: 'libjpeg-turbo', native: true }
    : { name: 'jpeg-js', native: false, reason: nativeJpeg.reason };
}

/** Decodes a JPEG with the pure-JavaScript jpeg-js (always RGB). */
export function decodeJpegPortable(bytes) {
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: 64,
    maxMemoryUsageInMB: 256,
  });
  return { data: decoded.data, height: decoded.height, width: decoded.width, channels: 3 };
}

/**
 * Decodes JPEG, PNG or binary / ASCII PGM / PPM (Netpbm P2, P3, P5, P6) bytes to 8-bit grey
 * (1 channel) or RGB (3 channels) pixels. JPEG goes through libjpeg-turbo when
 * @bctkit/jpeg-turbo is built (grey JPEGs stay grey), else jpeg-js.
 */
export function decodeImage(bytes) {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    return nativeJpeg.decode ? nativeJpeg.decode(bytes) : decodeJpegPortable(bytes);
  }
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47
  ) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const grey = png.colorType === 0 || png.colorType === 4;
    const channels = grey ? 1 : 3;
    const pixels = png.width * png.height;
    const data = new Uint8Array(pixels * channels);
    for (let i = 0; i < pixels; i++) {
      for (let c = 0; c < channels; c++) data[i * channels + c] = png.data[i * 4 + c];
    }
    return { data, height: png.height, width: png.width, channels };
  }
  if (isPnm(bytes)) return decodePnm(bytes);
  throw new Error('not a JPEG, PNG, PGM or PPM image');
}

/** `(x / 255 - 0.5) / 0.5` for every byte value, as float32: one lookup per value. */
const NORMALIZED = Float32Array.from({ length: 256 }, (_, value) => (value / 255 - 0.5) / 0.5);

/**
 * Writes one image into `out` at `offset` as normalised float32 `[height, width, channels]`:
 * `(x / 255 - 0.5) / 0.5`, mirrored left-right when `flip`. Grey images are repeated into three
 * channels when `channels` is 3.
 */
export function writeNormalized(image, flip, channels, out, offset) {
  const { data, height, width } = image;
  const source = image.channels;
  if (source !== channels && !(source === 1 && channels === 3)) {
    throw new Error(`cannot turn a ${source}-channel image into ${channels} channels`);
  }
  if (source === channels && !flip) {
    for (let i = 0; i < data.length; i++) out[offset + i] = NORMALIZED[data[i]];
    return;
  }
  const rowIn = width * source;
  const rowOut = width * channels;
  for (let y = 0; y < height; y++) {
    const rowStart = y * rowIn;
    let to = offset + y * rowOut;
    for (let x = 0; x < width; x++) {
      const from = rowStart + (flip ? width - 1 - x : x) * source;
      if (source === 1) {
        const value = NORMALIZED[data[from]];
        for (let c = 0; c < channels; c++) out[to++] = value;
      } else {
        out[to++] = NORMALIZED[data[from]];
        out[to++] = NORMALIZED[data[from + 1]];
        out[to++] = NORMALIZED[data[from + 2]];
      }
    }
  }
}

/**
 * Decodes (when needed), flips and normalises a list of images into one float32 array of shape
 * `[items.length, height, width, channels]` (into `out` when given, e.g. a view of shared memory).
 * With `convert`, images of another size are resized (see `resizePixels`) and RGB images are
 * turned grey when `channels` is 1; without it they are refused.
 * Throws `{ item, message }` for the first bad image.
 */
export function processImages(
  items,
  height,
  width,
  channels,
  out = new Float32Array(items.length * height * width * channels),
  convert = false,
) {
  const stride = height * width * channels;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const bytes = item.image.kind === 'encoded' ? item.image.bytes : undefined;
    if (bytes !== undefined && nativeJpeg.decodeInto && bytes[0] === 0xff && bytes[1] === 0xd8) {
      // Fast path: libjpeg-turbo decodes, flips and normalises straight into the output.
      try {
        nativeJpeg.decodeInto(bytes, out, i * stride, width, height, channels, item.flip);
        continue;
      } catch (error) {
        const message = error?.message ?? String(error);
        // Another size or channel count: the general path below converts it.
        const convertible = message.startsWith('the image is') || message.startsWith('cannot turn');
        if (!(convert && convertible)) {
          throw {
            item: i,
            message: convertible ? message : `cannot decode the image: ${message}`,
          };
        }
      }
    }
    let image;
    try {
      image = item.image.kind === 'encoded' ? decodeImage(item.image.bytes) : item.image;
    } catch (error) {
      throw { item: i, message: `cannot decode the image: ${error?.message ?? error}` };
    }
    if (convert) {
      image = toChannels(image, channels);
      if (image.height !== height || image.width !== width)
        image = resizePixels(image, height, width);
    }
    if (image.height !== height || image.width !== width) {
      throw {
        item: i,
        message: `the image is ${image.width}x${image.height}, the loader expects ${width}x${height}`,
      };
    }
    try {
      writeNormalized(image, item.flip, channels, out, i * stride);
    } catch (error) {
      throw { item: i, message: error.message };
    }
  }
  return out;
}
