// Decoding, flipping and normalising images for the loader. Plain JavaScript so that the same
// module runs in the loader's worker threads (Node loads it directly) and in-process.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** Decodes JPEG or PNG bytes to 8-bit grey (1 channel) or RGB (3 channels) pixels. */
export function decodeImage(bytes) {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    const decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: 64,
      maxMemoryUsageInMB: 256,
    });
    return { data: decoded.data, height: decoded.height, width: decoded.width, channels: 3 };
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
  throw new Error('not a JPEG or PNG image');
}

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
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + (flip ? width - 1 - x : x)) * source;
      const to = offset + (y * width + x) * channels;
      for (let c = 0; c < channels; c++)
        out[to + c] = (data[from + (source === 1 ? 0 : c)] / 255 - 0.5) / 0.5;
    }
  }
}

/**
 * Decodes (when needed), flips and normalises a list of images into one float32 array of shape
 * `[items.length, height, width, channels]`. Throws `{ item, message }` for the first bad image.
 */
export function processImages(items, height, width, channels) {
  const stride = height * width * channels;
  const out = new Float32Array(items.length * stride);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let image;
    try {
      image = item.image.kind === 'encoded' ? decodeImage(item.image.bytes) : item.image;
    } catch (error) {
      throw { item: i, message: `cannot decode the image: ${error?.message ?? error}` };
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
