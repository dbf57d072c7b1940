import { describe, expect, it } from 'vitest';
import { BctkitError } from './bctkit-error.js';
import {
  BackendUnavailableError,
  DatasetFormatError,
  InvalidConfigError,
  ShapeMismatchError,
  UnknownComponentError,
} from './errors.js';

describe('BctkitError', () => {
  it('carries a code, a message, a cause and the subclass name', () => {
    const cause = new Error('disk on fire');
    const error = new DatasetFormatError('train.rec', 4096, 'record truncated', { cause });
    expect(error).toBeInstanceOf(BctkitError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('DATASET_FORMAT');
    expect(error.name).toBe('DatasetFormatError');
    expect(error.message).toBe('train.rec (byte 4096): record truncated');
    expect(error.cause).toBe(cause);
    expect(error.file).toBe('train.rec');
    expect(error.offset).toBe(4096);
    expect(error.record).toBeUndefined();
    expect(new DatasetFormatError('train.rec', 64, 'bad magic', { record: 7 }).message).toBe(
      'train.rec (record 7, byte 64): bad magic',
    );
    expect(new DatasetFormatError('train.idx', undefined, 'empty').message).toBe(
      'train.idx: empty',
    );
  });

  it('is recognised across copies of the library through its Symbol.for marker', () => {
    // An error made by "another copy": a separate class that sets the same registered symbol.
    const foreign = Object.assign(new Error('from elsewhere'), {
      code: 'SHAPE_MISMATCH',
      [Symbol.for('bctkit.error')]: true,
    });
    expect(foreign instanceof BctkitError).toBe(false);
    expect(BctkitError.isInstance(foreign)).toBe(true);
    expect(BctkitError.hasCode(foreign, 'SHAPE_MISMATCH')).toBe(true);
    expect(BctkitError.isInstance(new Error('plain'))).toBe(false);
    expect(BctkitError.isInstance(null)).toBe(false);
    expect(BctkitError.isInstance({ code: 'X' })).toBe(false);
  });

  it('prefixes config errors with their path and keeps each problem', () => {
    const error = new InvalidConfigError('loss.ratio', 'expected a number in (0, 1]');
    expect(error.message).toBe('loss.ratio: expected a number in (0, 1]');
    expect(error.path).toBe('loss.ratio');
    expect(error.problems).toEqual(['loss.ratio: expected a number in (0, 1]']);
  });

  it('gives every subclass its own code', () => {
    const codes = [
      new ShapeMismatchError('x').code,
      new BackendUnavailableError('cpu', 'x').code,
      new UnknownComponentError('loss', 'x', [], []).code,
      new InvalidConfigError('', 'x').code,
    ];
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('words unknown-component hints by what is known', () => {
    expect(
      new UnknownComponentError('loss', 'arcfce', ['arcface'], ['arcface', 'cosface']).message,
    ).toBe("Unknown loss 'arcfce'. Did you mean 'arcface'?");
    expect(new UnknownComponentError('loss', 'zzz', [], ['arcface', 'cosface']).message).toBe(
      "Unknown loss 'zzz'. Known: 'arcface', 'cosface'.",
    );
    expect(new UnknownComponentError('loss', 'zzz', [], []).message).toBe(
      "Unknown loss 'zzz'. No loss is registered yet.",
    );
  });
});
