import { readFile } from 'node:fs/promises';
import { DatasetFormatError, InvalidConfigError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { zeroRowsWarning } from '../zero-rows.js';
import { describeFailure } from './describe-failure.js';
import { UsageError } from './usage-error.js';

describe('describeFailure (the error contract)', () => {
  it('prints a bctkit error on one line and exits 1; a usage error exits 2', () => {
    expect(describeFailure(new DatasetFormatError('a.rec', 16, 'bad magic'))).toEqual({
      exitCode: 1,
      text: 'bct: a.rec (byte 16): bad magic\n',
    });
    expect(describeFailure(new UsageError('--ratio', 'expected a number in (0, 1)'))).toEqual({
      exitCode: 2,
      text: 'bct: --ratio: expected a number in (0, 1)\n',
    });
  });

  it('keeps every problem of a multi-line config error, on one line', () => {
    const error = new InvalidConfigError(
      '',
      "Invalid config at 'config':\n  - config.a: x\n  - config.b: y",
    );
    expect(describeFailure(error).text).toBe(
      "bct: Invalid config at 'config': config.a: x; config.b: y\n",
    );
  });

  it('turns a file-system error into exit 1 naming the path, in words', async () => {
    const missing = await readFile('/nonexistent/bctkit/file.npy').catch((error: unknown) => error);
    expect(describeFailure(missing)).toEqual({
      exitCode: 1,
      text: 'bct: /nonexistent/bctkit/file.npy: no such file or directory\n',
    });
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      path: 'out.npy',
    });
    expect(describeFailure(new Error('wrapped', { cause: full })).text).toBe(
      'bct: out.npy: no space left on the device\n',
    );
    // A bctkit error caused by one gets the reason added when its message lacks it.
    const cause = Object.assign(new Error('EROFS'), { code: 'EROFS' });
    expect(
      describeFailure(new DatasetFormatError('x.rec', undefined, 'cannot write', { cause })).text,
    ).toBe('bct: x.rec: cannot write (the file system is read-only)\n');
  });

  it('reports anything else as a bug: exit 70, the stack, and a request to report it', () => {
    const failure = describeFailure(
      new TypeError("Cannot read properties of undefined (reading 'x')"),
    );
    expect(failure.exitCode).toBe(70);
    expect(failure.text).toMatch(
      /^bct: unexpected failure: this is a bug in bctkit\. Please report it/,
    );
    expect(failure.text).toMatch(/TypeError: Cannot read properties of undefined/);
    expect(failure.text).toMatch(/\n\s+at /);
  });
});

describe('zeroRowsWarning', () => {
  it('warns when rows are all zero, and says when every row is', () => {
    const matrix = (values: number[]) => ({
      data: Float32Array.from(values),
      rows: values.length / 2,
      cols: 2,
    });
    expect(zeroRowsWarning(matrix([1, 0, 0, 2]), 'f.npy')).toBeUndefined();
    expect(zeroRowsWarning(matrix([0, 0, 0, 2, 0, 0]), 'f.npy')).toBe(
      'f.npy: 2 of 3 rows are all zero; they score 0 against every image',
    );
    expect(zeroRowsWarning(matrix([0, 0, 0, 0]), 'f.npy')).toMatch(
      /^f\.npy: every row is all zero; its scores are all 0 and measure nothing/,
    );
  });
});
