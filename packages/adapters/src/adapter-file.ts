import { DatasetFormatError, readFileOrFail, writeFileAtomic } from '@bctkit/tensor-ops';
import { z } from 'zod';
import type { FittedAdapter } from './adapter.js';
import { adapters } from './builtins.js';

/** The `format` field of an adapter file. */
export const ADAPTER_FORMAT = 'bctkit-adapter';
/** The version this code writes and reads. */
export const ADAPTER_VERSION = 1;

const fileSchema = z.object({
  format: z.literal(ADAPTER_FORMAT),
  version: z.number().int(),
  method: z.string().min(1),
  fromDim: z.number().int().positive(),
  toDim: z.number().int().positive(),
  sideDim: z.number().int().min(0),
  role: z.enum(['query', 'gallery']),
  normalizeInput: z.boolean(),
  options: z.record(z.string(), z.unknown()),
  fittedOn: z.object({ rows: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  fitError: z.number(),
  parameters: z.record(
    z.string(),
    z.object({
      shape: z.array(z.number().int().positive()),
      dtype: z.literal('float32'),
      base64: z.string(),
    }),
  ),
});

/** Serialises a fitted adapter as JSON text (parameters as base64 little-endian float32). */
export function serializeAdapter(adapter: FittedAdapter): string {
  const parameters = Object.fromEntries(
    Object.entries(adapter.parameters).map(([name, parameter]) => [
      name,
      {
        shape: parameter.shape,
        dtype: 'float32',
        base64: Buffer.from(
          parameter.data.buffer,
          parameter.data.byteOffset,
          parameter.data.byteLength,
        ).toString('base64'),
      },
    ]),
  );
  return `${JSON.stringify({ format: ADAPTER_FORMAT, version: ADAPTER_VERSION, ...adapter, parameters })}\n`;
}

/**
 * Reads an adapter back from its JSON text, checking format, version, method and every
 * parameter's size. `file` names it in errors.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming `file` when anything does not fit.
 */
export function parseAdapter(text: string, file: string): FittedAdapter {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DatasetFormatError(
      file,
      undefined,
      `not an adapter file (not JSON: ${(cause as Error).message})`,
    );
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== ADAPTER_FORMAT)
    throw new DatasetFormatError(
      file,
      undefined,
      `not an adapter file (format ${JSON.stringify(format)}, expected "${ADAPTER_FORMAT}")`,
    );
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DatasetFormatError(
      file,
      undefined,
      `a damaged adapter file: ${issue.path.join('.') || 'top level'}: ${issue.message}`,
    );
  }
  const data = parsed.data;
  if (data.version !== ADAPTER_VERSION)
    throw new DatasetFormatError(
      file,
      undefined,
      `adapter file version ${data.version}; this bctkit reads version ${ADAPTER_VERSION}`,
    );
  if (!adapters.has(data.method))
    throw new DatasetFormatError(
      file,
      undefined,
      `fitted with the adapter method "${data.method}", which this bctkit does not know (a plugin?)`,
    );
  const parameters = Object.fromEntries(
    Object.entries(data.parameters).map(([name, parameter]) => {
      const bytes = Buffer.from(parameter.base64, 'base64');
      const size = parameter.shape.reduce((product, side) => product * side, 1);
      if (bytes.byteLength !== size * 4)
        throw new DatasetFormatError(
          file,
          undefined,
          `parameter ${name} holds ${bytes.byteLength} bytes, its shape [${parameter.shape}] needs ${size * 4}`,
        );
      const values = new Float32Array(size);
      new Uint8Array(values.buffer).set(bytes);
      return [name, { shape: parameter.shape, data: values }];
    }),
  );
  return { ...data, parameters };
}

/** Writes an adapter file atomically. */
export async function writeAdapter(path: string, adapter: FittedAdapter): Promise<void> {
  await writeFileAtomic(path, serializeAdapter(adapter));
}

/** Reads an adapter file (see {@link parseAdapter}). */
export async function readAdapter(path: string): Promise<FittedAdapter> {
  return parseAdapter((await readFileOrFail(path, 'the adapter')).toString('utf8'), path);
}
