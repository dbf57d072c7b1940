import { describe, expect, it } from 'vitest';
import { editDistance } from './edit-distance.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abcd', 4],
    ['arcface', 'arcface', 0],
    ['acrface', 'arcface', 1], // one adjacent transposition
    ['arcfac', 'arcface', 1], // one insertion
    ['cosface', 'arcface', 3], // c->a, o->r, s->c
    ['kitten', 'sitting', 3], // the textbook example
    ['ca', 'abc', 3], // optimal string alignment (not full Damerau, which gives 2)
    ['r50', 'iresnet-50', 7],
  ])('%j -> %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});
