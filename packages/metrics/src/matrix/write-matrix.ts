import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@bctkit/tensor-ops';
import { matrixHeatmapSpec } from '../plots/charts.js';
import { renderSvg, svgToPng } from '../plots/render.js';
import type { CompatibilityMatrix } from './compatibility-matrix.js';

const percent = (value: number | null) => (value === null ? '-' : (100 * value).toFixed(2));

/** The matrix, its criteria, AC and AM as Markdown. */
export function formatMatrixMarkdown(
  matrix: CompatibilityMatrix,
  title = 'Compatibility matrix',
): string {
  const { names, values } = matrix;
  const lines = [
    `# ${title}`,
    '',
    `${matrix.metric} (%), rows: query model, columns: gallery model.`,
    '',
    `| query \\ gallery | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    ...values.map((row, i) => `| ${names[i]} | ${row.map(percent).join(' | ')} |`),
    '',
    '| newer | older | cross | older / older | compatible |',
    '|---|---|---|---|---|',
    ...matrix.criteria.map(
      (c) =>
        `| ${names[c.newer]} | ${names[c.older]} | ${percent(c.cross)} | ${percent(c.reference)} | ${c.compatible ? 'yes' : 'no'} |`,
    ),
    '',
    `AC ${(100 * matrix.ac).toFixed(1)}% of ${matrix.criteria.length} pairs; AM ${percent(matrix.am)}.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Paths {@link writeMatrixReport} wrote. */
export interface MatrixFiles {
  readonly json: string;
  readonly markdown: string;
  readonly svg: string;
  readonly png: string;
}

/**
 * Writes a compatibility matrix as `matrix.json`, `matrix.md` and its heat map as `matrix.svg`
 * and `matrix.png` (rendered without a browser), each atomically.
 */
export async function writeMatrixReport(
  directory: string,
  matrix: CompatibilityMatrix,
  title = 'Compatibility matrix',
): Promise<MatrixFiles> {
  await mkdir(directory, { recursive: true });
  const files: MatrixFiles = {
    json: join(directory, 'matrix.json'),
    markdown: join(directory, 'matrix.md'),
    svg: join(directory, 'matrix.svg'),
    png: join(directory, 'matrix.png'),
  };
  const svg = await renderSvg(
    matrixHeatmapSpec(matrix.names, matrix.values, `${title}: ${matrix.metric}`),
  );
  await writeFileAtomic(files.json, `${JSON.stringify(matrix, null, 2)}\n`);
  await writeFileAtomic(files.markdown, formatMatrixMarkdown(matrix, title));
  await writeFileAtomic(files.svg, svg);
  await writeFileAtomic(files.png, svgToPng(svg));
  return files;
}
