import { type CompatibilityReport, REPORT_TEST_LABELS } from './compatibility-report.js';

const percent = (value: number) => (100 * value).toFixed(2);

/** The verdict lines: criterion, update gain, self gain. */
export function reportVerdict(report: CompatibilityReport): string[] {
  const lines: string[] = [];
  const { criterion } = report;
  if (criterion === null) {
    lines.push('No old features: the compatibility criterion needs the cross and old tests.');
  } else {
    lines.push(
      `Compatibility (${criterion.metric}): cross ${percent(criterion.cross)} ${criterion.compatible ? '>' : '<='} old/old ${percent(criterion.old)}: ${criterion.compatible ? 'compatible' : 'NOT compatible'}.`,
    );
  }
  const value = (test: string) =>
    report.rows.find((row) => row.test === test)?.values[criterion?.metric ?? ''];
  const [old, unconstrained] = [value('old'), value('unconstrained')];
  if (report.updateGain !== null)
    lines.push(
      `Update gain (cross - old) / (unconstrained - old): ${report.updateGain.toFixed(3)}.`,
    );
  else if (old !== undefined && unconstrained !== undefined)
    lines.push(
      `No update gain: the unconstrained new model (${percent(unconstrained)}) is not better than the old one (${percent(old)}), so there is no improvement to share.`,
    );
  if (report.selfGain !== null)
    lines.push(
      `Self gain (new/new - old/old): ${report.selfGain >= 0 ? '+' : ''}${percent(report.selfGain)} points.`,
    );
  return lines;
}

/** The report as Markdown: a table of every test (values in %), then the verdict. */
export function formatReportMarkdown(report: CompatibilityReport): string {
  const header = `| test | ${report.columns.join(' | ')} |`;
  const rule = `|---|${report.columns.map(() => '---:').join('|')}|`;
  const rows = report.rows.map(
    (row) =>
      `| ${REPORT_TEST_LABELS[row.test]} | ${report.columns.map((column) => percent(row.values[column]!)).join(' | ')} |`,
  );
  return [
    `# ${report.title}`,
    '',
    'Values in %.',
    '',
    header,
    rule,
    ...rows,
    '',
    ...reportVerdict(report).map((line) => `- ${line}`),
    '',
  ].join('\n');
}
