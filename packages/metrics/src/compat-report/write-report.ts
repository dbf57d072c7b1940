import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@bctkit/tensor-ops';
import { metricBarsSpec, rocChartSpec } from '../plots/charts.js';
import { renderSvg, svgToPng } from '../plots/render.js';
import { type CompatibilityReport, REPORT_TEST_LABELS } from './compatibility-report.js';
import { formatReportMarkdown, reportVerdict } from './format-report.js';

/** Paths {@link writeCompatibilityReport} wrote. */
export interface ReportFiles {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly svg: string;
  readonly png: string;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The plot of a report: ROC curves when it has them, otherwise bars of every metric. */
export async function renderReportPlot(report: CompatibilityReport): Promise<string> {
  const spec =
    report.curves !== undefined
      ? rocChartSpec(report.curves, `${report.title}: ROC`)
      : metricBarsSpec(report.rows, report.title);
  return renderSvg(spec);
}

/**
 * Writes a report as `report.json`, `report.md`, `report.html` (a self-contained page: table,
 * verdict and the plot inline) and the plot as `plot.svg` and `plot.png`, rendered without a
 * browser (Vega to SVG, resvg to PNG). Every file is written atomically.
 */
export async function writeCompatibilityReport(
  directory: string,
  report: CompatibilityReport,
): Promise<ReportFiles> {
  await mkdir(directory, { recursive: true });
  const files: ReportFiles = {
    json: join(directory, 'report.json'),
    markdown: join(directory, 'report.md'),
    html: join(directory, 'report.html'),
    svg: join(directory, 'plot.svg'),
    png: join(directory, 'plot.png'),
  };
  const svg = await renderReportPlot(report);
  const percent = (value: number) => (100 * value).toFixed(2);
  const table = [
    '<table>',
    `<thead><tr><th>test</th>${report.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...report.rows.map(
      (row) =>
        `<tr class="${row.test}"><td>${escapeHtml(REPORT_TEST_LABELS[row.test])}</td>${report.columns
          .map((column) => `<td>${percent(row.values[column]!)}</td>`)
          .join('')}</tr>`,
    ),
    '</tbody></table>',
  ].join('\n');
  const verdictClass = report.criterion === null ? '' : report.criterion.compatible ? 'ok' : 'bad';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.ok { color: #1a7f37; } .bad { color: #cf222e; }
</style></head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>Values in %. Written by bctkit on ${escapeHtml(report.createdAt)}.</p>
${table}
<ul class="${verdictClass}">${reportVerdict(report)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join('')}</ul>
<figure>${svg}</figure>
</body></html>
`;
  await writeFileAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(files.markdown, formatReportMarkdown(report));
  await writeFileAtomic(files.html, html);
  await writeFileAtomic(files.svg, svg);
  await writeFileAtomic(files.png, svgToPng(svg));
  return files;
}
