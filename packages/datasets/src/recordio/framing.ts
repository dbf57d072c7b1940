/**
 * dmlc-core RecordIO framing: each part is `magic | lrec | data | zero padding to 4 bytes`, with
 * `lrec = (cflag << 29) | length`. A payload containing the magic at a 4-byte-aligned offset is
 * split there into parts (the magic itself is dropped and restored by the reader).
 */

/** The part marker, `0xCED7230A` (bytes `0A 23 D7 CE` on disk). */
export const RECORDIO_MAGIC = 0xced7230a;
/** The marker of very old dmlc-core files (30-bit lengths), recognised only to reject them clearly. */
export const LEGACY_RECORDIO_MAGIC = 0x3ed7230a;
/** Largest part length the 29-bit field can hold. */
export const MAX_PART_LENGTH = 0x1fffffff;
/** Bytes of a part header (magic + lrec). */
export const PART_HEADER_BYTES = 8;

/** `cflag` of a part. */
export const PartFlag = { complete: 0, first: 1, middle: 2, last: 3 } as const;

const MAGIC_BYTES = new Uint8Array([0x0a, 0x23, 0xd7, 0xce]);

/** Zero bytes after `length` data bytes to reach a multiple of 4. */
export function paddingFor(length: number): number {
  return (4 - (length % 4)) % 4;
}

function isMagicAt(data: Uint8Array, offset: number): boolean {
  return (
    data[offset] === 0x0a &&
    data[offset + 1] === 0x23 &&
    data[offset + 2] === 0xd7 &&
    data[offset + 3] === 0xce
  );
}

/**
 * Encodes one logical record as the bytes of its parts, exactly as dmlc-core's writer does:
 * split at every 4-aligned occurrence of the magic, flags 1/2/3 for split records, 0 otherwise,
 * zero padding after the last part.
 * @throws {RangeError} when a part would exceed the 29-bit length field (records >= 512 MiB).
 */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  const cuts: number[] = [];
  const alignedEnd = payload.length - (payload.length % 4);
  for (let i = 0; i + 4 <= alignedEnd; i += 4) if (isMagicAt(payload, i)) cuts.push(i);
  const partCount = cuts.length + 1;
  const dataBytes = payload.length - 4 * cuts.length;
  const out = new Uint8Array(
    PART_HEADER_BYTES * partCount +
      dataBytes +
      paddingFor(payload.length - (cuts.at(-1) ?? -4) - 4),
  );
  const view = new DataView(out.buffer);
  let write = 0;
  let start = 0;
  for (let part = 0; part < partCount; part++) {
    const end = part < cuts.length ? cuts[part]! : payload.length;
    const length = end - start;
    if (length > MAX_PART_LENGTH)
      throw new RangeError(`a RecordIO part cannot exceed ${MAX_PART_LENGTH} bytes`);
    const flag =
      partCount === 1
        ? PartFlag.complete
        : part === 0
          ? PartFlag.first
          : part === partCount - 1
            ? PartFlag.last
            : PartFlag.middle;
    view.setUint32(write, RECORDIO_MAGIC, true);
    view.setUint32(write + 4, ((flag << 29) | length) >>> 0, true);
    out.set(payload.subarray(start, end), write + PART_HEADER_BYTES);
    write += PART_HEADER_BYTES + length;
    start = end + 4; // skip the magic bytes at the cut
  }
  return out;
}

/** Restores the magic between the parts of a split record. */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((sum, part) => sum + part.length, 0) + 4 * (parts.length - 1);
  const out = new Uint8Array(total);
  let offset = 0;
  parts.forEach((part, i) => {
    if (i > 0) {
      out.set(MAGIC_BYTES, offset);
      offset += 4;
    }
    out.set(part, offset);
    offset += part.length;
  });
  return out;
}
