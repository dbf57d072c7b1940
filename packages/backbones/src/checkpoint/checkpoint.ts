import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetFormatError, readFileOrFail, writeFileAtomic } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '../backbone.js';
import { createBackbone } from '../builtins.js';
import { VERSION } from '../version.js';

/** The checkpoint format this version writes and the newest it reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;
const FORMAT = 'bctkit-checkpoint';
const MODEL_FILE = 'model.json';

/** What a checkpoint records besides the weights. */
export interface CheckpointMetadata {
  /** Registry id of the architecture, e.g. `iresnet-50`. */
  readonly architecture: string;
  /** The architecture's options, defaults filled in. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly embeddingDim: number;
  /** Optimiser steps taken when it was written. */
  readonly step: number;
  /** `@bctkit/backbones` version that wrote it. */
  readonly bctkitVersion: string;
  /** tfjs backend it was trained on, e.g. `cpu` or `tensorflow`. */
  readonly backend: string;
  /** ISO 8601 time of writing. */
  readonly createdAt: string;
  /** Anything the caller adds (training config, epoch, data order...), as JSON. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  readonly step?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
  /**
   * More tensors to store beside the model's (optimiser slots, classifier weights...). Names must
   * not collide with the model's; `/` is a good separator (`optimizer/conv1.weight/momentum`).
   */
  readonly extraTensors?: ReadonlyMap<string, tf.Tensor>;
}

/** A loaded checkpoint. The caller owns (and disposes) the backbone and the extra tensors. */
export interface LoadedCheckpoint {
  readonly backbone: Backbone;
  readonly metadata: CheckpointMetadata;
  readonly extraTensors: Map<string, tf.Tensor>;
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

interface ModelJson {
  format: string;
  formatVersion: number;
  generatedBy: string;
  convertedBy: null;
  modelTopology: null;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  userDefinedMetadata: { bctkit: CheckpointMetadata };
}

/**
 * Writes a backbone to a directory in tfjs's model artefact layout: `model.json` with a
 * `weightsManifest` (what `tf.io` handlers such as tfjs-node's `file://` read) and one weights file,
 * plus bctkit metadata in `userDefinedMetadata.bctkit`. Weights are stored as float32, exactly.
 *
 * Crash-safe: the weights go to a new file named after their hash, then `model.json` is replaced
 * atomically, then stale weight files are removed. A reader sees the old checkpoint or the new one,
 * never a mix.
 */
export async function saveCheckpoint(
  directory: string,
  backbone: Backbone,
  options: SaveCheckpointOptions = {},
): Promise<CheckpointMetadata> {
  const named: [string, tf.Tensor][] = [...backbone.tensors];
  for (const [name, tensor] of options.extraTensors ?? []) {
    if (backbone.tensors.has(name))
      throw new Error(`extra tensor ${name} has the name of a model tensor`);
    named.push([name, tensor]);
  }
  const weights: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const [name, tensor] of named) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32')
      throw new Error(
        `tensor ${name} has dtype ${tensor.dtype}; checkpoints hold float32 and int32`,
      );
    const values = (await tensor.data()) as Float32Array | Int32Array;
    chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    weights.push({ name, shape: [...tensor.shape], dtype: tensor.dtype });
  }
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const data = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    data.set(chunk, position);
    position += chunk.length;
  }
  const digest = createHash('sha256').update(data).digest('hex').slice(0, 16);
  const weightsFile = `weights.${digest}.bin`;

  const metadata: CheckpointMetadata = {
    architecture: backbone.architecture,
    options: backbone.options,
    embeddingDim: backbone.embeddingDim,
    step: options.step ?? 0,
    bctkitVersion: VERSION,
    backend: tf.getBackend(),
    createdAt: new Date().toISOString(),
    extra: options.extra ?? {},
  };
  const modelJson: ModelJson = {
    format: FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    generatedBy: `@bctkit/backbones ${VERSION}`,
    convertedBy: null,
    modelTopology: null,
    weightsManifest: [{ paths: [weightsFile], weights }],
    userDefinedMetadata: { bctkit: metadata },
  };
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(join(directory, weightsFile), data);
  await writeFileAtomic(join(directory, MODEL_FILE), `${JSON.stringify(modelJson, null, 1)}\n`);
  for (const file of await readdir(directory)) {
    if (/^weights\.[0-9a-f]{16}\.bin$/.test(file) && file !== weightsFile)
      await rm(join(directory, file), { force: true });
  }
  return metadata;
}

async function readModelJson(directory: string): Promise<ModelJson> {
  const path = join(directory, MODEL_FILE);
  const text = (await readFileOrFail(path, 'the checkpoint')).toString('utf8');
  let json: Partial<ModelJson>;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DatasetFormatError(path, undefined, `not JSON: ${(cause as Error).message}`);
  }
  if (json.format !== FORMAT || typeof json.formatVersion !== 'number')
    throw new DatasetFormatError(
      path,
      undefined,
      `not a bctkit checkpoint (format ${JSON.stringify(json.format)}); ` +
        'for a tfjs graph or layers model use loadExternalModel',
    );
  if (json.formatVersion > CHECKPOINT_FORMAT_VERSION)
    throw new DatasetFormatError(
      path,
      undefined,
      `checkpoint format ${json.formatVersion} was written by a newer bctkit (${json.generatedBy}); ` +
        `this @bctkit/backbones ${VERSION} reads format ${CHECKPOINT_FORMAT_VERSION}: upgrade it`,
    );
  const manifest = json.weightsManifest;
  if (
    !Array.isArray(manifest) ||
    manifest.length !== 1 ||
    manifest[0]!.paths.length !== 1 ||
    !json.userDefinedMetadata?.bctkit
  )
    throw new DatasetFormatError(path, undefined, 'damaged checkpoint manifest');
  return json as ModelJson;
}

/** Reads only the metadata of a checkpoint. @throws DatasetFormatError as {@link loadCheckpoint}. */
export async function readCheckpointMetadata(directory: string): Promise<CheckpointMetadata> {
  return (await readModelJson(directory)).userDefinedMetadata.bctkit;
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: rebuilds the architecture from the
 * metadata, then assigns the stored weights (bit-exact).
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for a missing, damaged or truncated
 *   checkpoint, or one written in a newer format.
 */
export async function loadCheckpoint(directory: string): Promise<LoadedCheckpoint> {
  const json = await readModelJson(directory);
  const metadata = json.userDefinedMetadata.bctkit;
  const { paths, weights } = json.weightsManifest[0]!;
  const weightsPath = join(directory, paths[0]!);
  const data = await readFileOrFail(weightsPath, 'the checkpoint weights');
  const expectedBytes = weights.reduce(
    (sum, entry) => sum + 4 * entry.shape.reduce((total, side) => total * side, 1),
    0,
  );
  if (data.length !== expectedBytes)
    throw new DatasetFormatError(
      weightsPath,
      undefined,
      `holds ${data.length} bytes where the manifest describes ${expectedBytes} (truncated or mixed-up checkpoint)`,
    );
  const backbone = createBackbone(
    { ...metadata.options, type: metadata.architecture },
    `${join(directory, MODEL_FILE)}: userDefinedMetadata.bctkit.options`,
  );
  const extraTensors = new Map<string, tf.Tensor>();
  try {
    const seen = new Set<string>();
    let offset = 0;
    for (const entry of weights) {
      const count = entry.shape.reduce((total, side) => total * side, 1);
      const bytes = data.subarray(offset, offset + 4 * count);
      offset += 4 * count;
      const copy = new Uint8Array(bytes).buffer;
      const values = entry.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
      const variable = backbone.tensors.get(entry.name);
      if (variable === undefined) {
        extraTensors.set(entry.name, tf.tensor(values, entry.shape, entry.dtype));
        continue;
      }
      if (variable.shape.join(',') !== entry.shape.join(','))
        throw new DatasetFormatError(
          weightsPath,
          undefined,
          `${entry.name} has shape [${entry.shape}], the model expects [${variable.shape}]`,
        );
      tf.tidy(() => variable.assign(tf.tensor(values, entry.shape, 'float32')));
      seen.add(entry.name);
    }
    const missing = [...backbone.tensors.keys()].filter((name) => !seen.has(name));
    if (missing.length > 0)
      throw new DatasetFormatError(
        weightsPath,
        undefined,
        `the checkpoint lacks ${missing.length} model tensors (${missing.slice(0, 5).join(', ')})`,
      );
  } catch (error) {
    backbone.dispose();
    tf.dispose([...extraTensors.values()]);
    throw error;
  }
  return { backbone, metadata, extraTensors };
}
