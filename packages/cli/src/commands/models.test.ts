import { describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';

describe('bct models', () => {
  it('lists every iResNet with insightface sizes (--json)', async () => {
    const { code, stdout } = await bct('models', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as {
      id: string;
      parameters: number;
      macs: number;
      flops: number;
    }[];
    expect(rows.map((row) => row.id)).toEqual([
      'iresnet-18',
      'iresnet-34',
      'iresnet-50',
      'iresnet-100',
      'iresnet-200',
    ]);
    // shared/spec/insightface-infra.md section 1.3: 43.59 M parameters, 6.31 GMACs for r50.
    const r50 = rows[2]!;
    expect(Math.round(r50.parameters / 1e4) / 100).toBe(43.59);
    expect(Math.round(r50.macs / 1e7) / 100).toBe(6.31);
    expect(r50.flops).toBe(2 * r50.macs);
  });

  it('prints a table for CPU-sized options, and rejects a bad number', async () => {
    const { code, stdout } = await bct('models', '--input-size', '56', '--width', '0.5');
    expect(code).toBe(0);
    expect(stdout).toMatch(/iresnet-18\s+r18, iresnet18\s+\d+\.\d\d/);
    const bad = await bct('models', '--width', 'wide');
    // A bad option value is a usage error: exit 2, commander's message naming the option.
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /option '--width <[a-z]+>' argument 'wide' is invalid\. expected a positive number/,
    );
  });
});
