import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/images/resize.json' with { type: 'json' };
import { resizePixels, toChannels } from './resize.js';

// Reference: Pillow 9.4's Image.resize(BILINEAR) and convert('L') of the same random image
// (tooling/reference/resize_fixtures.py). Pillow works in 22-bit fixed point, we in float64:
// results agree within one grey level.
const rgb = {
  data: Uint8Array.from(fixture.rgb),
  height: fixture.height,
  width: fixture.width,
  channels: 3 as const,
};

function worst(actual: Uint8Array, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let largest = 0;
  for (let i = 0; i < actual.length; i++)
    largest = Math.max(largest, Math.abs(actual[i]! - expected[i]!));
  return largest;
}

describe('resizePixels', () => {
  it.each(Object.keys(fixture.bilinear))('matches Pillow BILINEAR at %s within 1 level', (size) => {
    const [width, height] = size.split('x').map(Number) as [number, number];
    const out = resizePixels(rgb, height, width);
    expect([out.width, out.height, out.channels]).toEqual([width, height, 3]);
    const expected = fixture.bilinear[size as keyof typeof fixture.bilinear];
    expect(worst(out.data, expected)).toBeLessThanOrEqual(1);
  });

  it('returns the same pixels at the same size', () => {
    expect(resizePixels(rgb, fixture.height, fixture.width).data).toEqual(rgb.data);
  });
});

describe('toChannels', () => {
  it("turns RGB grey exactly as Pillow's convert('L')", () => {
    expect(Array.from(toChannels(rgb, 1).data)).toEqual(fixture.grey);
  });

  it('resizes grey images like Pillow', () => {
    const grey = toChannels(rgb, 1);
    expect(worst(resizePixels(grey, 8, 12).data, fixture.greyBilinear12x8)).toBeLessThanOrEqual(1);
  });

  it('repeats grey into three equal channels', () => {
    const out = toChannels({ data: Uint8Array.of(7, 200), height: 1, width: 2, channels: 1 }, 3);
    expect(Array.from(out.data)).toEqual([7, 7, 7, 200, 200, 200]);
  });
});
