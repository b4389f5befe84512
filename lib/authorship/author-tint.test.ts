/**
 * "Show authors" stays readable in both themes: for every palette colour, the text colour on
 * an author's tint (app/globals.css: `--author-tint` of the colour over the page background,
 * as `.author-run` mixes it) keeps at least 7:1 contrast (WCAG AAA), and the tint is still
 * visible against the page (at least 1.25:1), read from the stylesheet the app ships.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESENCE_COLORS } from '../prefs/identity';

const css = fs.readFileSync(path.join(import.meta.dirname, '../../app/globals.css'), 'utf8');

/** The custom properties of the first rule whose selector is exactly `selector`. */
function themeVariables(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start === -1) throw new Error(`no rule for ${selector} in app/globals.css`);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((match) => [match[1], match[2].trim()]));
}

type Rgb = [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as Rgb;
const linear = (channel: number) => (channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4);
const luminance = ([r, g, b]: Rgb) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
function contrast(a: Rgb, b: Rgb): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

const light = themeVariables(':root');
const dark = { ...light, ...themeVariables(":root[data-theme='dark']") };

describe.each([
  ['light', light],
  ['dark', dark],
])('author tint on the %s theme', (_theme, variables) => {
  const tint = parseFloat(variables['--author-tint']) / 100;
  const background = rgb(variables['--bg']);
  const text = rgb(variables['--fg']);

  it('is declared as a percentage', () => {
    expect(variables['--author-tint']).toMatch(/^\d+(\.\d+)?%$/);
  });

  it.each(PRESENCE_COLORS.map((color) => [color.label, color.value]))('keeps %s text readable and its tint visible', (_label, color) => {
    const author = rgb(color);
    const tinted = author.map((channel, i) => tint * channel + (1 - tint) * background[i]) as Rgb;
    expect(contrast(text, tinted)).toBeGreaterThanOrEqual(7);
    expect(contrast(background, tinted)).toBeGreaterThanOrEqual(1.25);
  });
});
