/** A hand-written SVG line chart: p99 delivery latency against the number of typists, one line per server. */

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

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`);
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    const y = yAt(decade);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end">${decade >= 1 ? decade : decade.toFixed(1)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${xAt(x)}" x2="${xAt(x)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#eee"/>`);
    parts.push(`<text x="${xAt(x)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${x}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escape(xLabel)}</text>`);
  parts.push(
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const points = s.points.map((p) => `${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    for (const p of s.points) {
      parts.push(`<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="4" fill="${s.color}"><title>${escape(`${s.label}: N=${p.x}, p99 ${p.y} ms`)}</title></circle>`);
    }
    const legendY = MARGIN.top + 10 + i * 22;
    const legendX = MARGIN.left + plotWidth + 16;
    parts.push(`<line x1="${legendX}" x2="${legendX + 22}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="2.5"/>`);
    parts.push(`<text x="${legendX + 28}" y="${legendY + 4}">${escape(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
