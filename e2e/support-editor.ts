/**
 * Helpers for the formatting and export/import stories: the toolbar, the document's structure
 * as rendered, and files going out (downloads) and in (the home page's import).
 */
import fs from 'node:fs/promises';
import { expect, type Locator, type Page } from '@playwright/test';
import type { TandemPage } from './fixtures';

/** A rendered element: tag, the attributes that carry document content, children. */
export interface RenderedNode {
  tag: string;
  attrs: Record<string, string | boolean>;
  children: Array<RenderedNode | string>;
}

/** The formatting toolbar of an editor page. */
export function toolbarOf(page: Page): Locator {
  return page.getByRole('toolbar', { name: 'Formatting' });
}

/** One toolbar button by its exact accessible name ("Bold", "Heading 1", ...). */
export function toolbarButton(page: Page, name: string): Locator {
  return toolbarOf(page).getByRole('button', { name, exact: true });
}

/**
 * The document as ProseMirror rendered it: element tags, content attributes (href, src, alt,
 * checked, list start, spans) and text, without remote carets or editing-only decorations.
 * ProseMirror renders a document deterministically from its JSON through the schema's
 * renderers, so two pages with equal structures hold equal documents. (The production build
 * exposes no editor object to read getJSON() from, on purpose.)
 */
export async function documentStructure(tandem: TandemPage): Promise<Array<RenderedNode | string>> {
  return tandem.editor.evaluate((root) => {
    const CONTENT_ATTRIBUTES = ['href', 'src', 'alt', 'title', 'data-checked', 'data-type', 'start', 'colspan', 'rowspan'];
    const walk = (node: Node): RenderedNode | string | null => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
      if (!(node instanceof HTMLElement)) return null;
      if (node.classList.contains('collaboration-carets__caret') || node.classList.contains('ProseMirror-gapcursor')) return null;
      if (node.classList.contains('ProseMirror-trailingBreak') || node.classList.contains('ProseMirror-separator')) return null;
      const attrs: Record<string, string | boolean> = {};
      for (const name of CONTENT_ATTRIBUTES) {
        const value = node.getAttribute(name);
        if (value !== null) attrs[name] = value;
      }
      if (node instanceof HTMLInputElement) attrs.checked = node.checked;
      const children: Array<RenderedNode | string> = [];
      for (const child of Array.from(node.childNodes)) {
        const rendered = walk(child);
        if (rendered === null || rendered === '') continue;
        // A caret removed from the middle of a text leaves two pieces; join them again.
        const last = children[children.length - 1];
        if (typeof rendered === 'string' && typeof last === 'string') children[children.length - 1] = last + rendered;
        else children.push(rendered);
      }
      return { tag: node.tagName.toLowerCase(), attrs, children };
    };
    return Array.from(root.childNodes, walk).filter((node): node is RenderedNode | string => node !== null && node !== '');
  });
}

/** Waits until both people's pages render the same document, and returns it. */
export async function expectSameDocument(first: TandemPage, second: TandemPage): Promise<Array<RenderedNode | string>> {
  const expected = await documentStructure(first);
  await expect.poll(() => documentStructure(second), { timeout: 15_000 }).toEqual(expected);
  return expected;
}

/** Chooses one of the Export menu's actions and returns the downloaded file's name and text. */
export async function exportAs(page: Page, format: 'Markdown (.md)' | 'HTML (.html)' | 'HTML with comments (.html)'): Promise<{ filename: string; text: string }> {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const downloaded = page.waitForEvent('download');
  await page.getByRole('button', { name: format, exact: true }).click();
  const download = await downloaded;
  const path = await download.path();
  return { filename: download.suggestedFilename(), text: await fs.readFile(path, 'utf8') };
}

/**
 * Imports `markdown` as a file named `filename` through the home page's "Import Markdown"
 * button and waits for the new document to open; returns its room id.
 */
export async function importMarkdown(tandem: TandemPage, filename: string, markdown: string): Promise<string> {
  await tandem.page.goto('/');
  const chooser = tandem.page.waitForEvent('filechooser');
  await tandem.page.getByRole('button', { name: 'Import Markdown' }).click();
  await (await chooser).setFiles({ name: filename, mimeType: 'text/markdown', buffer: Buffer.from(markdown, 'utf8') });
  await expect(tandem.page).toHaveURL(/\/d\/[A-Za-z0-9_-]{22,}$/);
  await expect(tandem.connection).toHaveText('Connected');
  return tandem.roomId();
}
