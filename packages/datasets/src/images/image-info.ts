/** Format and size of an encoded image, read from its header without decoding it. */
export interface ImageInfo {
  readonly format: 'jpeg' | 'png' | 'unknown';
  /** Pixels; 0 when unknown. */
  readonly width: number;
  readonly height: number;
}

const UNKNOWN: ImageInfo = { format: 'unknown', width: 0, height: 0 };

/** Start-of-frame markers (0xC0-0xCF except DHT 0xC4, JPG 0xC8 and DAC 0xCC) carry the size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegInfo(bytes: Uint8Array): ImageInfo {
  let position = 2;
  while (position + 4 <= bytes.length) {
    if (bytes[position] !== 0xff) return { format: 'jpeg', width: 0, height: 0 };
    const marker = bytes[position + 1]!;
    if (marker === 0xff) {
      position += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      position += 2; // markers without a length
      continue;
    }
    const length = (bytes[position + 2]! << 8) | bytes[position + 3]!;
    if (isStartOfFrame(marker) && position + 9 <= bytes.length) {
      const height = (bytes[position + 5]! << 8) | bytes[position + 6]!;
      const width = (bytes[position + 7]! << 8) | bytes[position + 8]!;
      return { format: 'jpeg', width, height };
    }
    if (length < 2) break;
    position += 2 + length;
  }
  return { format: 'jpeg', width: 0, height: 0 };
}

/**
 * Recognises JPEG (`FF D8`) and PNG (`89 50 4E 47`) data and reads the image size from the
 * header: the first start-of-frame segment of a JPEG, the IHDR chunk of a PNG. Never throws; any
 * other or damaged data gives `unknown` or a zero size.
 */
export function readImageInfo(bytes: Uint8Array): ImageInfo {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegInfo(bytes);
  if (
    bytes.length >= 24 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47
  ) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { format: 'png', width: view.getUint32(16, false), height: view.getUint32(20, false) };
  }
  return UNKNOWN;
}

/** The usual file extension for a format. */
export function extensionFor(format: ImageInfo['format']): string {
  return format === 'jpeg' ? '.jpg' : format === 'png' ? '.png' : '.bin';
}
