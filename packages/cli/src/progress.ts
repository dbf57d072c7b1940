import type { CliIo } from './io.js';

/** Reports progress of a long stage on stderr: count, percentage, rate and ETA, at most once a second. */
export interface ProgressReporter {
  update(done: number, total: number): void;
  /** Prints the final line. */
  finish(): void;
}

/** `42s`, `3m5s` or `2h10m`; `?` when unknown. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${Math.round(seconds % 60)}s`
    : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/**
 * A progress reporter for `label` (e.g. `split`), writing through `io.stderr` so stdout stays
 * clean for `--json`, or sending every update to `io.progress` when it is set (a shard run by
 * `bct worker`). `now` is injectable for tests.
 */
export function createProgress(
  io: CliIo,
  label: string,
  unit: string,
  now: () => number = Date.now,
): ProgressReporter {
  const start = now();
  let lastPrint = start;
  let last: [number, number] = [0, 0];
  const line = (done: number, total: number): string => {
    const seconds = (now() - start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const percent = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
    const eta = rate > 0 ? formatSeconds((total - done) / rate) : '?';
    return `${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${percent}%), ${Math.round(rate).toLocaleString('en-US')} ${unit}/s, ETA ${eta}\n`;
  };
  return {
    update(done, total) {
      last = [done, total];
      if (io.progress !== undefined) {
        io.progress(label, done, total);
        return;
      }
      if (now() - lastPrint >= 1000) {
        lastPrint = now();
        io.stderr(line(done, total));
      }
    },
    finish() {
      io.stderr(
        line(last[1], last[1]).replace(
          /, ETA .*\n/,
          `, done in ${formatSeconds((now() - start) / 1000)}\n`,
        ),
      );
    },
  };
}
