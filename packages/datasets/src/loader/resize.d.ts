import type { Pixels } from './image-transform.js';

/**
 * Resizes 8-bit pixels with an antialiased bilinear filter (rows, then columns), as Pillow's
 * `Image.resize(BILINEAR)` does, within one grey level.
 */
export function resizePixels(image: Pixels, height: number, width: number): Pixels;

/** Repeats grey into RGB, or turns RGB grey with Pillow's ITU-R 601 luma. */
export function toChannels(image: Pixels, channels: 1 | 3): Pixels;
