import { applyAdapter, type FittedAdapter, readAdapter } from '@bctkit/adapters';
import { type HostMatrix, readNpy, ShapeMismatchError } from '@bctkit/tensor-ops';
import type { Command } from 'commander';

/** An adapter for the cross-test, with the side information it may need. */
export interface CrossAdapter {
  readonly adapter: FittedAdapter;
  readonly path: string;
  readonly side?: HostMatrix;
  readonly sidePath?: string;
}

/** Adds `--adapter` and `--adapter-side` to an evaluation command. */
export function addAdapterOptions(command: Command): Command {
  return command
    .option(
      '--adapter <file>',
      'cross-test through an adapter from bct adapt fit: new queries mapped to the old space, or the old gallery to the new (as it was fitted)',
    )
    .option(
      '--adapter-side <npy>',
      'side-information features of the evaluated images, for an adapter fitted with them',
    );
}

/** Reads `--adapter` (and `--adapter-side`), when given. */
export async function readCrossAdapter(
  path: string | undefined,
  sidePath: string | undefined,
): Promise<CrossAdapter | undefined> {
  if (path === undefined) return undefined;
  const adapter = await readAdapter(path);
  if (sidePath === undefined) return { adapter, path };
  return { adapter, path, side: await readNpy(sidePath), sidePath };
}

/**
 * The cross-test's inputs: new-model features as queries, old-model features as gallery, with the
 * adapter applied on the side it was fitted for.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} naming the adapter file when the widths do not fit it.
 */
export function crossInputs(
  cross: CrossAdapter | undefined,
  fresh: HostMatrix,
  old: HostMatrix,
): { query: HostMatrix; gallery: HostMatrix } {
  if (cross === undefined) return { query: fresh, gallery: old };
  const { adapter, path, side } = cross;
  if (side !== undefined && side.rows !== fresh.rows)
    throw new ShapeMismatchError(
      `${cross.sidePath}: ${side.rows} rows of side information for ${fresh.rows} images`,
    );
  if (adapter.role === 'query')
    return {
      query: applyAdapter(adapter, fresh, side, `${path}: the new model's features`),
      gallery: old,
    };
  return {
    query: fresh,
    gallery: applyAdapter(adapter, old, side, `${path}: the old model's features`),
  };
}
