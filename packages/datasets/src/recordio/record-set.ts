import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DatasetFormatError } from '@bctkit/tensor-ops';
import { type ImageRecord, unpackImageRecord } from './image-header.js';
import { type RecordIndex, readRecordIndex } from './index-file.js';
import { type DatasetProperty, readProperty } from './property-file.js';
import { rebuildRecordIndex } from './rebuild-index.js';
import { RecordFile } from './record-file.js';

/**
 * How the records of a `.rec` are organised:
 * - `insightface`: key 0 is a header record (flag > 0, `label = [imageEnd, identityEnd]`), images
 *   are keys `[1, imageEnd)`; identity records may follow.
 * - `plain`: every key in the `.idx` is an image (im2rec, RecBuilder, shuffled recs).
 */
export type RecordLayout = 'insightface' | 'plain';

/** One image record of a {@link RecordSet}. */
export interface RecordSample {
  /** Dataset index, 0-based in image order (what MixBCT's old features are indexed by). */
  readonly index: number;
  /** The record's key in the `.idx`. */
  readonly key: number;
  /** Integer class label (`labels[0]`, rounded). */
  readonly label: number;
  readonly header: ImageRecord;
  /** The encoded image (usually JPEG). */
  readonly image: Uint8Array;
}

/** Options of {@link RecordSet.open}. */
export interface OpenRecordSetOptions {
  /** Default: the `.rec` path with `.idx` instead. */
  indexPath?: string;
  /** Default: `property` in the same directory. */
  propertyPath?: string;
  /** Scan the `.rec` to rebuild a missing `.idx` (in memory). Default true. */
  rebuildMissingIndex?: boolean;
  /** Progress of an index rebuild. */
  onRebuildProgress?: (bytesScanned: number, totalBytes: number) => void;
}

/** Summary facts of a record set, as `bct data inspect` prints them. */
export interface RecordSetSummary {
  readonly recordPath: string;
  readonly layout: RecordLayout;
  readonly records: number;
  readonly images: number;
  /** Classes, from the identity records or the property file; `undefined` when neither says. */
  readonly numClasses: number | undefined;
  /** `[first, end)` image keys (insightface layout). */
  readonly imageKeyRange: readonly [number, number] | undefined;
  /** `[first, end)` identity-record keys, when those records exist. */
  readonly identityKeyRange: readonly [number, number] | undefined;
  readonly property: DatasetProperty | undefined;
  /** Whether the `.idx` was rebuilt by scanning. */
  readonly indexRebuilt: boolean;
  readonly bytes: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A dataset stored as MXNet RecordIO (`.rec` + `.idx` + optional `property`), in either the
 * insightface face-dataset layout (MS1MV3, MS1MV2, Glint360K) or a plain layout. Gives random
 * access to image records by dataset index, the label of every image, and summary facts.
 */
export class RecordSet {
  readonly file: RecordFile;
  readonly index: RecordIndex;
  readonly layout: RecordLayout;
  readonly property: DatasetProperty | undefined;
  readonly indexRebuilt: boolean;
  /** Keys of the image records, in dataset-index order. */
  private readonly imageKeys: readonly number[];
  private readonly headerLabels: Float32Array | undefined;
  private readonly identityRange: readonly [number, number] | undefined;
  /** Every indexed offset, ascending: a record spans from its offset to the next one. */
  private readonly sortedOffsets: Float64Array;

  private constructor(init: {
    file: RecordFile;
    index: RecordIndex;
    layout: RecordLayout;
    property: DatasetProperty | undefined;
    indexRebuilt: boolean;
    imageKeys: readonly number[];
    headerLabels: Float32Array | undefined;
    identityRange: readonly [number, number] | undefined;
  }) {
    this.file = init.file;
    this.index = init.index;
    this.layout = init.layout;
    this.property = init.property;
    this.indexRebuilt = init.indexRebuilt;
    this.imageKeys = init.imageKeys;
    this.headerLabels = init.headerLabels;
    this.identityRange = init.identityRange;
    this.sortedOffsets = Float64Array.from(init.index.offsets).sort();
  }

  /** A record's size on disk: from its offset to the next indexed offset, or the end of the file. */
  private spanAt(offset: number): number {
    const offsets = this.sortedOffsets;
    let low = 0;
    let high = offsets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (offsets[middle]! <= offset) low = middle + 1;
      else high = middle;
    }
    return (low < offsets.length ? offsets[low]! : this.file.size) - offset;
  }

  /**
   * Opens `train.rec` (with `train.idx` and `property` beside it by default).
   * @throws {@link @bctkit/tensor-ops!DatasetFormatError} when the files are inconsistent or the header is malformed.
   */
  static async open(recordPath: string, options: OpenRecordSetOptions = {}): Promise<RecordSet> {
    const indexPath = options.indexPath ?? `${recordPath.replace(/\.rec$/, '')}.idx`;
    const propertyPath = options.propertyPath ?? join(dirname(recordPath), 'property');
    const file = await RecordFile.open(recordPath);
    try {
      let index: RecordIndex;
      let indexRebuilt = false;
      if (await exists(indexPath)) {
        index = await readRecordIndex(indexPath, file.size);
      } else if (options.rebuildMissingIndex ?? true) {
        index = await rebuildRecordIndex(file, { onProgress: options.onRebuildProgress });
        indexRebuilt = true;
      } else {
        throw new DatasetFormatError(
          indexPath,
          undefined,
          'the index file is missing; pass rebuildMissingIndex to scan the .rec',
        );
      }
      if (index.keys.length === 0)
        throw new DatasetFormatError(recordPath, 0, 'the record set is empty');
      const property = await readProperty(propertyPath);
      const layoutInfo = await detectLayout(file, index);
      return new RecordSet({ file, index, property, indexRebuilt, ...layoutInfo });
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Number of images. */
  get size(): number {
    return this.imageKeys.length;
  }

  /** Classes: identity records first, then the property file; `undefined` if neither says. */
  get numClasses(): number | undefined {
    if (this.identityRange !== undefined) return this.identityRange[1] - this.identityRange[0];
    return this.property?.numClasses;
  }

  /** The `.idx` key of the image at dataset index `index`. */
  keyAt(index: number): number {
    const key = this.imageKeys[index];
    if (key === undefined) {
      throw new DatasetFormatError(
        this.file.path,
        undefined,
        `image index ${index} is outside [0, ${this.size})`,
      );
    }
    return key;
  }

  /** Reads and parses the record stored under `key`. */
  async readKey(key: number): Promise<ImageRecord & { offset: number }> {
    const offset = this.index.offsetOf.get(key);
    if (offset === undefined) {
      throw new DatasetFormatError(this.file.path, undefined, `key ${key} is not in the index`, {
        record: key,
      });
    }
    const { payload } = await this.file.read(offset, key, this.spanAt(offset));
    return { ...unpackImageRecord(payload, { file: this.file.path, offset, record: key }), offset };
  }

  /**
   * Reads the image at dataset index `index`.
   * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for a corrupt record or a label outside the class range.
   */
  async read(index: number): Promise<RecordSample> {
    const key = this.keyAt(index);
    const header = await this.readKey(key);
    const label = this.checkLabel(header.labels[0]!, key, header.offset);
    return { index, key, label, header, image: header.payload };
  }

  private checkLabel(value: number, key: number, offset: number | undefined): number {
    const label = Math.round(value);
    const classes = this.numClasses;
    if (!Number.isFinite(value) || label < 0 || (classes !== undefined && label >= classes)) {
      throw new DatasetFormatError(
        this.file.path,
        offset,
        `label ${value} is outside the class range [0, ${classes ?? 'inf'})`,
        { record: key },
      );
    }
    return label;
  }

  /**
   * The label of every image, in dataset-index order. Uses the identity records when present
   * (one small read per class), otherwise scans the `.rec` sequentially.
   */
  async labels(
    options: { onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Int32Array> {
    const labels = new Int32Array(this.size);
    if (this.identityRange !== undefined && this.layout === 'insightface') {
      const [first, end] = this.identityRange;
      let expectedStart = this.imageKeys[0] ?? 1;
      for (let key = first; key < end; key++) {
        const { labels: range, offset } = await this.readKey(key);
        const start = Math.round(range[0]!);
        const stop = Math.round(range[1] ?? Number.NaN);
        if (start !== expectedStart || !(stop >= start) || stop - 1 > this.imageKeys.at(-1)!) {
          throw new DatasetFormatError(
            this.file.path,
            offset,
            `identity record covers keys [${range[0]}, ${range[1]}), expected it to start at ${expectedStart} and stay within the images`,
            { record: key },
          );
        }
        labels.fill(key - first, start - this.imageKeys[0]!, stop - this.imageKeys[0]!);
        expectedStart = stop;
        options.onProgress?.(key - first + 1, end - first);
      }
      if (expectedStart !== this.imageKeys.at(-1)! + 1) {
        throw new DatasetFormatError(
          this.file.path,
          undefined,
          `identity records end at key ${expectedStart}, images at ${this.imageKeys.at(-1)! + 1}`,
        );
      }
      return labels;
    }
    const positionOf = new Map(
      this.imageKeys.map((key, i) => [this.index.offsetOf.get(key)!, i] as const),
    );
    let done = 0;
    for await (const record of this.file.scan()) {
      const position = positionOf.get(record.offset);
      if (position === undefined) continue; // header or identity record, or not indexed
      const key = this.imageKeys[position]!;
      const header = unpackImageRecord(record.payload, {
        file: this.file.path,
        offset: record.offset,
        record: key,
      });
      labels[position] = this.checkLabel(header.labels[0]!, key, record.offset);
      done += 1;
      if (done % 10_000 === 0) options.onProgress?.(done, this.size);
    }
    if (done !== this.size) {
      throw new DatasetFormatError(
        this.file.path,
        undefined,
        `the .idx lists ${this.size} images but a scan found ${done} of them`,
      );
    }
    options.onProgress?.(done, this.size);
    return labels;
  }

  /** Summary facts of the set. */
  summary(): RecordSetSummary {
    return {
      recordPath: this.file.path,
      layout: this.layout,
      records: this.index.keys.length,
      images: this.size,
      numClasses: this.numClasses,
      imageKeyRange:
        this.headerLabels === undefined
          ? undefined
          : [this.imageKeys[0] ?? 1, (this.imageKeys.at(-1) ?? 0) + 1],
      identityKeyRange: this.identityRange,
      property: this.property,
      indexRebuilt: this.indexRebuilt,
      bytes: this.file.size,
    };
  }

  /** Closes the `.rec`. */
  async close(): Promise<void> {
    await this.file.close();
  }
}

/** Reads key 0 (if any) to tell the insightface layout from a plain one. */
async function detectLayout(file: RecordFile, index: RecordIndex) {
  const headerOffset = index.offsetOf.get(0);
  if (headerOffset !== undefined) {
    const { payload } = await file.read(headerOffset, 0);
    const header = unpackImageRecord(payload, { file: file.path, offset: headerOffset, record: 0 });
    if (header.flag > 0) {
      const imageEnd = header.labels[0]!;
      if (!Number.isSafeInteger(imageEnd) || imageEnd < 1) {
        throw new DatasetFormatError(
          file.path,
          headerOffset,
          `header record label[0] = ${imageEnd} is not a valid image-key end`,
          {
            record: 0,
          },
        );
      }
      const imageKeys: number[] = [];
      for (let key = 1; key < imageEnd; key++) {
        if (!index.offsetOf.has(key)) {
          throw new DatasetFormatError(
            file.path,
            headerOffset,
            `the header says images are keys [1, ${imageEnd}) but key ${key} is not in the .idx`,
            {
              record: 0,
            },
          );
        }
        imageKeys.push(key);
      }
      // label[1] is the identity-range end in face2rec2 files; MixBCT's split files put a class
      // count there instead and write no identity records, so only trust it when they exist.
      const identityEnd = header.labels[1];
      const identityRange: readonly [number, number] | undefined =
        identityEnd !== undefined &&
        identityEnd > imageEnd &&
        index.offsetOf.has(imageEnd) &&
        index.offsetOf.has(identityEnd - 1)
          ? [imageEnd, identityEnd]
          : undefined;
      return {
        layout: 'insightface' as const,
        imageKeys,
        headerLabels: header.labels,
        identityRange,
      };
    }
  }
  return {
    layout: 'plain' as const,
    imageKeys: index.keys,
    headerLabels: undefined,
    identityRange: undefined,
  };
}
