import { readFileOrFail, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '../backbone.js';
import { parseTorchCheckpoint } from './read-pth.js';
import { parseSafetensors } from './safetensors.js';
import { fromFloat32, type StateDict, type StateTensor, toFloat32 } from './state-dict.js';

/**
 * PyTorch's layout of a tensor stored in bctkit's: convolution kernels `[kh, kw, in, out]` become
 * `[out, in, kh, kw]`, linear weights `[in, out]` become `[out, in]`, vectors stay.
 */
export function torchShape(shape: readonly number[]): number[] {
  if (shape.length === 4) return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
  if (shape.length === 2) return [shape[1]!, shape[0]!];
  return [...shape];
}

/** The permutation that turns a PyTorch-layout tensor into bctkit's layout. */
function toBctkitPermutation(rank: number): number[] | undefined {
  if (rank === 4) return [2, 3, 1, 0];
  if (rank === 2) return [1, 0];
  return undefined;
}

/** Options of {@link readStateDict}. */
export interface ReadStateDictOptions {
  /** In a training checkpoint holding several dicts, the one to read (e.g. `state_dict_backbone`). */
  readonly key?: string;
}

/**
 * Reads a state dict from a PyTorch checkpoint (`.pth`/`.pt`, zip format) or a `.safetensors`
 * file, recognised by content. Nothing in the file is executed.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for unreadable or unsupported files.
 */
export async function readStateDict(
  path: string,
  options: ReadStateDictOptions = {},
): Promise<StateDict> {
  const bytes = new Uint8Array(await readFileOrFail(path));
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return parseTorchCheckpoint(bytes, path, options.key);
  if (bytes[0] === 0x80) return parseTorchCheckpoint(bytes, path, options.key); // legacy pickle: explained there
  return parseSafetensors(bytes, path);
}

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Refuse tensors the model does not have (besides BN `num_batches_tracked`). Default true, as in
   * PyTorch's `load_state_dict`.
   */
  readonly strict?: boolean;
  /** Name of the source, for error messages. */
  readonly file?: string;
}

/**
 * Copies PyTorch weights into a bctkit backbone. Keys may carry the `module.` prefix that
 * `DistributedDataParallel` adds. Every model tensor must be present with PyTorch's shape; nothing
 * is assigned unless all of them are.
 *
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} naming each missing, extra or mis-shaped
 *   tensor with the expected and actual shape.
 */
export function loadStateDict(
  backbone: Backbone,
  state: StateDict,
  options: LoadStateDictOptions = {},
): void {
  const file = options.file ?? 'state dict';
  const entries = new Map<string, StateTensor>();
  for (const [key, tensor] of state) entries.set(key.replace(/^module\./, ''), tensor);

  const problems: string[] = [];
  const values = new Map<string, Float32Array>();
  for (const [name, variable] of backbone.tensors) {
    const tensor = entries.get(name);
    const expected = torchShape(variable.shape);
    if (tensor === undefined) {
      problems.push(`missing ${name} (expected shape [${expected}])`);
      continue;
    }
    if (tensor.shape.join(',') !== expected.join(',')) {
      problems.push(`${name}: expected shape [${expected}], got [${tensor.shape}]`);
      continue;
    }
    values.set(name, toFloat32(tensor, name, file));
  }
  if (options.strict ?? true) {
    for (const key of entries.keys()) {
      if (!backbone.tensors.has(key) && !key.endsWith('num_batches_tracked'))
        problems.push(`unexpected ${key} (not part of ${backbone.id})`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 12).join('; ');
    const more = problems.length > 12 ? `; and ${problems.length - 12} more` : '';
    throw new ShapeMismatchError(
      `${file} does not fit ${backbone.id} with these options: ${shown}${more}. ` +
        'Check the architecture, inputSize, widthMultiplier, embeddingDim and inputChannels.',
    );
  }
  for (const [name, variable] of backbone.tensors) {
    tf.tidy(() => {
      const source = tf.tensor(values.get(name)!, torchShape(variable.shape), 'float32');
      const permutation = toBctkitPermutation(variable.rank);
      variable.assign(permutation ? tf.transpose(source, permutation) : source);
    });
  }
}

/**
 * The backbone's tensors as a PyTorch state dict (PyTorch layouts, float32), e.g. for
 * {@link writeSafetensors} so a PyTorch model can load bctkit-trained weights (BN
 * `num_batches_tracked` is included as 0).
 */
export async function exportStateDict(backbone: Backbone): Promise<StateDict> {
  const state: StateDict = new Map();
  for (const [name, variable] of backbone.tensors) {
    const permutation = toBctkitPermutation(variable.rank);
    const torchLayout = tf.tidy(() =>
      permutation ? tf.transpose(variable, inverse(permutation)) : tf.clone(variable),
    );
    const values = (await torchLayout.data()) as Float32Array;
    torchLayout.dispose();
    state.set(name, fromFloat32(values, torchShape(variable.shape)));
    if (name.endsWith('.running_var')) {
      // PyTorch's strict load_state_dict expects this BN buffer too; bctkit does not count steps.
      state.set(name.replace(/running_var$/, 'num_batches_tracked'), {
        dtype: 'int64',
        shape: [],
        bytes: new Uint8Array(8),
      });
    }
  }
  return state;
}

function inverse(permutation: readonly number[]): number[] {
  const out = new Array<number>(permutation.length);
  permutation.forEach((axis, index) => {
    out[axis] = index;
  });
  return out;
}
