/** Reads a server's `/metrics` (Prometheus text format) and looks samples up by name and labels. */

export interface MetricsScrape {
  /** The raw exposition text. */
  text: string;
  contentType: string | null;
  /** The sample `name` with exactly `labels`, or undefined when absent. */
  sample(name: string, labels?: Record<string, string>): number | undefined;
  /** Like sample(), but 0 when absent (a labelled counter appears only once incremented). */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const labelKey = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join(',');

/** Fetches `/metrics` once. */
export async function scrapeMetrics(httpUrl: string): Promise<MetricsScrape> {
  const response = await fetch(`${httpUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = SAMPLE_LINE.exec(line);
    if (!match || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name] = value;
    samples.set(`${match[1]}{${labelKey(labels)}}`, Number(match[3]));
  }
  const sample = (name: string, labels: Record<string, string> = {}) => samples.get(`${name}{${labelKey(labels)}}`);
  return {
    text,
    contentType: response.headers.get('content-type'),
    sample,
    value: (name, labels) => sample(name, labels) ?? 0,
  };
}

/** One metric's current value (0 when absent). */
export async function metricValue(httpUrl: string, name: string, labels?: Record<string, string>): Promise<number> {
  return (await scrapeMetrics(httpUrl)).value(name, labels);
}

/** `tandem_rejected_total` for one reason. */
export function rejectedTotal(httpUrl: string, reason: string): Promise<number> {
  return metricValue(httpUrl, 'tandem_rejected_total', { reason });
}
