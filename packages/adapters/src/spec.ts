import type { HostMatrix, RegistryEntry } from '@bctkit/tensor-ops';
import type { z } from 'zod';
import type { AdapterParameter, AdapterRole } from './adapter.js';

/** What an adapter method fits on: rows of the same images in two spaces (inputs prepared). */
export interface AdapterFitData {
  /** Input rows, normalised when the adapter normalises, side information appended. */
  readonly from: HostMatrix;
  /** Target rows, normalised when the adapter normalises. */
  readonly to: HostMatrix;
  /** Where a message should point: the file(s) the rows came from. */
  readonly source: string;
}

/** Progress of a fit that trains. */
export interface AdapterFitHooks {
  /** After each epoch of a network adapter: epochs done, epochs in all, mean loss. */
  onEpoch?: (epoch: number, epochs: number, loss: number) => void;
  /** Something the user should know about the fit (e.g. fitted on fewer dimensions). */
  onNote?: (message: string) => void;
}

/** A registered adapter method: how to fit it and how to apply what was fitted. */
export interface AdapterSpec<Options = Record<string, unknown>> extends RegistryEntry {
  /** The paper or text the method follows, for docs and `bct list`. */
  readonly reference: string;
  /** The role of a fitted adapter unless the user says otherwise. */
  readonly defaultRole: AdapterRole;
  /** Whether the method takes side-information features besides the input features. */
  readonly takesSide: boolean;
  /** The method's options (zod, strict, with defaults). */
  readonly options: z.ZodType<Options>;
  /** Fits the parameters; network methods report each epoch through `hooks`. */
  fit(
    data: AdapterFitData,
    options: Options,
    hooks?: AdapterFitHooks,
  ): Promise<Record<string, AdapterParameter>>;
  /** Applies fitted parameters to prepared input rows; returns `[rows, toDim]`. */
  apply(parameters: Readonly<Record<string, AdapterParameter>>, input: HostMatrix): HostMatrix;
}

/**
 * Defines an adapter method: `fit` and `apply` receive the options as their schema parses them,
 * typed from the schema.
 */
export function defineAdapter<Schema extends z.ZodType<Record<string, unknown>>>(
  spec: AdapterSpec<z.output<Schema>> & { readonly options: Schema },
): AdapterSpec {
  return spec;
}
