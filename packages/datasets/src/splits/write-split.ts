import { join } from 'node:path';
import { InvalidConfigError, writeFileAtomic } from '@bctkit/tensor-ops';
import { packImageRecord } from '../recordio/image-header.js';
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
  const ranges = contiguousRanges(part.labels, classes);
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
    const empty = new Uint8Array(0);
    if (ranges !== undefined) {
      await writer.write(
        0,
        packImageRecord({ label: [count + 1, count + 1 + classes], id: 0, payload: empty }),
      );
      for (let label = 0; label < classes; label++) {
        const key = count + 1 + label;
        const [start, end] = ranges[label]!;
        await writer.write(key, packImageRecord({ label: [start, end], id: key, payload: empty }));
      }
    } else {
      await writer.write(
        0,
        packImageRecord({ label: [count + 1, classes], id: 0, payload: empty }),
      );
    }
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

/**
 * `[startKey, endKey)` per class when labels ascend in contiguous runs covering every class
 * (keys start at 1), else `undefined`.
 */
function contiguousRanges(labels: Int32Array, classes: number): [number, number][] | undefined {
  const ranges: [number, number][] = [];
  let i = 0;
  for (let label = 0; label < classes; label++) {
    const start = i;
    while (i < labels.length && labels[i] === label) i++;
    if (i === start) return undefined;
    ranges.push([start + 1, i + 1]);
  }
  return i === labels.length ? ranges : undefined;
}
