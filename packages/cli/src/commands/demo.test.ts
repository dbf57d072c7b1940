import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST_DIRECTORY } from '@bctkit/datasets';
import { useBackend } from '@bctkit/tensor-ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../pipelines/demo.js';
import { formatDemo } from './demo.js';

// As `bct demo` does: the cpu backend with bctkit's kernels (native when the add-on is built).
beforeAll(async () => {
  await useBackend('cpu');
});

describe('bct demo (small)', () => {
  it('runs the whole pipeline on the npm digits and writes a report per method', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bctkit-demo-'));
    try {
      const stages = new Set<string>();
      const result = await runDemo({
        out,
        data: 'mnist',
        epochs: 1,
        trainPerClass: 12,
        testPerClass: 10,
        batchSize: 16,
        onStep: (stage) => stages.add(stage),
      });
      expect([...stages]).toEqual(['old', 'new-mixbct', 'new-none']);
      expect(result.methods.map((m) => m.method)).toEqual(['mixbct', 'none']);
      for (const { report, reportDirectory } of result.methods) {
        expect(report.rows.map((row) => row.test)).toEqual(['self', 'cross', 'old']);
        expect(report.criterion?.metric).toBe('top-1');
        const html = await readFile(join(reportDirectory, 'report.html'), 'utf8');
        expect(html).toContain('<svg');
      }
      const table = formatDemo(result);
      expect(table).toMatch(/old \/ old/);
      expect(table).toMatch(/mixbct\s+new query \/ old gallery \(cross\)/);
      // 10 classes x 10 test images, leave-one-out: every metric is a share of 100 queries.
      expect(Number.isInteger(result.old.top['1']! * 100)).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('passes its criterion with the defaults: MixBCT cross > old/old, the unconstrained model not', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bctkit-demo-full-'));
    try {
      const result = await runDemo({ out });
      expect(result.data).toBe('mnist');
      const [mixbct, none] = result.methods;
      expect(mixbct!.method).toBe('mixbct');
      expect(none!.method).toBe('none');
      const row = (method: typeof mixbct, test: string) =>
        method!.report.rows.find((r) => r.test === test)!.values['top-1']!;
      // Measured natively: old/old 76.4, MixBCT cross 83.9 (self 94.8), none cross 1.4 (self 95.5);
      // in JavaScript: old/old 77.9, MixBCT cross 85.4, none cross 3.0.
      expect(mixbct!.report.criterion!.compatible).toBe(true);
      expect(row(mixbct, 'cross')).toBeGreaterThan(result.old.top['1']!);
      expect(none!.report.criterion!.compatible).toBe(false);
      expect(row(none, 'cross')).toBeLessThan(0.5 * result.old.top['1']!);
      // Both new models are better than the old one on their own.
      expect(row(mixbct, 'self')).toBeGreaterThan(result.old.top['1']!);
      expect(row(none, 'self')).toBeGreaterThan(result.old.top['1']!);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 1_200_000);

  it.skipIf(!existsSync(join(DEBIAN_FASHION_MNIST_DIRECTORY, 'train-images-idx3-ubyte.gz')))(
    'runs on Fashion-MNIST, whose classes are interleaved in file order',
    async () => {
      const out = await mkdtemp(join(tmpdir(), 'bctkit-demo-fashion-'));
      try {
        const result = await runDemo({
          out,
          data: 'fashion-mnist',
          epochs: 1,
          trainPerClass: 12,
          testPerClass: 5,
          batchSize: 16,
          method: 'mixbct',
        });
        expect(result.data).toBe('fashion-mnist');
        expect(result.methods).toHaveLength(2);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
  );
});
