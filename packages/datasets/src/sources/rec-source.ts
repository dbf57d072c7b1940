import { z } from 'zod';
import { RecordSet } from '../recordio/record-set.js';
import type { DatasetSource, SourceSpec } from './source.js';

const recConfig = z.strictObject({
  type: z.literal('rec'),
  /** Path of the `.rec` file; `.idx` and `property` are found beside it. */
  path: z.string().min(1),
  /** Path of the `.idx`, when it is not beside the `.rec` with the same name. */
  indexPath: z.string().min(1).optional(),
});

/** Config of the `rec` source. */
export type RecSourceConfig = z.infer<typeof recConfig>;

/** Opens a RecordIO dataset (insightface or plain layout) as a {@link DatasetSource} of encoded images. */
export async function openRecSource(config: RecSourceConfig): Promise<DatasetSource> {
  const set = await RecordSet.open(
    config.path,
    config.indexPath === undefined ? {} : { indexPath: config.indexPath },
  );
  let labels: Int32Array | undefined;
  let numClasses = set.numClasses;
  try {
    if (numClasses === undefined) {
      labels = await set.labels();
      numClasses = labels.reduce((max, label) => Math.max(max, label + 1), 0);
    }
  } catch (error) {
    await set.close();
    throw error;
  }
  return {
    type: 'rec',
    size: set.size,
    numClasses,
    async read(index) {
      const sample = await set.read(index);
      return { index, label: sample.label, image: { kind: 'encoded', bytes: sample.image } };
    },
    async labels() {
      labels ??= await set.labels();
      return labels;
    },
    close: () => set.close(),
    locate(index) {
      const key = set.keyAt(index);
      return { file: set.file.path, record: key, offset: set.index.offsetOf.get(key) };
    },
  };
}

/** The `rec` source: insightface / MXNet RecordIO (`train.rec` + `train.idx`). */
export const recSourceSpec: SourceSpec<RecSourceConfig> = {
  id: 'rec',
  aliases: ['recordio', 'mxnet', 'insightface'],
  description: 'MXNet RecordIO (.rec + .idx), e.g. MS1MV3 from insightface',
  specVersion: 1,
  configSchema: recConfig,
  open: openRecSource,
};
