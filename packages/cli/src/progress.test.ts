import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { createProgress, formatSeconds } from './progress.js';

describe('formatSeconds', () => {
  it('writes seconds, minutes and hours (hand-worked)', () => {
    expect([0.2, 59, 61, 3599, 3600, 13_260].map(formatSeconds)).toEqual([
      '1s',
      '59s',
      '1m1s',
      '59m59s',
      '1h0m',
      '3h41m',
    ]);
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBe('?');
  });
});

describe('createProgress', () => {
  it('prints at most once a second with rate and ETA, or sends every update to io.progress', () => {
    let clock = 0;
    const lines: string[] = [];
    const io: CliIo = { stdout: () => undefined, stderr: (text) => lines.push(text) };
    const progress = createProgress(io, 'extract', 'images', () => clock);
    clock = 500;
    progress.update(50, 400); // under a second since the start: not printed
    clock = 2000;
    progress.update(100, 400);
    clock = 4000;
    progress.finish();
    expect(lines).toEqual([
      'extract: 100/400 images (25.0%), 50 images/s, ETA 6s\n',
      'extract: 400/400 images (100.0%), 100 images/s, done in 4s\n',
    ]);

    const updates: [string, number, number][] = [];
    const quiet: string[] = [];
    const child = createProgress(
      {
        stdout: () => undefined,
        stderr: (text) => quiet.push(text),
        progress: (label, done, total) => updates.push([label, done, total]),
      },
      'denoise',
      'rows',
      () => 0,
    );
    child.update(1, 10);
    child.update(2, 10);
    expect(updates).toEqual([
      ['denoise', 1, 10],
      ['denoise', 2, 10],
    ]);
    expect(quiet).toEqual([]);
  });
});
