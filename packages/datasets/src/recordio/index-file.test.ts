import { DatasetFormatError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { createRecordIndex, formatRecordIndex, parseRecordIndex } from './index-file.js';

describe('.idx files', () => {
  it('parses key/offset lines in file order, tolerating blank lines and CRLF', () => {
    const index = parseRecordIndex('1\t0\r\n2\t116\n\n0\t704\n', 'train.idx');
    expect(index.keys).toEqual([1, 2, 0]);
    expect(index.offsets).toEqual([0, 116, 704]);
    expect(index.offsetOf.get(0)).toBe(704);
  });

  it('formats what it parses', () => {
    const text = '3\t0\n1\t40\n2\t96\n';
    expect(formatRecordIndex(parseRecordIndex(text, 'x.idx'))).toBe(text);
    expect(formatRecordIndex(createRecordIndex([], []))).toBe('');
  });

  it.each([
    ['1\t0\nbogus\n', /line 2 is not "<key>\\t<offset>"/],
    ['1\t0\n1\t8\n', /line 2: key 1 appears twice/],
    ['1\t-4\n', /line 1 is not/],
    ['99999999999999999999\t0\n', /line 1: number too large/],
  ])('rejects %j', (text, pattern) => {
    expect(() => parseRecordIndex(text, 'train.idx')).toThrow(DatasetFormatError);
    expect(() => parseRecordIndex(text, 'train.idx')).toThrow(pattern);
  });

  it('rejects an offset past the end of the .rec', () => {
    expect(() => parseRecordIndex('1\t0\n2\t864\n', 'train.idx', 864)).toThrow(
      'train.idx (record 2): line 2: key 2 points at byte 864, past the end of the .rec file (864 bytes)',
    );
  });
});
