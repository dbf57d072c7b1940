import { createHash } from 'node:crypto';
import {
  DatasetFormatError,
  type HostMatrix,
  parseConfig,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import {
  type AdapterRole,
  adapterInput,
  type FittedAdapter,
  firstZeroRow,
  normalizeRows,
} from './adapter.js';
import { adapters } from './builtins.js';

/** Paired features of the same images to fit an adapter on. */
export interface AdapterFitInput {
  /** Features in the space the adapter maps from, `[rows, fromDim]`. */
  readonly from: HostMatrix;
  /** Features of the same images, in the same order, in the target space, `[rows, toDim]`. */
  readonly to: HostMatrix;
  /** Side-information features of the same images (FCT), `[rows, sideDim]`. */
  readonly side?: HostMatrix;
  /** Names of the inputs for messages (file paths), default `from`, `to`, `side`. */
  readonly names?: { from?: string; to?: string; side?: string };
}

/** How to fit. */
export interface FitAdapterOptions {
  /** Registry id or alias: `procrustes`, `affine`, `mlp`, `fct`. */
  readonly method: string;
  /** The method's options (checked against its schema). */
  readonly options?: Record<string, unknown>;
  /** Default: the method's (`gallery` for `fct`, `query` for the others). */
  readonly role?: AdapterRole;
  /** L2-normalise every row before fitting and applying. Default true. */
  readonly normalize?: boolean;
  /** Progress of network adapters, after each epoch. */
  readonly onEpoch?: (epoch: number, epochs: number, loss: number) => void;
  /** Notes on the fit, e.g. a Procrustes fit on fewer dimensions than the widths. */
  readonly onNote?: (message: string) => void;
}

function checkRows(matrix: HostMatrix, name: string): void {
  for (let i = 0; i < matrix.data.length; i++)
    if (!Number.isFinite(matrix.data[i]!))
      throw new DatasetFormatError(
        name,
        undefined,
        `row ${Math.floor(i / matrix.cols)} is not finite`,
      );
  const zero = firstZeroRow(matrix);
  if (zero >= 0)
    throw new DatasetFormatError(
      name,
      undefined,
      `row ${zero} is all zeros: it has no direction to map`,
    );
}

function sha256(matrices: readonly HostMatrix[]): string {
  const hash = createHash('sha256');
  for (const matrix of matrices) {
    hash.update(`${matrix.rows}x${matrix.cols};`);
    hash.update(new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength));
  }
  return hash.digest('hex');
}

/**
 * Fits an adapter from paired features of the same images (any two widths).
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} for different row counts, side information the method does
 *   not take, or a rank-deficient fit; {@link @bctkit/tensor-ops!DatasetFormatError} for a NaN, infinite or zero row;
 *   {@link @bctkit/tensor-ops!InvalidConfigError} for bad options;
 *   {@link @bctkit/tensor-ops!UnknownComponentError} for an unknown method.
 */
export async function fitAdapter(
  input: AdapterFitInput,
  how: FitAdapterOptions,
): Promise<FittedAdapter> {
  const spec = adapters.get(how.method);
  const names = { from: 'from', to: 'to', side: 'side', ...input.names };
  const { from, to, side } = input;
  if (from.rows !== to.rows)
    throw new ShapeMismatchError(
      `${names.from} has ${from.rows} rows and ${names.to} ${to.rows}: an adapter is fitted on the same images in both spaces`,
    );
  if (side !== undefined && !spec.takesSide)
    throw new ShapeMismatchError(`${names.side}: the ${spec.id} adapter takes no side information`);
  if (side !== undefined && side.rows !== from.rows)
    throw new ShapeMismatchError(`${names.side} has ${side.rows} rows, ${names.from} ${from.rows}`);
  if (from.rows < 2)
    throw new ShapeMismatchError(
      `${names.from}: an adapter needs at least 2 rows to fit, got ${from.rows}`,
    );
  checkRows(from, names.from);
  checkRows(to, names.to);
  if (side !== undefined) checkRows(side, names.side);
  const options = parseConfig(spec.options, how.options ?? {}, spec.id) as Record<string, unknown>;
  const normalizeInput = how.normalize ?? true;
  const shell: Omit<FittedAdapter, 'parameters' | 'fitError'> = {
    method: spec.id,
    fromDim: from.cols,
    toDim: to.cols,
    sideDim: side?.cols ?? 0,
    role: how.role ?? spec.defaultRole,
    normalizeInput,
    options,
    fittedOn: {
      rows: from.rows,
      sha256: sha256(side === undefined ? [from, to] : [from, to, side]),
    },
  };
  const prepared = adapterInput({ ...shell, parameters: {}, fitError: 0 }, from, side, names.from);
  const target = normalizeInput ? { ...to, data: normalizeRows(to.data, to.cols) } : to;
  const source =
    side === undefined
      ? `${names.from} -> ${names.to}`
      : `${names.from} + ${names.side} -> ${names.to}`;
  const parameters = await spec.fit({ from: prepared, to: target, source }, options, {
    ...(how.onEpoch === undefined ? {} : { onEpoch: how.onEpoch }),
    ...(how.onNote === undefined ? {} : { onNote: how.onNote }),
  });
  const mapped = spec.apply(parameters, prepared);
  let squared = 0;
  for (let i = 0; i < mapped.data.length; i++) squared += (mapped.data[i]! - target.data[i]!) ** 2;
  return { ...shell, parameters, fitError: squared / from.rows };
}

/**
 * Maps features with a fitted adapter: `[rows, fromDim]` (plus side information when it takes
 * some) to `[rows, toDim]`.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} naming `what` when the widths do not fit the adapter.
 */
export function applyAdapter(
  adapter: FittedAdapter,
  features: HostMatrix,
  side?: HostMatrix,
  what = 'the features',
): HostMatrix {
  const spec = adapters.get(adapter.method);
  return spec.apply(adapter.parameters, adapterInput(adapter, features, side, what));
}
