import { join } from 'node:path';
import { InvalidConfigError, writeFileAtomic } from '@bctkit/tensor-ops';
import { packImageRecord } from '../recordio/image-header.js';
import { writeMetaRecords } from '../recordio/meta-records.js';
import { formatProperty } from '../recordio/property-file.js';
import type { RecordSet } from '../recordio/record-set.js';
import { RecordWriter } from '../recordio/record-writer.js';
import type { SplitPart } from './plan-split.js';

/** Options of {@link writeRecordSubset}. */
export interface WriteSubsetOptions {
  /** Called every 1,000 images with the number written. */
  onProgress?: (written: number, total: number) => void;
}

/**
 * Writes the images of `part` as a new insightface-layout record set: `<directory>/<name>.rec`,
 * `.idx` and `property`. Image records keep their bytes and extra labels (the aligned flag) with
 * `label[0]` set to the part's label; keys run 1..n. Key 0 is the header record
 * `[n + 1, n + 1 + C]`, followed by one identity record per class when the part's labels ascend
 * in contiguous runs (as they do for MS1MV3 and both MixBCT splits). Otherwise the header holds
 * `[n + 1, C]` and no identity records, as MixBCT's own split files do.
 *
 * All files are written under temporary names and renamed at the end.
 */
export async function writeRecordSubset(
  source: RecordSet,
  part: SplitPart,
  directory: string,
  name = 'train',
  options: WriteSubsetOptions = {},
): Promise<void> {
  const count = part.indices.length;
  if (count === 0)
    throw new InvalidConfigError('part', 'the split part is empty; nothing to write');
  const classes = part.numClasses;
  const writer = await RecordWriter.create(
    join(directory, `${name}.rec`),
    join(directory, `${name}.idx`),
  );
  try {
    for (let i = 0; i < count; i++) {
      const sample = await source.read(part.indices[i]!);
      const labels = Array.from(sample.header.labels);
      labels[0] = part.labels[i]!;
      const key = i + 1;
      const label = sample.header.flag === 0 ? labels[0]! : labels;
      await writer.write(
        key,
        packImageRecord({ label, id: key, id2: sample.header.id2, payload: sample.image }),
      );
      if (key % 1000 === 0) options.onProgress?.(key, count);
    }
    await writeMetaRecords(writer, part.labels, classes);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  options.onProgress?.(count, count);
  const { height = 112, width = 112 } = source.property ?? {};
  await writeFileAtomic(
    join(directory, 'property'),
    formatProperty({ numClasses: classes, height, width, extraLines: [] }),
  );
}
