import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type FeatureExtractor, loadCheckpoint, loadExternalModel } from '@bctkit/backbones';
import { DatasetFormatError, failureReason, readFileOrFail } from '@bctkit/tensor-ops';

/**
 * Loads a model to embed with: a bctkit checkpoint directory (or its `model.json`), or the JSON
 * config of an external tfjs model (see `loadExternalModel`).
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} when the path is neither.
 */
export async function loadFeatureExtractor(path: string): Promise<FeatureExtractor> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new DatasetFormatError(
      path,
      undefined,
      `cannot read the model: ${failureReason(cause)}`,
      { cause },
    );
  }
  const directory = info.isDirectory() ? path : undefined;
  if (directory !== undefined) return (await loadCheckpoint(directory)).backbone;
  const text = (await readFileOrFail(path, 'the model')).toString('utf8');
  let json: { format?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    throw new DatasetFormatError(
      path,
      undefined,
      'not a model: give a checkpoint directory, its model.json, or an external model config (.json)',
    );
  }
  if (json.format === 'bctkit-checkpoint') return (await loadCheckpoint(join(path, '..'))).backbone;
  return loadExternalModel(path);
}
