/**
 * A document as a standalone HTML file: the editor's own HTML (TipTap's getHTML, produced by
 * the schema's renderers, so links and images are already filtered) inside a page with the
 * title and a small stylesheet, readable offline and printable.
 */

/** Styles of an exported page; self-contained, so they use literal colours. */
const EXPORT_STYLES = `
body { max-width: 46rem; margin: 2rem auto; padding: 0 1.25rem; font: 1.05rem/1.6 ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #1d2433; }
h1, h2, h3 { line-height: 1.25; }
a { color: #175cd3; }
img { max-width: 100%; height: auto; }
pre { background: #f6f7f9; padding: 0.75rem 1rem; border-radius: 0.4rem; overflow-x: auto; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
blockquote { border-left: 3px solid #d7dce5; margin-left: 0; padding-left: 1rem; color: #5b6478; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d7dce5; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f7f9; }
th p, td p { margin: 0; }
ul[data-type="taskList"] { list-style: none; padding-left: 0.25rem; }
ul[data-type="taskList"] li { display: flex; gap: 0.5rem; }
ul[data-type="taskList"] li > label { flex: none; }
ul[data-type="taskList"] li > div { flex: 1; }
ul[data-type="taskList"] li > div > p { margin: 0; }
hr { border: 0; border-top: 1px solid #d7dce5; margin: 1.5rem 0; }
sup.comment-ref a { text-decoration: none; font-size: 0.75em; padding: 0 0.1em; }
section.comments { border-top: 1px solid #d7dce5; margin-top: 2.5rem; font-size: 0.95rem; }
.comment-notes li { margin-bottom: 0.75rem; }
.comment-notes p { margin: 0.2rem 0; }
.comment-note-quote q { color: #5b6478; }
`.trim();

/** Text made safe to place inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A complete HTML page holding `bodyHtml` (the editor's HTML) under `title`, and after it
 * `notesHtml` (the comments as footnotes, lib/editor/comment-export.ts) when given.
 */
export function standaloneHtml(title: string, bodyHtml: string, notesHtml = ''): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="Tandem">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${EXPORT_STYLES}\n</style>`,
    '</head>',
    '<body>',
    `<main>\n${bodyHtml}\n${notesHtml ? `${notesHtml}\n` : ''}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
