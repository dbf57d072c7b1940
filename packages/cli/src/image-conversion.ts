/** `[height, width, channels]` of an image. */
type Shape = readonly [number, number, 1 | 3];

/**
 * What the data loader does to images of another size or colour than a model takes, in words,
 * or undefined when it does nothing: e.g. `images are 250x250 RGB, the model takes 112x112 RGB:
 * resized (antialiased bilinear, as Pillow's BILINEAR)`.
 */
export function describeConversion(from: Shape, to: Shape): string | undefined {
  const steps: string[] = [];
  if (from[0] !== to[0] || from[1] !== to[1])
    steps.push("resized (antialiased bilinear, as Pillow's BILINEAR)");
  if (from[2] !== to[2])
    steps.push(to[2] === 1 ? 'turned grey (ITU-R 601 luma)' : 'grey repeated into RGB');
  if (steps.length === 0) return undefined;
  const shape = ([height, width, channels]: Shape) =>
    `${height}x${width} ${channels === 1 ? 'grey' : 'RGB'}`;
  return `images are ${shape(from)} (the first one), the model takes ${shape(to)}: ${steps.join(', ')}`;
}
