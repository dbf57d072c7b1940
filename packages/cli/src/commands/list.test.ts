import { describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';

describe('bct list', () => {
  it('lists every loss with its defaults (--json)', async () => {
    const { code, stdout } = await bct('list', 'losses', '--json');
    expect(code).toBe(0);
    const losses = JSON.parse(stdout) as { id: string; defaults: Record<string, unknown> }[];
    const byId = Object.fromEntries(losses.map((loss) => [loss.id, loss]));
    expect(Object.keys(byId).sort()).toEqual([
      'advbct',
      'bct',
      'bt2',
      'l2',
      'lce',
      'mixbct',
      'nccl',
      'none',
      'unibct',
      'weakened-l2',
    ]);
    expect(byId.mixbct!.defaults).toEqual({ type: 'mixbct', ratio: 0.3, seed: 0 });
    expect(byId.l2!.defaults).toEqual({ type: 'l2', lambda: 10, tolerance: 0 });
    // The MixBCT repository's weakened L2 tolerates a distance of 0.2 (it was an alias of l2).
    expect(byId['weakened-l2']!.defaults).toEqual({
      type: 'weakened-l2',
      lambda: 10,
      tolerance: 0.2,
    });
    expect(byId.bct!.defaults).toEqual({ type: 'bct', lambda: 1, scale: 1, margin: 0 });
  });

  it('prints every category as tables, and refuses an unknown one', async () => {
    const { code, stdout } = await bct('list');
    expect(code).toBe(0);
    for (const heading of ['losses:', 'heads:', 'backbones:', 'sources:'])
      expect(stdout).toContain(heading);
    expect(stdout).toMatch(/arcface\s+arc\s+\{"scale":64,"margin":0.5/);
    // Left-aligned columns, no padding at the ends of lines: the defaults of \`none\` are \`{}\`
    // right after its (empty) aliases column.
    expect(stdout).toMatch(/^none {2,}\{\}$/m);
    for (const line of stdout.split('\n')) expect(line).toBe(line.trimEnd());
    const bad = await bct('list', 'optimisers');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown category 'optimisers'/);
  });
});
