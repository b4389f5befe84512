import { describe, expect, it } from 'vitest';
import { fileStemFor } from './download-file';
import { escapeHtml, standaloneHtml } from './html-export';

describe('standalone HTML', () => {
  it('puts the escaped title in <title> and the editor HTML in the body', () => {
    const page = standaloneHtml('Q&A <draft>', '<h1>Hello</h1><p>World</p>');
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<title>Q&amp;A &lt;draft&gt;</title>');
    expect(page).toContain('<main>\n<h1>Hello</h1><p>World</p>\n</main>');
    expect(page).toContain('<style>');
  });

  it('escapes every character that matters in HTML', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('file names from titles', () => {
  it('drops path and reserved characters and falls back to Untitled', () => {
    expect(fileStemFor('Release notes: v2/beta')).toBe('Release notes v2 beta');
    expect(fileStemFor('  ../../etc/passwd ')).toBe('etc passwd');
    expect(fileStemFor('a<b>c|d?e*f"g\\h')).toBe('a b c d e f g h');
    expect(fileStemFor('')).toBe('Untitled');
    expect(fileStemFor('???')).toBe('Untitled');
    expect(fileStemFor('x'.repeat(300))).toHaveLength(100);
  });
});
