import type { DatasetSource } from '@bctkit/datasets';
import type { HostMatrix } from '@bctkit/tensor-ops';
import { describeConversion } from '../image-conversion.js';
import type { CliIo } from '../io.js';
import { embedImages } from '../pipelines/embed-images.js';
import { loadFeatureExtractor } from '../pipelines/load-extractor.js';
import { createProgress } from '../progress.js';

/**
 * Loads the model at `path` (a bctkit checkpoint or an external model config), embeds every image
 * of `source` in order with progress on stderr, says when images are resized or converted to the
 * model's input, and frees the model. `label` names the model in those lines ("new model").
 */
export async function embedWithModel(
  io: CliIo,
  path: string,
  label: string,
  source: DatasetSource,
  options: { batchSize: number; flip: boolean },
): Promise<HostMatrix> {
  const extractor = await loadFeatureExtractor(path);
  try {
    const progress = createProgress(io, `${label} features`, 'images');
    const features = await embedImages(extractor, source, {
      batchSize: options.batchSize,
      flip: options.flip,
      onProgress: (done, total) => progress.update(done, total),
      onConvert: (from, to) => io.stderr(`${label}: ${describeConversion(from, to)}\n`),
    });
    progress.finish();
    return features;
  } finally {
    extractor.dispose();
  }
}
