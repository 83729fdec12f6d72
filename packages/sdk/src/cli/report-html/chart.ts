import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './html.js';

/** A chart for the report: a Vega-Lite specification, and what it shows in words. */
export interface Chart {
  /** The id of the figure; its title and description are `${id}-title` and `${id}-desc`. */
  id: string;
  title: string;
  /** The figures in a sentence or two, for a screen reader and for anyone who cannot see the colours. */
  description: string;
  spec: TopLevelSpec;
}

/** Colours that print, and that read apart in grey and for red-green colour blindness (with the labels). */
export const COLOURS = {
  good: '#1a7f37',
  warning: '#d4860b',
  bad: '#c62828',
  pending: '#8c96a0',
  none: '#cfd6dc',
} as const;

// One look for every chart: the page's font, no frame, labels that print in black.
const CONFIG: TopLevelSpec['config'] = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
  view: { stroke: null },
  axis: { labelColor: '#1f2328', titleColor: '#1f2328', labelFontSize: 12, titleFontSize: 12, grid: true },
  axisX: { labelAngle: 0, grid: false },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom' },
  text: { fontSize: 12, fill: '#1f2328' },
};

/**
 * The chart as SVG markup, rendered here in Node by Vega (no browser, no canvas: Vega's SVG renderer
 * estimates text widths itself). Vega labels each mark for assistive technology (`aria-label`, e.g.
 * "Month: Mar 2026; Deadlines: 3"); the root gets the chart's title and description.
 */
export async function renderChart(chart: Chart): Promise<string> {
  const { spec } = compile({ ...chart.spec, config: { ...CONFIG, ...chart.spec.config } } as TopLevelSpec);
  // `renderer: 'none'`: no DOM; toSVG renders the scenegraph to a string.
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Vega's string renderer gives the root element no role or name (its DOM renderer does): a screen
    // reader announces the title and reads the description, then each mark's label; browsers show the
    // title on hover.
    return svg.replace(
      /^<svg\b([^>]*)>/,
      (_, attributes: string) =>
        `<svg${attributes} role="graphics-document document" aria-labelledby="${chart.id}-title" aria-describedby="${chart.id}-desc"><title id="${chart.id}-title">${escapeHtml(chart.title)}</title><desc id="${chart.id}-desc">${escapeHtml(chart.description)}</desc>`,
    );
  } finally {
    view.finalize();
  }
}
