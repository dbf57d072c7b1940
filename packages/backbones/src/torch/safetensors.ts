import { DatasetFormatError, writeFileAtomic } from '@bctkit/tensor-ops';
import { DTYPE_BYTES, type StateDict, type StateDtype } from './state-dict.js';

const SAFETENSORS_DTYPES: Readonly<Record<string, StateDtype>> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

const HEADER_LIMIT = 100 * 1024 * 1024;

/**
 * Parses a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for a damaged header, unknown dtypes, or
 *   byte ranges that disagree with shapes or leave the file.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): StateDict {
  const fail = (offset: number | undefined, message: string): never => {
    throw new DatasetFormatError(file, offset, message);
  };
  if (bytes.length < 8) fail(0, 'too short for a safetensors header (truncated file?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > HEADER_LIMIT || 8 + headerLength > bytes.length)
    fail(0, `header length ${headerLength} does not fit the file (truncated, or not safetensors?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    return fail(8, `the header is not JSON: ${(cause as Error).message}`);
  }
  const dataStart = 8 + headerLength;
  const state: StateDict = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (entry ?? {}) as {
      dtype?: unknown;
      shape?: unknown;
      data_offsets?: unknown;
    };
    const stateDtype = SAFETENSORS_DTYPES[String(dtype)];
    if (stateDtype === undefined) fail(8, `tensor ${name} has unsupported dtype ${String(dtype)}`);
    if (
      !Array.isArray(shape) ||
      !shape.every((side) => Number.isInteger(side) && side >= 0) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((offset) => Number.isInteger(offset) && offset >= 0)
    )
      fail(8, `tensor ${name} has a malformed shape or data_offsets`);
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((total, side) => total * side, 1);
    if (end - begin !== expected * DTYPE_BYTES[stateDtype as StateDtype])
      fail(dataStart + begin, `tensor ${name}: ${end - begin} bytes for shape [${shape}]`);
    if (dataStart + end > bytes.length)
      fail(dataStart + begin, `tensor ${name} runs past the end of the file (truncated file?)`);
    state.set(name, {
      dtype: stateDtype as StateDtype,
      shape: shape as number[],
      bytes: bytes.slice(dataStart + begin, dataStart + end),
    });
  }
  return state;
}

/**
 * Writes tensors as a safetensors file (atomically), loadable by PyTorch with
 * `safetensors.torch.load_file` and by {@link parseSafetensors}.
 */
export async function writeSafetensors(
  path: string,
  state: StateDict,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const codes = Object.fromEntries(
    Object.entries(SAFETENSORS_DTYPES).map(([code, dtype]) => [dtype, code]),
  );
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } };
  let offset = 0;
  for (const [name, tensor] of state) {
    header[name] = {
      dtype: codes[tensor.dtype],
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.bytes.length],
    };
    offset += tensor.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
  const encoded = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  encoded.set(json);
  const out = new Uint8Array(8 + encoded.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(encoded.length), true);
  out.set(encoded, 8);
  let position = 8 + encoded.length;
  for (const tensor of state.values()) {
    out.set(tensor.bytes, position);
    position += tensor.bytes.length;
  }
  await writeFileAtomic(path, out);
}
