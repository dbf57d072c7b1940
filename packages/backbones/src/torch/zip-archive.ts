import { inflateRawSync } from 'node:zlib';
import { DatasetFormatError } from '@bctkit/tensor-ops';

/** One member of a zip archive, located but not yet read. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the member's local header. */
  readonly headerOffset: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/**
 * A zip archive held in memory, as `torch.save` writes it (stored members, ZIP64 records, data
 * descriptors, alignment padding in local extra fields). Deflated members are inflated too.
 */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly file: string;

  /** @throws {@link @bctkit/tensor-ops!DatasetFormatError} when the bytes are not a readable zip. */
  constructor(bytes: Uint8Array, file: string) {
    this.bytes = bytes;
    this.file = file;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readDirectory();
  }

  /** The bytes of a member. @throws DatasetFormatError when it is missing or damaged. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (entry === undefined) this.fail(undefined, `the archive has no member ${name}`);
    const { headerOffset, method, compressedSize, size } = entry as ZipEntry;
    if (this.u32(headerOffset) !== LOCAL_HEADER)
      this.fail(headerOffset, `no local header for ${name}`);
    const start = headerOffset + 30 + this.u16(headerOffset + 26) + this.u16(headerOffset + 28);
    if (start + compressedSize > this.bytes.length)
      this.fail(start, `member ${name} runs past the end of the file (truncated file?)`);
    const stored = this.bytes.subarray(start, start + compressedSize);
    if (method === 0) return stored;
    if (method === 8) {
      const inflated = new Uint8Array(inflateRawSync(stored));
      if (inflated.length !== size) this.fail(start, `member ${name} inflates to the wrong size`);
      return inflated;
    }
    return this.fail(start, `member ${name} uses zip compression method ${method}`);
  }

  private readDirectory(): Map<string, ZipEntry> {
    const bytes = this.bytes;
    let end = -1;
    for (
      let position = bytes.length - 22;
      position >= Math.max(0, bytes.length - 65557);
      position--
    ) {
      if (this.u32(position) === END_OF_DIRECTORY) {
        end = position;
        break;
      }
    }
    if (end < 0)
      this.fail(undefined, 'no zip end-of-directory record (truncated or not a zip file?)');
    let count = this.u16(end + 10);
    let directory = this.u32(end + 16);
    if (count === 0xffff || directory === 0xffffffff) {
      const locator = end - 20;
      if (locator < 0 || this.u32(locator) !== ZIP64_LOCATOR)
        this.fail(end, 'ZIP64 archive without a ZIP64 locator');
      const zip64End = this.u64(locator + 8);
      if (this.u32(zip64End) !== ZIP64_END) this.fail(zip64End, 'bad ZIP64 end record');
      count = this.u64(zip64End + 32);
      directory = this.u64(zip64End + 48);
    }
    const entries = new Map<string, ZipEntry>();
    let position = directory;
    const decoder = new TextDecoder();
    for (let index = 0; index < count; index++) {
      if (position + 46 > bytes.length || this.u32(position) !== DIRECTORY_ENTRY)
        this.fail(position, `zip directory entry ${index} is damaged`);
      const method = this.u16(position + 10);
      let compressedSize = this.u32(position + 20);
      let size = this.u32(position + 24);
      const nameLength = this.u16(position + 28);
      const extraLength = this.u16(position + 30);
      const commentLength = this.u16(position + 32);
      let headerOffset = this.u32(position + 42);
      const name = decoder.decode(bytes.subarray(position + 46, position + 46 + nameLength));
      // ZIP64 extra field: the 64-bit values of whichever fields were saturated, in this order.
      let extra = position + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = this.u16(extra);
        const length = this.u16(extra + 2);
        if (id === 0x0001) {
          let field = extra + 4;
          if (size === 0xffffffff) {
            size = this.u64(field);
            field += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = this.u64(field);
            field += 8;
          }
          if (headerOffset === 0xffffffff) headerOffset = this.u64(field);
        }
        extra += 4 + length;
      }
      entries.set(name, { name, method, compressedSize, size, headerOffset });
      position = extraEnd + commentLength;
    }
    return entries;
  }

  private u16(offset: number): number {
    if (offset < 0 || offset + 2 > this.bytes.length) this.fail(offset, 'zip record past the end');
    return this.view.getUint16(offset, true);
  }

  private u32(offset: number): number {
    if (offset < 0 || offset + 4 > this.bytes.length) this.fail(offset, 'zip record past the end');
    return this.view.getUint32(offset, true);
  }

  private u64(offset: number): number {
    if (offset < 0 || offset + 8 > this.bytes.length) this.fail(offset, 'zip record past the end');
    return Number(this.view.getBigUint64(offset, true));
  }

  private fail(offset: number | undefined, message: string): never {
    throw new DatasetFormatError(this.file, offset, message);
  }
}
