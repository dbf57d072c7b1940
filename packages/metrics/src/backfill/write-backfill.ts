import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@bctkit/tensor-ops';
import { backfillChartSpec } from '../plots/charts.js';
import { renderSvg, svgToPng } from '../plots/render.js';
import type { BackfillCurve } from './backfill.js';

/** Backfill curves as a Markdown table: one row per fraction, one column per policy. */
export function formatBackfillMarkdown(
  curves: readonly BackfillCurve[],
  title = 'Partial backfill',
): string {
  const fractions = curves[0]?.points.map((point) => point.fraction) ?? [];
  const lines = [
    `# ${title}`,
    '',
    'Leave-one-out top-1 (%) of new queries against a gallery whose first share (by each policy) is re-embedded by the new model.',
    '',
    `| backfilled | ${curves.map((curve) => curve.policy).join(' | ')} |`,
    `|---|${curves.map(() => '---').join('|')}|`,
    ...fractions.map(
      (fraction, k) =>
        `| ${(100 * fraction).toFixed(0)}% | ${curves.map((curve) => (100 * curve.points[k]!.top1).toFixed(2)).join(' | ')} |`,
    ),
    `| area (mean top-1) | ${curves.map((curve) => (100 * curve.areaTop1).toFixed(2)).join(' | ')} |`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Paths {@link writeBackfillReport} wrote. */
export interface BackfillFiles {
  readonly json: string;
  readonly markdown: string;
  readonly svg: string;
  readonly png: string;
}

/** Writes backfill curves as `backfill.json`, `backfill.md` and the plot (SVG, PNG), atomically. */
export async function writeBackfillReport(
  directory: string,
  curves: readonly BackfillCurve[],
  title = 'Partial backfill',
): Promise<BackfillFiles> {
  await mkdir(directory, { recursive: true });
  const files: BackfillFiles = {
    json: join(directory, 'backfill.json'),
    markdown: join(directory, 'backfill.md'),
    svg: join(directory, 'backfill.svg'),
    png: join(directory, 'backfill.png'),
  };
  const svg = await renderSvg(backfillChartSpec(curves, title));
  await writeFileAtomic(files.json, `${JSON.stringify(curves, null, 2)}\n`);
  await writeFileAtomic(files.markdown, formatBackfillMarkdown(curves, title));
  await writeFileAtomic(files.svg, svg);
  await writeFileAtomic(files.png, svgToPng(svg));
  return files;
}
