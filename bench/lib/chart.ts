/**
 * Hand-written SVG charts: a line chart (p99 delivery latency against the number of typists,
 * one line per server) and a grouped bar chart (latencies side by side, one bar per server).
 */

export interface ChartSeries {
  label: string;
  color: string;
  points: { x: number; y: number }[];
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { top: 40, right: 200, bottom: 50, left: 70 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A line chart with a log-scale y axis (latencies span orders of magnitude). */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: ChartSeries[]): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 10)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xAt = (x: number) => MARGIN.left + (xs.length === 1 ? plotWidth / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotWidth);
  const yAt = (y: number) =>
    MARGIN.top + plotHeight - ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotHeight;

  const parts = opening(title);
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    const y = yAt(decade);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end">${decade >= 1 ? decade : decade.toFixed(1)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${xAt(x)}" x2="${xAt(x)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#eee"/>`);
    parts.push(`<text x="${xAt(x)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${x}</text>`);
  }
  parts.push(...axes(xLabel, yLabel));
  series.forEach((s, i) => {
    const points = s.points.map((p) => `${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    for (const p of s.points) {
      parts.push(`<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="4" fill="${s.color}"><title>${escape(`${s.label}: N=${p.x}, p99 ${p.y} ms`)}</title></circle>`);
    }
    parts.push(...legendEntry(s, i, 'line'));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface BarSeries {
  label: string;
  color: string;
}

export interface BarGroup {
  /** Under the group, e.g. "p95". */
  label: string;
  /** On a second line, once under each run of neighbouring groups that share it, e.g. "paper, other". */
  detail: string;
  /** One value per series, in the series' order. */
  values: number[];
}

/** A grouped bar chart with a linear y axis from 0, each bar labelled with its value. */
export function barChartSvg(title: string, yLabel: string, series: BarSeries[], groups: BarGroup[]): string {
  const values = groups.flatMap((group) => group.values).filter((value) => Number.isFinite(value));
  const step = niceStep(Math.max(...values, 1) / 5);
  const yMax = Math.ceil(Math.max(...values, 1) / step) * step;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const yAt = (y: number) => MARGIN.top + plotHeight - (Math.min(y, yMax) / yMax) * plotHeight;
  const groupWidth = plotWidth / groups.length;
  const barWidth = (groupWidth * 0.8) / series.length;

  const parts = opening(title);
  for (let tick = 0; tick <= yMax; tick += step) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${yAt(tick)}" y2="${yAt(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${yAt(tick) + 4}" text-anchor="end">${tick}</text>`);
  }
  groups.forEach((group, g) => {
    const left = MARGIN.left + g * groupWidth + groupWidth * 0.1;
    group.values.forEach((value, i) => {
      if (!Number.isFinite(value)) return;
      const x = left + i * barWidth;
      parts.push(`<rect x="${x.toFixed(1)}" y="${yAt(value).toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${(MARGIN.top + plotHeight - yAt(value)).toFixed(1)}" fill="${series[i].color}"><title>${escape(`${series[i].label}, ${group.detail} ${group.label}: ${value} ms`)}</title></rect>`);
      parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(yAt(value) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${value}</text>`);
    });
    parts.push(`<text x="${(MARGIN.left + (g + 0.5) * groupWidth).toFixed(1)}" y="${MARGIN.top + plotHeight + 15}" text-anchor="middle" font-size="10">${escape(group.label)}</text>`);
    if (groups[g - 1]?.detail === group.detail) return;
    let last = g;
    while (groups[last + 1]?.detail === group.detail) last++;
    parts.push(`<text x="${(MARGIN.left + ((g + last + 1) / 2) * groupWidth).toFixed(1)}" y="${MARGIN.top + plotHeight + 30}" text-anchor="middle">${escape(group.detail)}</text>`);
    if (g > 0) parts.push(`<line x1="${MARGIN.left + g * groupWidth}" x2="${MARGIN.left + g * groupWidth}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight + 32}" stroke="#ccc"/>`);
  });
  parts.push(...axes('', yLabel));
  series.forEach((s, i) => parts.push(...legendEntry(s, i, 'box')));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power;
}

/** The SVG element, its white background and the title. */
function opening(title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
}

/** The plot's frame and the axis labels. */
function axes(xLabel: string, yLabel: string): string[] {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  return [
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
  ];
}

/** The i-th legend entry, right of the plot: a line or a filled box in the series' colour. */
function legendEntry(s: { label: string; color: string }, i: number, mark: 'line' | 'box'): string[] {
  const legendY = MARGIN.top + 10 + i * 22;
  const legendX = WIDTH - MARGIN.right + 16;
  return [
    mark === 'line'
      ? `<line x1="${legendX}" x2="${legendX + 22}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="2.5"/>`
      : `<rect x="${legendX}" y="${legendY - 6}" width="22" height="12" fill="${s.color}"/>`,
    `<text x="${legendX + 28}" y="${legendY + 4}">${escape(s.label)}</text>`,
  ];
}
