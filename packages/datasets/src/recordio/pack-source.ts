import { join } from 'node:path';
import { DatasetFormatError, InvalidConfigError, writeFileAtomic } from '@bctkit/tensor-ops';
import { readImageInfo } from '../images/image-info.js';
import { encodePng } from '../images/png-encode.js';
import type { DatasetSource } from '../sources/source.js';
import { packImageRecord } from './image-header.js';
import { writeMetaRecords } from './meta-records.js';
import { formatProperty } from './property-file.js';
import { RecordWriter } from './record-writer.js';

/** Options of {@link packSource}. */
export interface PackOptions {
  /** Called every 1,000 images. */
  onProgress?: (written: number, total: number) => void;
}

/** What {@link packSource} wrote. */
export interface PackResult {
  readonly images: number;
  readonly classes: number;
  readonly identityRecords: boolean;
  readonly height: number;
  readonly width: number;
}

/**
 * Writes any dataset source as an insightface-layout record set `<directory>/<name>.rec/.idx`
 * plus `property`, in the source's order. Encoded images (JPEG, PNG) are stored byte for byte;
 * pixel images (IDX, synthetic) are stored as lossless PNG. Image labels are `[class, 1]` (flag 2,
 * as face2rec2 writes them). Everything is written under temporary names and renamed at the end.
 */
export async function packSource(
  source: DatasetSource,
  directory: string,
  name = 'train',
  options: PackOptions = {},
): Promise<PackResult> {
  if (source.size === 0)
    throw new InvalidConfigError('source', 'the source is empty; nothing to pack');
  const labels = new Int32Array(source.size);
  let height = 0;
  let width = 0;
  const writer = await RecordWriter.create(
    join(directory, `${name}.rec`),
    join(directory, `${name}.idx`),
  );
  let identityRecords: boolean;
  try {
    for (let index = 0; index < source.size; index++) {
      const { label, image } = await source.read(index);
      const bytes =
        image.kind === 'encoded'
          ? image.bytes
          : encodePng(image.data, image.width, image.height, image.channels);
      const info = image.kind === 'encoded' ? readImageInfo(bytes) : image;
      // A file that is no image would be packed as it is and fail every later reader.
      if (image.kind === 'encoded' && (info as { format: string }).format === 'unknown') {
        const where = source.locate?.(index);
        throw new DatasetFormatError(
          where?.file ?? source.type,
          where?.offset,
          `image at dataset index ${index} is not a JPEG or PNG image; remove or convert it`,
          { record: where?.record ?? index },
        );
      }
      if (index === 0) ({ height, width } = info);
      labels[index] = label;
      await writer.write(
        index + 1,
        packImageRecord({ label: [label, 1], id: index + 1, payload: bytes }),
      );
      if ((index + 1) % 1000 === 0) options.onProgress?.(index + 1, source.size);
    }
    identityRecords = await writeMetaRecords(writer, labels, source.numClasses);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writeFileAtomic(
    join(directory, 'property'),
    formatProperty({
      numClasses: source.numClasses,
      height: height || 112,
      width: width || 112,
      extraLines: [],
    }),
  );
  options.onProgress?.(source.size, source.size);
  return { images: source.size, classes: source.numClasses, identityRecords, height, width };
}
