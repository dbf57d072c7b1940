import { join } from 'node:path';
import { DatasetFormatError, InvalidConfigError, writeFileAtomic } from '@bctkit/tensor-ops';
import { readImageInfo } from '../images/image-info.js';
import { encodePng } from '../images/png-encode.js';
import { decodeImage, type Pixels } from '../loader/image-transform.js';
import { resizePixels, toChannels } from '../loader/resize.js';
import type { DatasetSource } from '../sources/source.js';
import { packImageRecord } from './image-header.js';
import { writeMetaRecords } from './meta-records.js';
import { formatProperty } from './property-file.js';
import { RecordWriter } from './record-writer.js';

/** Options of {@link packSource}. */
export interface PackOptions {
  /** Called every 1,000 images. */
  onProgress?: (written: number, total: number) => void;
  /**
   * `[height, width]` of the packed images: others are resized (antialiased bilinear, as
   * Pillow's BILINEAR) and stored as PNG. Default: every image as it is.
   */
  size?: readonly [number, number];
  /** Channels of the packed images: grey is repeated into RGB, RGB turned grey. Default: as is. */
  channels?: 1 | 3;
}

/** What {@link packSource} wrote. */
export interface PackResult {
  readonly images: number;
  /** Images decoded and re-encoded as PNG (resized, converted, or PGM / PPM). */
  readonly converted: number;
  readonly classes: number;
  readonly identityRecords: boolean;
  readonly height: number;
  readonly width: number;
}

/**
 * Writes any dataset source as an insightface-layout record set `<directory>/<name>.rec/.idx`
 * plus `property`, in the source's order. Encoded JPEG and PNG images of the wanted size and
 * channels are stored byte for byte; others (pixel images from IDX or synthetic sources, PGM /
 * PPM files, images to resize or convert) are stored as lossless PNG. Image labels are `[class, 1]` (flag 2,
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
  let height = options.size?.[0] ?? 0;
  let width = options.size?.[1] ?? 0;
  let converted = 0;
  const writer = await RecordWriter.create(
    join(directory, `${name}.rec`),
    join(directory, `${name}.idx`),
  );
  let identityRecords: boolean;
  try {
    for (let index = 0; index < source.size; index++) {
      const { label, image } = await source.read(index);
      const where = () => source.locate?.(index);
      const fail = (message: string, cause?: unknown) => {
        const at = where();
        return new DatasetFormatError(at?.file ?? source.type, at?.offset, message, {
          record: at?.record ?? index,
          ...(cause === undefined ? {} : { cause }),
        });
      };
      let pixels: Pixels | undefined = image.kind === 'pixels' ? image : undefined;
      let bytes = image.kind === 'encoded' ? image.bytes : undefined;
      let info = bytes === undefined ? undefined : readImageInfo(bytes);
      const keepAsIs =
        info !== undefined &&
        info.format !== 'unknown' &&
        (options.size === undefined || (info.height === height && info.width === width)) &&
        options.channels === undefined;
      if (!keepAsIs) {
        if (pixels === undefined) {
          try {
            pixels = decodeImage(bytes!);
          } catch (cause) {
            throw fail(
              `image at dataset index ${index} cannot be decoded (${(cause as Error).message}); remove or convert it`,
              cause,
            );
          }
        }
        if (options.channels !== undefined) pixels = toChannels(pixels, options.channels);
        if (options.size !== undefined && (pixels.height !== height || pixels.width !== width))
          pixels = resizePixels(pixels, height, width);
        if (image.kind === 'encoded') converted++;
        bytes = encodePng(pixels.data, pixels.width, pixels.height, pixels.channels);
        info = { format: 'png', height: pixels.height, width: pixels.width };
      }
      if (index === 0) ({ height, width } = info!);
      labels[index] = label;
      await writer.write(
        index + 1,
        packImageRecord({ label: [label, 1], id: index + 1, payload: bytes! }),
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
  return {
    images: source.size,
    converted,
    classes: source.numClasses,
    identityRecords,
    height,
    width,
  };
}
