import { ShapeMismatchError } from '@bctkit/tensor-ops';

/**
 * insightface's five reference points for a 112 x 112 face crop (`arcface_dst`), as x, y: the eye
 * on the image's left, the eye on its right, the nose tip, the left and right mouth corners.
 */
export const ARCFACE_REFERENCE_POINTS: readonly (readonly [number, number])[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * A 2-D affine map as the top two rows of its 3 x 3 matrix, row-major:
 * `x' = m[0] x + m[1] y + m[2]`, `y' = m[3] x + m[4] y + m[5]`.
 */
export type AffineMatrix = readonly [number, number, number, number, number, number];

/**
 * The least-squares similarity transform (scale, rotation, translation; no reflection) mapping
 * `source` points onto `target` points: Umeyama's solution, as scikit-image's
 * `SimilarityTransform.estimate` computes it. In 2-D it has a closed form: with the points as
 * complex numbers and centred, `a = sum(conj(s) d) / sum(|s|^2)` is the scale-rotation, and
 * `t = mean(d) - a mean(s)`.
 *
 * @param source `[x1, y1, x2, y2, ...]`, e.g. the five detected landmarks in the image.
 * @param target the same layout; default {@link ARCFACE_REFERENCE_POINTS} scaled to `size`.
 * @returns the matrix mapping image coordinates to aligned-crop coordinates.
 */
export function estimateSimilarity(
  source: ArrayLike<number>,
  target: ArrayLike<number> = referencePoints(112),
): AffineMatrix {
  const count = source.length / 2;
  if (!Number.isInteger(count) || count < 2 || target.length !== source.length)
    throw new ShapeMismatchError(
      `estimateSimilarity needs matching x, y lists of at least 2 points, got ${source.length} and ${target.length} numbers`,
    );
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let point = 0; point < count; point++) {
    sx += source[2 * point]!;
    sy += source[2 * point + 1]!;
    dx += target[2 * point]!;
    dy += target[2 * point + 1]!;
  }
  sx /= count;
  sy /= count;
  dx /= count;
  dy /= count;
  let real = 0;
  let imaginary = 0;
  let spread = 0;
  for (let point = 0; point < count; point++) {
    const ux = source[2 * point]! - sx;
    const uy = source[2 * point + 1]! - sy;
    const vx = target[2 * point]! - dx;
    const vy = target[2 * point + 1]! - dy;
    // conj(u) * v
    real += ux * vx + uy * vy;
    imaginary += ux * vy - uy * vx;
    spread += ux * ux + uy * uy;
  }
  if (spread === 0) throw new ShapeMismatchError('estimateSimilarity: the source points coincide');
  const a = real / spread;
  const b = imaginary / spread;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

/** {@link ARCFACE_REFERENCE_POINTS} scaled to a `size x size` crop, as `[x1, y1, ...]`. */
export function referencePoints(size: number): Float64Array {
  return Float64Array.from(ARCFACE_REFERENCE_POINTS.flat(), (value) => (value * size) / 112);
}

/** An image in memory: row-major `[height, width, channels]` bytes. */
export interface ImagePixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/**
 * Warps an image with an affine map into a `size x size` output, as `cv2.warpAffine(image, M,
 * (size, size), borderValue=0)` does: each output pixel samples the source at `M^-1 (x, y)` with
 * bilinear interpolation, pixel centres at integer coordinates, and zeros outside the image.
 * Interpolation is exact (OpenCV quantises its weights to 1/32 pixel, so values may differ from
 * OpenCV's by a level or two). Values are rounded to bytes.
 */
export function warpAffine(image: ImagePixels, matrix: AffineMatrix, size: number): ImagePixels {
  const { data, width, height, channels } = image;
  const [a, b, c, d, e, f] = matrix;
  const determinant = a * e - b * d;
  if (determinant === 0) throw new ShapeMismatchError('warpAffine: the matrix is singular');
  // Inverse of [[a, b], [d, e]] and the translation.
  const ia = e / determinant;
  const ib = -b / determinant;
  const id = -d / determinant;
  const ie = a / determinant;
  const out = new Uint8Array(size * size * channels);
  const pixel = (x: number, y: number, channel: number) =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : data[(y * width + x) * channels + channel]!;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = ia * (u - c) + ib * (v - f);
      const y = id * (u - c) + ie * (v - f);
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const wx = x - x0;
      const wy = y - y0;
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) continue;
      for (let channel = 0; channel < channels; channel++) {
        const value =
          (1 - wy) * ((1 - wx) * pixel(x0, y0, channel) + wx * pixel(x0 + 1, y0, channel)) +
          wy * ((1 - wx) * pixel(x0, y0 + 1, channel) + wx * pixel(x0 + 1, y0 + 1, channel));
        out[(v * size + u) * channels + channel] = Math.min(255, Math.max(0, Math.round(value)));
      }
    }
  }
  return { data: out, width: size, height: size, channels };
}

/**
 * Aligns a face to insightface's `size x size` crop from its five landmarks (IJB-C's
 * `ijbc_name_5pts_score.txt` order): similarity transform to the reference points, then
 * {@link warpAffine}.
 */
export function alignFace(
  image: ImagePixels,
  landmarks: ArrayLike<number>,
  size = 112,
): ImagePixels {
  return warpAffine(image, estimateSimilarity(landmarks, referencePoints(size)), size);
}
