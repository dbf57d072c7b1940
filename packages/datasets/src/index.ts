/**
 * MXNet RecordIO streaming (MS1MV3), MixBCT class/data splits, small real datasets and a loader for bctkit.
 *
 * Work in progress under issue #3: RecordIO reading and writing, the insightface record-set layout,
 * MixBCT splits and the IDX / synthetic sources are here; the image loader follows.
 * @packageDocumentation
 * @module @bctkit/datasets
 */
export {
  encodeRecord,
  joinParts,
  LEGACY_RECORDIO_MAGIC,
  MAX_PART_LENGTH,
  PartFlag,
  paddingFor,
  RECORDIO_MAGIC,
} from './recordio/framing.js';
export {
  IMAGE_HEADER_BYTES,
  type ImageRecord,
  type ImageRecordInput,
  packImageRecord,
  unpackImageRecord,
} from './recordio/image-header.js';
export {
  createRecordIndex,
  formatRecordIndex,
  parseRecordIndex,
  type RecordIndex,
  readRecordIndex,
} from './recordio/index-file.js';
export {
  type DatasetProperty,
  formatProperty,
  parseProperty,
  readProperty,
} from './recordio/property-file.js';
export { type RebuildIndexOptions, rebuildRecordIndex } from './recordio/rebuild-index.js';
export { RecordFile, type RecordRead, type ScanOptions } from './recordio/record-file.js';
export {
  type OpenRecordSetOptions,
  type RecordLayout,
  type RecordSample,
  RecordSet,
  type RecordSetSummary,
} from './recordio/record-set.js';
export { RecordWriter } from './recordio/record-writer.js';
export { VERSION } from './version.js';
