import { IMAGE_HEADER_BYTES, unpackImageRecord } from './image-header.js';
import { createRecordIndex, type RecordIndex } from './index-file.js';
import type { RecordFile } from './record-file.js';

/** Options of {@link rebuildRecordIndex}. */
export interface RebuildIndexOptions {
  /** Called every 10,000 records with the bytes scanned so far. */
  onProgress?: (bytesScanned: number, totalBytes: number) => void;
}

/**
 * Rebuilds a lost `.idx` by scanning the `.rec` from start to end. Keys come from each record's
 * image-header id (MXNet writers set id = key, including insightface's header and identity
 * records); if any record has no header or two ids collide, keys are the records' ordinals
 * (0, 1, 2, ... in file order) instead.
 */
export async function rebuildRecordIndex(
  file: RecordFile,
  options: RebuildIndexOptions = {},
): Promise<RecordIndex> {
  const offsets: number[] = [];
  const ids: number[] = [];
  let idsUsable = true;
  const seen = new Set<number>();
  for await (const record of file.scan()) {
    offsets.push(record.offset);
    if (idsUsable) {
      if (record.payload.length < IMAGE_HEADER_BYTES) {
        idsUsable = false;
      } else {
        const { id } = unpackImageRecord(record.payload, {
          file: file.path,
          offset: record.offset,
        });
        if (seen.has(id) || !Number.isSafeInteger(id)) idsUsable = false;
        seen.add(id);
        ids.push(id);
      }
    }
    if (offsets.length % 10_000 === 0) options.onProgress?.(record.end, file.size);
  }
  options.onProgress?.(file.size, file.size);
  const keys = idsUsable ? ids : offsets.map((_, i) => i);
  return createRecordIndex(keys, offsets);
}
