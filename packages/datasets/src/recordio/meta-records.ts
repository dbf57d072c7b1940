import { packImageRecord } from './image-header.js';
import type { RecordWriter } from './record-writer.js';

/**
 * `[startKey, endKey)` per class when labels ascend in contiguous runs covering every class
 * (image keys start at 1), else `undefined`.
 */
export function contiguousClassRanges(
  labels: ArrayLike<number>,
  classes: number,
): [number, number][] | undefined {
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

/**
 * Writes insightface's meta records after `imageCount` images (keys 1..n): key 0, the header
 * `[n + 1, n + 1 + C]`, and one identity record `[firstKey, endKey)` per class when the labels
 * ascend in contiguous runs (face2rec2's layout). Otherwise only the header, as `[n + 1, C]`
 * (MixBCT's split files do the same), since identity ranges would not exist.
 * @returns whether identity records were written.
 */
export async function writeMetaRecords(
  writer: RecordWriter,
  labels: ArrayLike<number>,
  classes: number,
): Promise<boolean> {
  const count = labels.length;
  const empty = new Uint8Array(0);
  const ranges = contiguousClassRanges(labels, classes);
  if (ranges === undefined) {
    await writer.write(0, packImageRecord({ label: [count + 1, classes], id: 0, payload: empty }));
    return false;
  }
  await writer.write(
    0,
    packImageRecord({ label: [count + 1, count + 1 + classes], id: 0, payload: empty }),
  );
  for (const [label, [start, end]] of ranges.entries()) {
    const key = count + 1 + label;
    await writer.write(key, packImageRecord({ label: [start, end], id: key, payload: empty }));
  }
  return true;
}
