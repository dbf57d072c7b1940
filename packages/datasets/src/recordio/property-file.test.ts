import { DatasetFormatError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { formatProperty, parseProperty } from './property-file.js';

describe('property files', () => {
  it('reads the one-line form and the multi-line form of newer insightface tools', () => {
    expect(parseProperty('93431,112,112\n', 'property')).toEqual({
      numClasses: 93431,
      height: 112,
      width: 112,
      extraLines: [],
    });
    expect(
      parseProperty('10,112,112\n5000\nshuffled\n2021-08-03\n', 'property').extraLines,
    ).toEqual(['5000', 'shuffled', '2021-08-03']);
  });

  it('writes what it reads', () => {
    const text = '10,112,96\n5000\n';
    expect(formatProperty(parseProperty(text, 'property'))).toBe(text);
  });

  it.each(['', '93431,112\n', 'a,b,c\n', '0,112,112\n'])('rejects %j', (text) => {
    expect(() => parseProperty(text, 'property')).toThrow(DatasetFormatError);
  });
});
