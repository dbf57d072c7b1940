import type { TopLevelSpec } from 'vega-lite';
import type { RocSamples } from '../verification/sample-roc.js';

const TEST_LABELS: Record<string, string> = {
  self: 'new / new (self)',
  cross: 'new query / old gallery (cross)',
  old: 'old / old',
  unconstrained: 'unconstrained new / new',
};

/** Vega-Lite spec of ROC curves (TAR against log FAR), one line per test. */
export function rocChartSpec(
  curves: Readonly<Record<string, RocSamples>>,
  title: string,
): TopLevelSpec {
  const values = Object.entries(curves).flatMap(([test, curve]) =>
    curve.fpr.map((fpr, index) => ({
      test: TEST_LABELS[test] ?? test,
      far: fpr,
      tar: curve.tpr[index],
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 320,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: {
        field: 'far',
        type: 'quantitative',
        title: 'FAR',
        scale: { type: 'log' },
        axis: { format: '.0e' },
      },
      y: { field: 'tar', type: 'quantitative', title: 'TAR', scale: { domain: [0, 1] } },
      color: {
        field: 'test',
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom-right', labelLimit: 320 },
      },
    },
  };
}

/** Vega-Lite spec of grouped bars: one group per metric, one bar per test. */
export function metricBarsSpec(
  rows: readonly { test: string; values: Readonly<Record<string, number>> }[],
  title: string,
): TopLevelSpec {
  const values = rows.flatMap((row) =>
    Object.entries(row.values).map(([metric, value]) => ({
      test: TEST_LABELS[row.test] ?? row.test,
      metric,
      value,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 140,
    height: 240,
    data: { values },
    mark: 'bar',
    encoding: {
      column: { field: 'metric', type: 'nominal', title: null },
      x: { field: 'test', type: 'nominal', axis: null },
      y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
      color: {
        field: 'test',
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom', labelLimit: 320 },
      },
    },
  };
}

/** Vega-Lite spec of a compatibility matrix: a heat map, query model down, gallery model across. */
export function matrixHeatmapSpec(
  names: readonly string[],
  values: readonly (readonly (number | null)[])[],
  title: string,
): TopLevelSpec {
  const cells = values.flatMap((row, i) =>
    row.flatMap((value, j) =>
      value === null
        ? []
        : [{ query: names[i]!, gallery: names[j]!, value, label: (100 * value).toFixed(1) }],
    ),
  );
  const order = [...names];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: Math.max(160, 60 * names.length),
    height: Math.max(160, 60 * names.length),
    data: { values: cells },
    encoding: {
      x: { field: 'gallery', type: 'ordinal', sort: order, title: 'gallery model' },
      y: { field: 'query', type: 'ordinal', sort: order, title: 'query model' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'value', type: 'quantitative', title: null, scale: { scheme: 'blues' } },
        },
      },
      { mark: { type: 'text', fontSize: 12 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/** Vega-Lite spec of backfill curves: top-1 against the share of the gallery re-embedded. */
export function backfillChartSpec(
  curves: readonly { policy: string; points: readonly { fraction: number; top1: number }[] }[],
  title: string,
): TopLevelSpec {
  const values = curves.flatMap((curve) =>
    curve.points.map((point) => ({
      policy: curve.policy,
      fraction: point.fraction,
      top1: point.top1,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 280,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'fraction',
        type: 'quantitative',
        title: 'share of the gallery backfilled',
        axis: { format: '%' },
      },
      y: { field: 'top1', type: 'quantitative', title: 'top-1', scale: { zero: false } },
      color: { field: 'policy', type: 'nominal', title: null, legend: { orient: 'bottom-right' } },
    },
  };
}
