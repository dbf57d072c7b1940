// Loads the native decoder when it was built, and says why not otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const binary = join(root, 'build', 'Release', 'bctkit_jpeg.node');

function load() {
  if (!existsSync(binary)) {
    let reason = 'not built (run: npm rebuild @bctkit/jpeg-turbo)';
    try {
      const status = JSON.parse(readFileSync(join(root, 'build', 'status.json'), 'utf8'));
      if (status.reason) reason = status.reason;
    } catch {
      // no status: the install script did not run (e.g. scripts disabled)
    }
    return { binding: undefined, reason };
  }
  try {
    return { binding: createRequire(import.meta.url)(binary), reason: undefined };
  } catch (error) {
    return { binding: undefined, reason: `the built decoder does not load: ${error.message}` };
  }
}

const { binding, reason } = load();

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
