import type { z } from 'zod';
import { InvalidConfigError } from '../errors/errors.js';
import { editDistance } from '../registry/edit-distance.js';

interface SchemaInternals {
  _zod?: { def?: { type?: string; shape?: Record<string, unknown>; innerType?: unknown } };
}

/** The object keys the schema accepts at `path`, when the schema there is an object. */
function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let node = schema as SchemaInternals | undefined;
  const unwrap = () => {
    while (node?._zod?.def?.innerType !== undefined)
      node = node._zod.def.innerType as SchemaInternals;
  };
  unwrap();
  for (const key of path) {
    const shape = node?._zod?.def?.shape;
    if (shape === undefined || typeof key !== 'string') return [];
    node = shape[key] as SchemaInternals | undefined;
    unwrap();
  }
  return Object.keys(node?._zod?.def?.shape ?? {});
}

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Validates `value` against a zod schema and returns the parsed config.
 *
 * Every problem is reported at once, each with its dotted path (`loss.ratio`), and an unknown key
 * gets a "did you mean" hint from the keys the schema accepts at that level, so a typo such as
 * `mixRatio` for `ratio` is caught rather than silently ignored (use strict object schemas).
 *
 * @param prefix path of `value` inside a larger config, e.g. `loss`.
 * @throws {@link InvalidConfigError} listing every problem.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closestKey(key, known);
        const where = formatPath(prefix, [...issue.path, key]);
        problems.push(
          `${where}: unknown key${guess === undefined ? '' : ` (did you mean '${formatPath('', [...issue.path, guess])}'?)`}` +
            (known.length > 0 && guess === undefined ? `; allowed: ${known.join(', ')}` : ''),
        );
      }
    } else {
      const where = formatPath(prefix, issue.path);
      problems.push(`${where === '' ? '(config)' : where}: ${issue.message}`);
    }
  }
  throw new InvalidConfigError(
    '',
    `Invalid config${prefix === '' ? '' : ` at '${prefix}'`}:\n  - ${problems.join('\n  - ')}`,
    { cause: result.error, problems },
  );
}
