/**
 * MXNet RecordIO streaming (MS1MV3), MixBCT class/data splits, small real datasets and a loader for bctkit.
 *
 * Work in progress under issue #3: RecordIO reading and writing, the insightface record-set layout,
 * MixBCT splits and the dataset sources are here; the decoding loader follows.
 * @packageDocumentation
 * @module @bctkit/datasets
 */

export { createSourceRegistry, openSource, sources } from './builtins.js';
export { extensionFor, type ImageInfo, readImageInfo } from './images/image-info.js';
export { encodePng } from './images/png-encode.js';
export {
  type Batch,
  createDataLoader,
  type DataLoader,
  type DataLoaderOptions,
  type EpochOptions,
} from './loader/data-loader.js';
export { type EpochOrderOptions, epochOrder, epochRandom } from './loader/epoch-order.js';
export {
  decodeImage,
  decodeJpegPortable,
  type JpegDecoderInfo,
  jpegDecoder,
  type Pixels,
} from './loader/image-transform.js';
export { decodePnm, isPnm } from './loader/pnm-decode.js';
export { resizePixels, toChannels } from './loader/resize.js';
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
export { contiguousClassRanges, writeMetaRecords } from './recordio/meta-records.js';
export { type PackOptions, type PackResult, packSource } from './recordio/pack-source.js';
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
export { type IdxArray, parseIdx, type ReadIdxOptions, readIdxFile } from './sources/idx-file.js';
export {
  DEBIAN_FASHION_MNIST_DIRECTORY,
  type FashionMnistSourceConfig,
  type IdxSourceConfig,
  openIdxSource,
} from './sources/idx-source.js';
export {
  type FolderEntry,
  type IdentitySelection,
  IMAGE_EXTENSIONS,
  type ImageFolderSourceConfig,
  listImageFolder,
  openImageFolderSource,
  readIdentityList,
} from './sources/image-folder-source.js';
export { type MnistSourceConfig, openMnistPackageSource } from './sources/mnist-package-source.js';
export { createPixelSource, type PixelArrays } from './sources/pixel-source.js';
export { openRecSource, type RecSourceConfig } from './sources/rec-source.js';
export {
  type DatasetSource,
  defineSource,
  type ImageLocation,
  type Sample,
  type SampleImage,
  type SourceSpec,
} from './sources/source.js';
export { createSyntheticSource, type SyntheticSourceConfig } from './sources/synthetic-source.js';
export {
  planClassSplit,
  planDataSplit,
  type SplitPart,
  type SplitPlan,
} from './splits/plan-split.js';
export { pythonRound } from './splits/python-round.js';
export { type WriteSubsetOptions, writeRecordSubset } from './splits/write-split.js';
export { VERSION } from './version.js';
