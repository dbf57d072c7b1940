// Helpers shared by the benchmark scripts.
import { renameSync, writeFileSync } from 'node:fs';

/** The value after `--name` in `args`, or `fallback`. */
export function option(args, name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

/** Writes `text` to a temporary name beside `path`, then renames it into place. */
export function writeAtomic(path, text) {
  const temporary = `${path}.partial-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
