// Netpbm greyscale and colour images (PGM / PPM, binary P5 / P6 and ASCII P2 / P3), as face sets
// such as ORL / AT&T ship them. Plain JavaScript: the loader's worker threads import it directly.

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/** Whether `bytes` start like a PGM or PPM file (`P2`, `P3`, `P5` or `P6`). */
export function isPnm(bytes) {
  return bytes.length >= 3 && bytes[0] === 0x50 && [0x32, 0x33, 0x35, 0x36].includes(bytes[1]);
}

/** Reads the header's whitespace-separated numbers, skipping `#` comments to the end of line. */
function readHeader(bytes, count) {
  const values = [];
  let position = 2;
  while (values.length < count) {
    if (position >= bytes.length) throw new Error('the PGM/PPM header ends early');
    const byte = bytes[position];
    if (WHITESPACE.has(byte)) {
      position++;
    } else if (byte === 0x23) {
      while (position < bytes.length && bytes[position] !== 0x0a && bytes[position] !== 0x0d)
        position++;
    } else {
      let value = 0;
      let digits = 0;
      while (position < bytes.length && bytes[position] >= 0x30 && bytes[position] <= 0x39) {
        value = value * 10 + bytes[position] - 0x30;
        position++;
        if (++digits > 9) throw new Error('a PGM/PPM header number is too large');
      }
      if (digits === 0)
        throw new Error(`unexpected byte 0x${byte.toString(16)} in the PGM/PPM header`);
      values.push(value);
    }
  }
  // Exactly one whitespace byte separates the header from binary samples.
  return { values, position: position + 1 };
}

/**
 * Decodes a PGM (grey) or PPM (RGB) image to 8-bit pixels. Sample values are scaled from the
 * file's maximum to 0..255 (`round(v * 255 / max)`); 16-bit binary samples are big-endian.
 * @throws Error naming what is wrong (header, size, truncated data).
 */
export function decodePnm(bytes) {
  const kind = bytes[1] - 0x30;
  const ascii = kind === 2 || kind === 3;
  const channels = kind === 2 || kind === 5 ? 1 : 3;
  const { values, position } = readHeader(bytes, 3);
  const [width, height, maximum] = values;
  if (width === 0 || height === 0) throw new Error(`the PGM/PPM image is ${width}x${height}`);
  if (maximum === 0 || maximum > 65535)
    throw new Error(`the PGM/PPM maximum value is ${maximum}, expected 1..65535`);
  if (width * height > 64 * 1024 * 1024)
    throw new Error(`the PGM/PPM image is ${width}x${height}, more than 64 megapixels`);
  const samples = width * height * channels;
  const data = new Uint8Array(samples);
  const scale = (value) => {
    if (value > maximum) throw new Error(`a sample (${value}) exceeds the maximum ${maximum}`);
    return maximum === 255 ? value : Math.round((value * 255) / maximum);
  };
  if (ascii) {
    let at = position - 1;
    for (let i = 0; i < samples; i++) {
      while (at < bytes.length && !(bytes[at] >= 0x30 && bytes[at] <= 0x39)) {
        if (bytes[at] === 0x23) while (at < bytes.length && bytes[at] !== 0x0a) at++;
        else if (WHITESPACE.has(bytes[at])) at++;
        else throw new Error(`unexpected byte 0x${bytes[at].toString(16)} in PGM/PPM samples`);
      }
      if (at >= bytes.length)
        throw new Error(`the PGM/PPM data ends after ${i} of ${samples} samples`);
      let value = 0;
      while (at < bytes.length && bytes[at] >= 0x30 && bytes[at] <= 0x39 && value <= 65535)
        value = value * 10 + bytes[at++] - 0x30;
      data[i] = scale(value);
    }
  } else {
    const wide = maximum > 255;
    const needed = samples * (wide ? 2 : 1);
    if (bytes.length - position < needed)
      throw new Error(
        `the PGM/PPM data is truncated: ${bytes.length - position} of ${needed} sample bytes`,
      );
    for (let i = 0; i < samples; i++) {
      const value = wide
        ? (bytes[position + 2 * i] << 8) | bytes[position + 2 * i + 1]
        : bytes[position + i];
      data[i] = scale(value);
    }
  }
  return { data, height, width, channels };
}
