// Resizing and channel conversion of 8-bit pixels, for images whose size or colour differ from a
// model's input. Plain JavaScript: the loader's worker threads import it directly.

/**
 * Weights of one output axis for a triangle (bilinear) filter that widens with the shrink factor,
 * so that shrinking averages every input pixel (antialiasing) as Pillow's BILINEAR resize does.
 */
function axisWeights(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const span = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * span);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const last = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let i = first; i < last; i++) {
      const distance = Math.abs((i - center + 0.5) / filterScale);
      const weight = distance < 1 ? 1 - distance : 0;
      weights[o * span + i - first] = weight;
      total += weight;
    }
    if (total > 0) for (let k = 0; k < last - first; k++) weights[o * span + k] /= total;
    starts[o] = first;
    counts[o] = last - first;
  }
  return { starts, counts, weights, span };
}

const clamp8 = (value) => (value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value));

/**
 * Resizes 8-bit pixels to `height` x `width` with an antialiased bilinear filter: rows first,
 * then columns, rounding to 8 bits in between, as Pillow's `Image.resize(BILINEAR)` does (same
 * values within one grey level).
 */
export function resizePixels(image, height, width) {
  const { data, channels } = image;
  let current = data;
  let currentWidth = image.width;
  if (image.width !== width) {
    const { starts, counts, weights, span } = axisWeights(image.width, width);
    const out = new Uint8Array(image.height * width * channels);
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let k = 0; k < counts[x]; k++)
            sum +=
              weights[x * span + k] * current[(y * currentWidth + starts[x] + k) * channels + c];
          out[(y * width + x) * channels + c] = clamp8(sum);
        }
      }
    }
    current = out;
    currentWidth = width;
  }
  if (image.height !== height) {
    const { starts, counts, weights, span } = axisWeights(image.height, height);
    const row = currentWidth * channels;
    const out = new Uint8Array(height * row);
    for (let y = 0; y < height; y++) {
      for (let i = 0; i < row; i++) {
        let sum = 0;
        for (let k = 0; k < counts[y]; k++)
          sum += weights[y * span + k] * current[(starts[y] + k) * row + i];
        out[y * row + i] = clamp8(sum);
      }
    }
    current = out;
  }
  return { data: current, height, width, channels };
}

/**
 * Gives an image `channels` channels: grey is repeated into RGB; RGB becomes grey with ITU-R 601
 * luma in Pillow's fixed point (`(19595 R + 38470 G + 7471 B + 32768) >> 16`).
 */
export function toChannels(image, channels) {
  if (image.channels === channels) return image;
  const pixels = image.height * image.width;
  const data = new Uint8Array(pixels * channels);
  if (channels === 3) {
    for (let i = 0; i < pixels; i++)
      data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = image.data[i];
  } else {
    const rgb = image.data;
    for (let i = 0; i < pixels; i++)
      data[i] = (19595 * rgb[3 * i] + 38470 * rgb[3 * i + 1] + 7471 * rgb[3 * i + 2] + 32768) >> 16;
  }
  return { data, height: image.height, width: image.width, channels };
}
