import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type FittedAdapter, writeAdapter } from '@bctkit/adapters';
import type { CompatibilityLoss } from '@bctkit/losses';
import type { HostMatrix } from '@bctkit/tensor-ops';

/** Where a run keeps the map of its new queries into the old space, when its method learns one. */
export const QUERY_ADAPTER_FILE = 'query-adapter.json';

/**
 * Writes the method's learned map from new embeddings into the old space (BT²'s basis
 * transformation) as an `affine` adapter file with role `query` in the run directory, so that
 * `--adapter <run>/query-adapter.json` crosses new queries with the old gallery through it.
 * Does nothing for methods without such a map. `fittedOn` hashes the old inputs of the run.
 *
 * @returns the file written, or undefined.
 */
export async function writeQueryAdapter(
  runDirectory: string,
  loss: CompatibilityLoss,
  fittedOn: { readonly rows: number; readonly inputs: readonly HostMatrix[] },
): Promise<string | undefined> {
  if (loss.queryMap === undefined) return undefined;
  const map = loss.queryMap();
  const hash = createHash('sha256');
  for (const matrix of fittedOn.inputs)
    hash.update(new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength));
  const adapter: FittedAdapter = {
    method: 'affine',
    fromDim: map.rows,
    toDim: map.cols,
    sideDim: 0,
    role: 'query',
    normalizeInput: true,
    options: { learnedBy: loss.id },
    fittedOn: { rows: fittedOn.rows, sha256: hash.digest('hex') },
    fitError: 0,
    parameters: {
      w: { shape: [map.rows, map.cols], data: map.data },
      b: { shape: [map.cols], data: new Float32Array(map.cols) },
    },
  };
  const path = join(runDirectory, QUERY_ADAPTER_FILE);
  await writeAdapter(path, adapter);
  return path;
}
