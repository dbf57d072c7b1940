import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DatasetFormatError, readFileOrFail, writeFileAtomic } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A `tf.io` handler for tfjs model artefacts on the local disk (`model.json` plus weight shards),
 * working on any backend, without tfjs-node. `load()` reads the artefacts; `save()` writes
 * `model.json` and one `<name>.weights.bin` atomically. `transform`, when given, rewrites the
 * parsed `model.json` before the model is built (the PReLU repair of `ExternalModel`, for one).
 *
 * @example
 * const model = await tfconv.loadGraphModel(fileHandler('models/mobileface.json'));
 */
export function fileHandler(
  modelJsonPath: string,
  transform?: (json: tf.io.ModelJSON) => tf.io.ModelJSON,
): tf.io.IOHandler {
  return {
    async load() {
      const text = (await readFileOrFail(modelJsonPath, 'the model')).toString('utf8');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw new DatasetFormatError(
          modelJsonPath,
          undefined,
          `not JSON: ${(cause as Error).message}`,
        );
      }
      if (json.modelTopology == null && json.weightsManifest == null)
        throw new DatasetFormatError(
          modelJsonPath,
          undefined,
          'neither modelTopology nor weightsManifest: not a tfjs model.json',
        );
      if (transform !== undefined) json = transform(json);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const bytes = await readFileOrFail(
              join(dirname(modelJsonPath), path),
              'a weights file',
            );
            buffers.push(new Uint8Array(bytes).buffer);
          }
        }
        const specs = tf.io.getWeightSpecs(manifest);
        const data = tf.io.concatenateArrayBuffers(buffers);
        const expected = specs.reduce((total, spec) => {
          const size = spec.shape.reduce((product, side) => product * side, 1);
          const bytes = spec.quantization
            ? spec.quantization.dtype === 'uint8'
              ? 1
              : 2
            : spec.dtype === 'bool'
              ? 1
              : 4;
          return spec.dtype === 'string' ? Number.NaN : total + size * bytes;
        }, 0);
        if (Number.isFinite(expected) && data.byteLength < expected)
          throw new DatasetFormatError(
            modelJsonPath,
            undefined,
            `the weights hold ${data.byteLength} bytes, the manifest needs ${expected} (truncated download?)`,
          );
        return [specs, data];
      });
    },
    async save(artifacts) {
      const weightsName = `${basename(modelJsonPath).replace(/\.json$/, '')}.weights.bin`;
      const weightData = artifacts.weightData;
      const bytes =
        weightData === undefined
          ? new Uint8Array()
          : new Uint8Array(
              tf.io.concatenateArrayBuffers(weightData as ArrayBuffer | ArrayBuffer[]),
            );
      await mkdir(dirname(modelJsonPath), { recursive: true });
      await writeFileAtomic(join(dirname(modelJsonPath), weightsName), bytes);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
        ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
        ...(artifacts.convertedBy == null ? {} : { convertedBy: artifacts.convertedBy }),
        ...(artifacts.trainingConfig === undefined
          ? {}
          : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.signature === undefined ? {} : { signature: artifacts.signature }),
        ...(artifacts.userDefinedMetadata === undefined
          ? {}
          : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      await writeFileAtomic(modelJsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
