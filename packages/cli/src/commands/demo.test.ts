import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST_DIRECTORY } from '@bctkit/datasets';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../pipelines/demo.js';
import { formatDemo } from './demo.js';

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
