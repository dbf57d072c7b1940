import {
  DatasetFormatError,
  type PickleTuple,
  type PickleValue,
  type UnpickleOptions,
  unpickle,
} from '@bctkit/tensor-ops';
import { DTYPE_BYTES, type StateDict, type StateDtype, type StateTensor } from './state-dict.js';
import { ZipArchive } from './zip-archive.js';

const STORAGE_TYPES: Readonly<Record<string, StateDtype>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

interface StorageRef {
  readonly kind: 'torch-storage';
  readonly key: string;
  readonly dtype: StateDtype;
  readonly numel: number;
}

interface TensorRef {
  readonly kind: 'torch-tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

function isTensorRef(value: unknown): value is TensorRef {
  return (
    typeof value === 'object' && value !== null && (value as TensorRef).kind === 'torch-tensor'
  );
}

function integers(value: PickleValue, what: string): number[] {
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'number' && Number.isSafeInteger(item) && item >= 0)
  )
    throw new Error(`${what} must be a tuple of whole numbers >= 0`);
  return value as number[];
}

/**
 * Reads the `data.pkl` of a PyTorch zip checkpoint with the safe unpickler, allowing only what a
 * saved state dict uses: `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` (and
 * `_rebuild_parameter`), typed storage classes as persistent ids.
 */
function unpickleStateDict(bytes: Uint8Array, file: string): PickleValue {
  const storageGlobals: UnpickleOptions['globals'] = Object.fromEntries(
    Object.keys(STORAGE_TYPES).map((name) => [`torch.${name}`, {}]),
  );
  return unpickle(bytes, {
    file,
    globals: {
      ...storageGlobals,
      'collections.OrderedDict': { call: () => new Map() },
      'torch._utils._rebuild_tensor_v2': {
        call: (args: PickleTuple): PickleValue => {
          const [storage, offset, shape, stride] = args;
          if (
            typeof storage !== 'object' ||
            storage === null ||
            (storage as unknown as StorageRef).kind !== 'torch-storage'
          )
            throw new Error('the first argument must be a storage');
          if (typeof offset !== 'number') throw new Error('the storage offset must be an integer');
          const tensor: TensorRef = {
            kind: 'torch-tensor',
            storage: storage as unknown as StorageRef,
            offset,
            shape: integers(shape as PickleValue, 'size'),
            stride: integers(stride as PickleValue, 'stride'),
          };
          return tensor as unknown as PickleValue;
        },
      },
      'torch._utils._rebuild_parameter': {
        call: (args: PickleTuple): PickleValue => {
          if (!isTensorRef(args[0])) throw new Error('a parameter must wrap a tensor');
          return args[0]!;
        },
      },
    },
    refuseGlobal: (name) =>
      `the checkpoint refers to the Python object ${name}; only state dicts ` +
      '(torch.save(model.state_dict(), path)) are read, never pickled code or whole models. ' +
      'Re-save the weights with model.state_dict()',
    persistentLoad: (id) => {
      const [kind, type, key, , numel] = (Array.isArray(id) ? id : []) as PickleValue[];
      const typeName =
        typeof type === 'object' && type !== null && 'qualifiedName' in type
          ? String(type.qualifiedName).replace(/^torch\./, '')
          : '';
      const dtype = STORAGE_TYPES[typeName];
      if (kind !== 'storage' || dtype === undefined || typeof key !== 'string')
        throw new Error(`unsupported persistent id (${String(kind)} ${typeName})`);
      if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
        throw new Error('storage without a valid element count');
      const storage: StorageRef = { kind: 'torch-storage', key, dtype, numel };
      return storage as unknown as PickleValue;
    },
    // OrderedDict state (state_dict()._metadata): not needed to rebuild the weights.
    build: (target) => target,
  });
}

function materialise(
  tensor: TensorRef,
  archive: ZipArchive,
  prefix: string,
  name: string,
  file: string,
): StateTensor {
  const { storage, shape, stride, offset } = tensor;
  const itemSize = DTYPE_BYTES[storage.dtype];
  const member = `${prefix}data/${storage.key}`;
  const data = archive.read(member);
  if (data.length < storage.numel * itemSize)
    throw new DatasetFormatError(
      file,
      undefined,
      `storage ${member} of ${name} holds ${data.length} bytes, expected ${storage.numel * itemSize}`,
    );
  const count = shape.reduce((total, side) => total * side, 1);
  // Every size is checked against the bytes present before anything is allocated: a tensor of
  // more elements than its storage (stride-0 or overlapping views) could make a small file
  // claim gigabytes.
  if (count > storage.numel)
    throw new DatasetFormatError(
      file,
      undefined,
      `tensor ${name} declares ${count} elements over a storage of ${storage.numel} (overlapping or stride-0 views are not read; save with .contiguous().clone())`,
    );
  if (count === 0) return { dtype: storage.dtype, shape, bytes: new Uint8Array(0) };
  // Largest element reached by (offset, shape, stride) must lie inside the storage.
  const last = offset + shape.reduce((total, side, axis) => total + (side - 1) * stride[axis]!, 0);
  if (
    offset < 0 ||
    shape.length !== stride.length ||
    stride.some((step) => step < 0) ||
    last >= storage.numel
  )
    throw new DatasetFormatError(file, undefined, `tensor ${name} reaches outside its storage`);
  const bytes = new Uint8Array(count * itemSize);
  const index = new Array<number>(shape.length).fill(0);
  for (let element = 0; element < count; element++) {
    let source = offset;
    for (let axis = 0; axis < shape.length; axis++) source += index[axis]! * stride[axis]!;
    bytes.set(data.subarray(source * itemSize, (source + 1) * itemSize), element * itemSize);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return { dtype: storage.dtype, shape, bytes };
}

/**
 * Parses a PyTorch checkpoint (`torch.save`, zip format of PyTorch 1.6 and later) holding a state
 * dict. When the pickle holds a dict of dicts (a training checkpoint), `key` picks the state dict,
 * e.g. `state_dict_backbone`; without `key`, the first entry whose values are all tensors is used.
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for the legacy (pre-1.6) format, pickled
 *   code or whole models, damaged archives, or storages too short for their tensors.
 */
export function parseTorchCheckpoint(bytes: Uint8Array, file: string, key?: string): StateDict {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new DatasetFormatError(
      file,
      0,
      'not a zip-format PyTorch checkpoint; legacy files (torch < 1.6, or ' +
        '_use_new_zipfile_serialization=False) are not read: re-save with a current torch.save',
    );
  }
  const archive = new ZipArchive(bytes, file);
  const pickleName = [...archive.entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickleName === undefined)
    throw new DatasetFormatError(file, undefined, 'the archive has no <name>/data.pkl member');
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  let root = unpickleStateDict(archive.read(pickleName), file);
  const isStateDict = (value: PickleValue): boolean =>
    value instanceof Map && [...value.values()].every(isTensorRef);
  if (root instanceof Map && !isStateDict(root)) {
    const candidates = [...root].filter(([, value]) => isStateDict(value));
    const chosen = key === undefined ? candidates[0] : candidates.find(([name]) => name === key);
    if (chosen === undefined) {
      const names = candidates.map(([name]) => String(name)).join(', ') || 'none';
      throw new DatasetFormatError(
        file,
        undefined,
        key === undefined
          ? 'the checkpoint holds no state dict'
          : `the checkpoint has no state dict named ${key} (state dicts in it: ${names})`,
      );
    }
    root = chosen[1];
  }
  if (!isStateDict(root))
    throw new DatasetFormatError(file, undefined, 'the checkpoint does not hold a state dict');
  const state: StateDict = new Map();
  for (const [name, value] of root as Map<PickleValue, PickleValue>) {
    if (typeof name !== 'string')
      throw new DatasetFormatError(file, undefined, 'a state dict key is not a string');
    state.set(name, materialise(value as unknown as TensorRef, archive, prefix, name, file));
  }
  return state;
}
