import { DatasetFormatError } from '@bctkit/tensor-ops';

/** Bytes of MXNet's image-record header (`IRHeader`: uint32 flag, float32 label, uint64 id, uint64 id2). */
export const IMAGE_HEADER_BYTES = 24;

/** The header of an MXNet image record, and the bytes after it. */
export interface ImageRecord {
  /** 0 for a scalar label; otherwise the number of float32 labels. */
  readonly flag: number;
  /** The labels: one value when `flag` is 0, else `flag` values (insightface: `[class, aligned]`). */
  readonly labels: Float32Array;
  /** Record id, by convention the record's key. */
  readonly id: number;
  readonly id2: number;
  /** What follows the header: usually an encoded image; empty for insightface's meta records. */
  readonly payload: Uint8Array;
}

/** What {@link packImageRecord} needs. */
export interface ImageRecordInput {
  /** A number for a scalar label (flag 0), or an array (flag = its length). */
  readonly label: number | ArrayLike<number>;
  readonly id: number;
  readonly id2?: number;
  readonly payload: Uint8Array;
}

/**
 * Builds an image-record payload as MXNet's `recordio.pack` does: a scalar label gives flag 0;
 * an array gives flag = its length, a zero scalar field, and the float32 array before the payload.
 */
export function packImageRecord(input: ImageRecordInput): Uint8Array {
  const labels = typeof input.label === 'number' ? undefined : Array.from(input.label);
  const labelBytes = labels === undefined ? 0 : 4 * labels.length;
  const out = new Uint8Array(IMAGE_HEADER_BYTES + labelBytes + input.payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, labels?.length ?? 0, true);
  view.setFloat32(4, labels === undefined ? (input.label as number) : 0, true);
  view.setBigUint64(8, BigInt(input.id), true);
  view.setBigUint64(16, BigInt(input.id2 ?? 0), true);
  labels?.forEach((value, i) => {
    view.setFloat32(IMAGE_HEADER_BYTES + 4 * i, value, true);
  });
  out.set(input.payload, IMAGE_HEADER_BYTES + labelBytes);
  return out;
}

/**
 * Parses an image-record payload (MXNet's `recordio.unpack`).
 * @param where file and record, for errors.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} when the record is too short for its header or label array.
 */
export function unpackImageRecord(
  bytes: Uint8Array,
  where: { file: string; offset?: number; record?: number | string },
): ImageRecord {
  if (bytes.length < IMAGE_HEADER_BYTES) {
    throw new DatasetFormatError(
      where.file,
      where.offset,
      `an image record needs a ${IMAGE_HEADER_BYTES}-byte header, this one has ${bytes.length} bytes`,
      { record: where.record },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flag = view.getUint32(0, true);
  const labelBytes = 4 * flag;
  if (flag > 0 && IMAGE_HEADER_BYTES + labelBytes > bytes.length) {
    throw new DatasetFormatError(
      where.file,
      where.offset,
      `the header announces ${flag} labels (${labelBytes} bytes) but only ${bytes.length - IMAGE_HEADER_BYTES} bytes follow`,
      { record: where.record },
    );
  }
  const labels = new Float32Array(Math.max(flag, 1));
  if (flag === 0) labels[0] = view.getFloat32(4, true);
  for (let i = 0; i < flag; i++) labels[i] = view.getFloat32(IMAGE_HEADER_BYTES + 4 * i, true);
  return {
    flag,
    labels,
    id: Number(view.getBigUint64(8, true)),
    id2: Number(view.getBigUint64(16, true)),
    payload: bytes.subarray(IMAGE_HEADER_BYTES + labelBytes),
  };
}
