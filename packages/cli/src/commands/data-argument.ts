import { stat } from 'node:fs/promises';
import { InvalidConfigError, readFileOrFail } from '@bctkit/tensor-ops';

/** Reads a JSON object given inline (`{...}`) or as a file path. */
export async function jsonArgument(flag: string, value: string): Promise<Record<string, unknown>> {
  const inline = value.trim().startsWith('{');
  const text = inline
    ? value
    : (await readFileOrFail(value, `the ${flag} JSON file`)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidConfigError(
      inline ? flag : value,
      `expected a JSON object${inline ? ' or a JSON file' : ''}: ${(cause as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidConfigError(inline ? flag : value, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * A dataset given on the command line: a `.rec` file, a folder with one sub-folder per identity,
 * or a dataset source config (inline JSON or a JSON file).
 */
export async function dataArgument(
  flag: string,
  value: string,
): Promise<{ type: string } & Record<string, unknown>> {
  if (value.trim().startsWith('{'))
    return (await jsonArgument(flag, value)) as { type: string } & Record<string, unknown>;
  if (value.endsWith('.rec')) return { type: 'rec', path: value };
  const info = await stat(value).catch(() => undefined);
  if (info?.isDirectory()) return { type: 'image-folder', root: value };
  return (await jsonArgument(flag, value)) as { type: string } & Record<string, unknown>;
}
