import { extractFeatures, type FeatureExtractor } from '@bctkit/backbones';
import { createDataLoader, type DatasetSource } from '@bctkit/datasets';
import type { HostMatrix } from '@bctkit/tensor-ops';

/** A list of encoded images (JPEG, PNG, PGM / PPM) read one at a time. */
export interface EncodedImages {
  readonly count: number;
  /** The bytes of image `index`. */
  read(index: number): Promise<Uint8Array>;
  /** Where image `index` comes from, for errors. */
  locate(index: number): { file: string; record?: number };
}

/** A dataset source over encoded images, every label 0. */
export function encodedImageSource(type: string, images: EncodedImages): DatasetSource {
  return {
    type,
    size: images.count,
    numClasses: 1,
    async read(index) {
      return { index, label: 0, image: { kind: 'encoded', bytes: await images.read(index) } };
    },
    async labels() {
      return new Int32Array(images.count);
    },
    async close() {},
    locate: (index) => images.locate(index),
  };
}

/** Options of {@link embedImages}. */
export interface EmbedImagesOptions {
  readonly batchSize: number;
  /** Add the embedding of the mirror image (flip-test). */
  readonly flip: boolean;
  /** Called after each batch with the images done so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Told once when the images are converted to the model's input (size or colour). */
  readonly onConvert?: (
    from: readonly [number, number, 1 | 3],
    to: readonly [number, number, 1 | 3],
  ) => void;
}

/**
 * Embeds encoded images with a model, in order, resizing and converting them to the model's
 * input as `bct extract` does. Returns raw (not normalised) embeddings.
 */
export async function embedImages(
  extractor: FeatureExtractor,
  source: DatasetSource,
  options: EmbedImagesOptions,
): Promise<HostMatrix> {
  const [height, width, channels] = extractor.inputShape;
  const loader = await createDataLoader(source, {
    batchSize: options.batchSize,
    shuffle: false,
    channels,
    size: [height, width],
  });
  try {
    const from = loader.sourceShape;
    if (from[0] !== height || from[1] !== width || from[2] !== channels)
      options.onConvert?.(from, extractor.inputShape);
    const features = await extractFeatures(extractor, loader.batches(0), {
      flip: options.flip,
      total: source.size,
      ...(options.onProgress === undefined
        ? {}
        : { onProgress: (done: number) => options.onProgress!(done, source.size) }),
    });
    return { data: features.features, rows: features.count, cols: features.dim };
  } finally {
    await loader.close();
  }
}
