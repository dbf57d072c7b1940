import type { Pixels } from './image-transform.js';

/** Whether `bytes` start like a PGM or PPM file (`P2`, `P3`, `P5` or `P6`). */
export function isPnm(bytes: Uint8Array): boolean;

/**
 * Decodes a PGM (grey) or PPM (RGB) image, binary or ASCII, to 8-bit pixels (samples scaled from
 * the file's maximum to 0..255). @throws Error naming what is wrong.
 */
export function decodePnm(bytes: Uint8Array): Pixels;
