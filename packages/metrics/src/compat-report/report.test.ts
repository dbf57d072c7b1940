import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VerificationResult } from '../ijbc/evaluate-verification.js';
import { rocCurve } from '../verification/roc.js';
import { sampleRoc } from '../verification/sample-roc.js';
import { buildIjbcReport, buildRetrievalReport } from './compatibility-report.js';
import { formatReportMarkdown } from './format-report.js';
import { writeCompatibilityReport } from './write-report.js';

const result = (tar4: number, auc: number, curve = true): VerificationResult => ({
  tar: {
    '1e-6': tar4 / 4,
    '1e-5': tar4 / 2,
    '1e-4': tar4,
    '1e-3': tar4 + 0.02,
    '1e-2': 0.97,
    '1e-1': 0.99,
  },
  auc,
  ...(curve ? { curve: { fpr: [1e-6, 1e-4, 1e-2, 1], tpr: [tar4 / 4, tar4, 0.97, 1] } } : {}),
});

describe('compatibility report', () => {
  it('judges cross > old/old and computes the update gain by hand', () => {
    const report = buildIjbcReport(
      {
        tests: { self: result(0.9, 0.99), cross: result(0.85, 0.98), old: result(0.8, 0.97) },
        pairs: 10,
        templates: 5,
      },
      { unconstrained: result(0.92, 0.99) },
    );
    expect(report.criterion).toEqual({
      metric: 'TAR@1e-4',
      cross: 0.85,
      old: 0.8,
      compatible: true,
    });
    // (0.85 - 0.80) / (0.92 - 0.80) = 0.41666...
    expect(report.updateGain).toBeCloseTo(0.05 / 0.12, 12);
    expect(report.selfGain).toBeCloseTo(0.1, 12);
    expect(report.columns).toEqual([
      'TAR@1e-6',
      'TAR@1e-5',
      'TAR@1e-4',
      'TAR@1e-3',
      'TAR@1e-2',
      'TAR@1e-1',
      'AUC',
    ]);
    expect(Object.keys(report.curves!)).toEqual(['self', 'cross', 'old', 'unconstrained']);
    const markdown = formatReportMarkdown(report);
    expect(markdown).toContain(
      '| new query / old gallery (cross) | 21.25 | 42.50 | 85.00 | 87.00 | 97.00 | 99.00 | 98.00 |',
    );
    expect(markdown).toContain('cross 85.00 > old/old 80.00: compatible');
  });

  it('gives no update gain when the unconstrained new model is worse than the old one', () => {
    const report = buildIjbcReport(
      {
        tests: { self: result(0.75, 0.99), cross: result(0.7, 0.98), old: result(0.8, 0.97) },
        pairs: 10,
        templates: 5,
      },
      { unconstrained: result(0.78, 0.99) },
    );
    // (0.70 - 0.80) / (0.78 - 0.80) = +5 would read as a gain: there is none to share.
    expect(report.updateGain).toBeNull();
    const markdown = formatReportMarkdown(report);
    expect(markdown).not.toContain('Update gain (cross');
    expect(markdown).toContain(
      'No update gain: the unconstrained new model (78.00) is not better than the old one (80.00)',
    );
  });

  it('says when the new model is not compatible, and has no verdict without old features', () => {
    const bad = buildRetrievalReport({
      self: { top: { '1': 0.9, '5': 0.95 }, mapAtR: 0.7, queriesWithRelevant: 10 },
      cross: { top: { '1': 0.4, '5': 0.6 }, mapAtR: 0.3, queriesWithRelevant: 10 },
      old: { top: { '1': 0.7, '5': 0.9 }, mapAtR: 0.5, queriesWithRelevant: 10 },
    });
    expect(bad.columns).toEqual(['top-1', 'top-5', 'mAP@R']);
    expect(bad.criterion?.compatible).toBe(false);
    expect(formatReportMarkdown(bad)).toContain('NOT compatible');
    const selfOnly = buildRetrievalReport({
      self: { top: { '1': 0.9 }, mapAtR: 0.7, queriesWithRelevant: 10 },
    });
    expect(selfOnly.criterion).toBeNull();
    expect(selfOnly.updateGain).toBeNull();
  });

  it('writes JSON, Markdown, HTML, SVG and PNG without a browser', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-report-'));
    try {
      const report = buildIjbcReport({
        tests: { self: result(0.9, 0.99), cross: result(0.85, 0.98), old: result(0.8, 0.97) },
        pairs: 10,
        templates: 5,
      });
      const files = await writeCompatibilityReport(directory, report);
      expect(JSON.parse(await readFile(files.json, 'utf8')).criterion.compatible).toBe(true);
      const svg = await readFile(files.svg, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('TAR');
      const png = await readFile(files.png);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(5000);
      const html = await readFile(files.html, 'utf8');
      expect(html).toContain('<table>');
      expect(html).toContain('<svg');
      expect(await readFile(files.markdown, 'utf8')).toContain('# IJB-C 1:1 verification');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('sampleRoc', () => {
  it('takes the best TPR reached without exceeding each FPR', () => {
    // 4 negatives: FPR steps of 0.25. Scores: positives 0.9, 0.6; negatives 0.8, 0.5, 0.4, 0.1.
    const roc = rocCurve([0.9, 0.6, 0.8, 0.5, 0.4, 0.1], [1, 1, 0, 0, 0, 0], {
      dropIntermediate: false,
    });
    const samples = sampleRoc(roc, 3, 0.25);
    // log grid from 0.25 to 1: 0.25, 0.5, 1.
    expect(samples.fpr.map((v) => +v.toFixed(6))).toEqual([0.25, 0.5, 1]);
    expect(samples.tpr).toEqual([1, 1, 1]);
    const strict = sampleRoc(
      rocCurve([0.9, 0.3, 0.8, 0.5, 0.4, 0.1], [1, 1, 0, 0, 0, 0], { dropIntermediate: false }),
      3,
      0.25,
    );
    expect(strict.tpr).toEqual([0.5, 0.5, 1]);
  });
});
