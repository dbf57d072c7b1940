import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/**
 * Renders a Vega-Lite spec to SVG in Node, without a browser or canvas (vega's scenegraph is
 * serialised directly; text widths are estimated).
 */
export async function renderSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG to PNG (resvg, system fonts) on a white background. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const renderer = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true },
  });
  return new Uint8Array(renderer.render().asPng());
}
