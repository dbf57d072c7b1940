import { DatasetFormatError } from '@bctkit/tensor-ops';

/** Element types a state dict can hold. */
export type StateDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** Bytes per element of each {@link StateDtype}. */
export const DTYPE_BYTES: Readonly<Record<StateDtype, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** One tensor of a state dict: contiguous little-endian bytes in C (row-major) order. */
export interface StateTensor {
  readonly dtype: StateDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** Named tensors, in file order (a PyTorch `state_dict`, or a safetensors file). */
export type StateDict = Map<string, StateTensor>;

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * The values of a floating-point tensor as float32 (float16 and bfloat16 widen exactly; float64
 * rounds to nearest).
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for integer or boolean tensors.
 */
export function toFloat32(tensor: StateTensor, name: string, file: string): Float32Array {
  const { bytes, dtype } = tensor;
  const count = bytes.length / DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'float32':
      for (let index = 0; index < count; index++) out[index] = view.getFloat32(4 * index, true);
      return out;
    case 'float64':
      for (let index = 0; index < count; index++) out[index] = view.getFloat64(8 * index, true);
      return out;
    case 'float16':
      for (let index = 0; index < count; index++)
        out[index] = halfToFloat(view.getUint16(2 * index, true));
      return out;
    case 'bfloat16': {
      const widened = new Uint32Array(out.buffer);
      for (let index = 0; index < count; index++)
        widened[index] = view.getUint16(2 * index, true) << 16;
      return out;
    }
    default:
      throw new DatasetFormatError(
        file,
        undefined,
        `tensor ${name} holds ${dtype} values where floating-point weights were expected`,
      );
  }
}

/** A float32 tensor as a {@link StateTensor} (copying the values into little-endian bytes). */
export function fromFloat32(values: Float32Array, shape: readonly number[]): StateTensor {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < values.length; index++)
    view.setFloat32(4 * index, values[index]!, true);
  return { dtype: 'float32', shape: [...shape], bytes };
}
