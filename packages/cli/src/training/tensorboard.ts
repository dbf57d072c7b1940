import { appendFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as TFRecord files checksum their records. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function varint(value: number | bigint): number[] {
  let rest = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    out.push(byte);
  } while (rest > 0n);
  return out;
}

function field(number: number, wireType: number): number[] {
  return varint((number << 3) | wireType);
}

function lengthDelimited(number: number, bytes: Uint8Array | number[]): number[] {
  return [...field(number, 2), ...varint(bytes.length), ...bytes];
}

/** A `tensorflow.Event` protobuf: wall time, step, and a file version or scalar summaries. */
export function encodeEvent(
  wallTime: number,
  step: number,
  content: { fileVersion: string } | { scalars: Readonly<Record<string, number>> },
): Uint8Array {
  const time = new Uint8Array(8);
  new DataView(time.buffer).setFloat64(0, wallTime, true);
  const bytes: number[] = [...field(1, 1), ...time, ...field(2, 0), ...varint(step)];
  if ('fileVersion' in content) {
    bytes.push(...lengthDelimited(3, new TextEncoder().encode(content.fileVersion)));
  } else {
    const summary: number[] = [];
    for (const [tag, value] of Object.entries(content.scalars)) {
      const float = new Uint8Array(4);
      new DataView(float.buffer).setFloat32(0, value, true);
      const entry = [
        ...lengthDelimited(1, new TextEncoder().encode(tag)),
        ...field(2, 5),
        ...float,
      ];
      summary.push(...lengthDelimited(1, entry));
    }
    bytes.push(...lengthDelimited(5, summary));
  }
  return Uint8Array.from(bytes);
}

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Writes scalars as a TensorBoard event file (`events.out.tfevents.<time>.<host>`), readable by
 * `tensorboard --logdir`, without TensorFlow: TFRecord framing with CRC-32C and hand-encoded
 * `Event` protobufs.
 */
export class TensorBoardWriter {
  readonly path: string;
  private ready: Promise<void>;

  constructor(directory: string) {
    const now = Date.now() / 1000;
    this.path = join(directory, `events.out.tfevents.${Math.floor(now)}.${hostname()}`);
    this.ready = mkdir(directory, { recursive: true }).then(() =>
      appendFile(this.path, encodeRecord(encodeEvent(now, 0, { fileVersion: 'brain.Event:2' }))),
    );
  }

  /** Appends one step's scalars (e.g. `{ loss: 1.2, learning_rate: 0.1 }`). */
  async scalars(step: number, values: Readonly<Record<string, number>>): Promise<void> {
    await this.ready;
    await appendFile(
      this.path,
      encodeRecord(encodeEvent(Date.now() / 1000, step, { scalars: values })),
    );
  }
}
