/**
 * Location of the decode worker script. Kept at the package root so the relative path is the same
 * from the sources (`src/loader/decode-worker.js`) and from the build, where this module is bundled
 * into `dist/index.js` and tsup emits `dist/loader/decode-worker.js`.
 */
export const DECODE_WORKER_URL = new URL('./loader/decode-worker.js', import.meta.url);
