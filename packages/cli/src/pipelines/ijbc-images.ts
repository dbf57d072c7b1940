import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFeatures, type FeatureExtractor, type ImageBatch } from '@bctkit/backbones';
import { decodeImage } from '@bctkit/datasets';
import { alignFace, type IjbcMeta } from '@bctkit/metrics';
import { DatasetFormatError, type HostMatrix } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link embedIjbcImages}. */
export interface IjbcImageOptions {
  /** The IJB-C directory holding `loose_crop/` (insightface's IJB release layout). */
  readonly root: string;
  readonly meta: IjbcMeta;
  readonly extractor: FeatureExtractor;
  /** Images per batch. Default 64. */
  readonly batchSize?: number;
  /** Flip-test (image plus mirror), as insightface's evaluation. Default true. */
  readonly flip?: boolean;
  /** Embed only rows `[start, end)` of the landmark file (a shard). Default: every row. */
  readonly start?: number;
  readonly end?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * IJB-C image features as insightface's `eval_ijbc.py` computes them: each loose crop is decoded,
 * aligned from its five landmarks to the model's input size with a similarity transform to the
 * ArcFace reference points, normalised `(x / 255 - 0.5) / 0.5` in RGB, and embedded with
 * flip-test. Rows follow `ijbc_name_5pts_score.txt`, ready for `evaluateIjbcVerification`.
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming an unreadable or undecodable image.
 */
export async function embedIjbcImages(options: IjbcImageOptions): Promise<HostMatrix> {
  const { meta, extractor } = options;
  const [height, width, channels] = extractor.inputShape;
  if (height !== width)
    throw new DatasetFormatError(
      options.root,
      undefined,
      `alignment needs a square model input, got ${height}x${width}`,
    );
  const first = options.start ?? 0;
  const last = options.end ?? meta.names.length;
  if (
    !(
      Number.isInteger(first) &&
      Number.isInteger(last) &&
      0 <= first &&
      first <= last &&
      last <= meta.names.length
    )
  )
    throw new DatasetFormatError(
      options.root,
      undefined,
      `rows ${first} to ${last} are not within the ${meta.names.length} images of the landmark file`,
    );
  const total = last - first;
  const batchSize = options.batchSize ?? 64;
  async function* batches(): AsyncGenerator<ImageBatch> {
    for (let start = 0; start < total; start += batchSize) {
      const count = Math.min(batchSize, total - start);
      const pixels = new Float32Array(count * height * width * channels);
      for (let item = 0; item < count; item++) {
        const index = first + start + item;
        const path = join(options.root, 'loose_crop', meta.names[index]!);
        let image: ReturnType<typeof decodeImage>;
        try {
          image = decodeImage(new Uint8Array(await readFile(path)));
        } catch (cause) {
          throw new DatasetFormatError(
            path,
            undefined,
            `cannot read or decode the image (row ${index + 1} of the landmark file): ${(cause as Error).message}`,
            { cause },
          );
        }
        const aligned = alignFace(
          image,
          meta.landmarks.subarray(10 * index, 10 * index + 10),
          height,
        );
        const offset = item * height * width * channels;
        for (let p = 0; p < height * width; p++) {
          for (let c = 0; c < channels; c++) {
            // Grey sources repeat their channel; RGB into a grey model averages by luma weights.
            const source =
              channels === aligned.channels
                ? aligned.data[p * aligned.channels + c]!
                : aligned.channels === 1
                  ? aligned.data[p]!
                  : 0.299 * aligned.data[p * 3]! +
                    0.587 * aligned.data[p * 3 + 1]! +
                    0.114 * aligned.data[p * 3 + 2]!;
            pixels[offset + p * channels + c] = (source / 255 - 0.5) / 0.5;
          }
        }
      }
      yield { images: tf.tensor4d(pixels, [count, height, width, channels]) };
    }
  }
  const extracted = await extractFeatures(extractor, batches(), {
    flip: options.flip ?? true,
    total,
    ...(options.onProgress === undefined
      ? {}
      : { onProgress: (done: number) => options.onProgress!(done, total) }),
  });
  return { data: extracted.features, rows: extracted.count, cols: extracted.dim };
}
