// Loads the native decoder when it was built, and says why not otherwise.
import { join } from 'node:path';
import { loadAddon } from '@bctkit/native-build';

const { binding, reason } = loadAddon({
  packageRoot: join(import.meta.dirname, '..'),
  binary: 'bctkit_jpeg.node',
});

export const nativeJpeg = binding
  ? { available: true, libjpegVersion: binding.libjpegVersion }
  : { available: false, reason };

export function decodeJpeg(bytes) {
  if (!binding) throw new Error(`the native JPEG decoder is unavailable: ${reason}`);
  return binding.decode(bytes);
}

export function decodeJpegInto(bytes, out, offset, width, height, channels, flip) {
  if (!binding) throw new Error(`the native JPEG decoder is unavailable: ${reason}`);
  binding.decodeInto(bytes, out, offset, width, height, channels, flip);
}
