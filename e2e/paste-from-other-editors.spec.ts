/**
 * User stories: pasting from Google Docs, Microsoft Word and a web page. The fixtures under
 * e2e/fixtures/paste/ are the HTML those put on the clipboard (Google Docs' `docs-internal-guid`
 * wrapper and styled spans; Word's MsoNormal paragraphs, list paragraphs with their hidden
 * markers, conditional comments, `<o:p>` and a `file:` image; a page with navigation,
 * scripts, styles, a frame, a form and inline styles). A real paste event carries each into
 * Alice's document: headings, lists (Word's made real), links, bold and italic and tables stay;
 * styles, scripts, unknown markup and unsafe addresses go; Bob, in his own browser, gets the
 * same structure.
 */
import fs from 'node:fs';
import { ALICE, BOB, expect, test, type TandemPage } from './fixtures';
import { expectSameDocument } from './support-editor';

/** A fixture's HTML, as the other editor puts it on the clipboard. */
function clipboardFixture(name: string): string {
  return fs.readFileSync(new URL(`./fixtures/paste/${name}.html`, import.meta.url), 'utf8');
}

/** Pastes `html` (and its plain text) at the caret with a real paste event, as Ctrl+V does. */
async function pasteHtml(tandem: TandemPage, html: string): Promise<void> {
  await tandem.editor.evaluate((editor, markup) => {
    const data = new DataTransfer();
    data.setData('text/html', markup);
    data.setData('text/plain', new DOMParser().parseFromString(markup, 'text/html').body.textContent ?? '');
    editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, html);
}

/**
 * The document as compact HTML: element names with the attributes that carry content (href,
 * src, alt), and text; no remote carets, table wrappers and column widths, or the empty
 * paragraph the editor keeps at the end. (Text is written as it reads, unescaped.)
 */
async function documentMarkup(tandem: TandemPage): Promise<string> {
  return tandem.editor.evaluate((root) => {
    const write = (node: Node): string => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
      if (!(node instanceof HTMLElement)) return '';
      if (node.matches('.collaboration-carets__caret, .ProseMirror-trailingBreak, .ProseMirror-separator, colgroup, [data-resize-handle]')) return '';
      const inner = Array.from(node.childNodes, write).join('');
      // Wrappers the editor draws around a table and around a resizable image are not the document's.
      if (node.matches('.tableWrapper') || (node.tagName === 'DIV' && node.querySelector('img'))) return inner;
      const tag = node.tagName.toLowerCase();
      const attrs = ['href', 'src', 'alt'].flatMap((name) => (node.hasAttribute(name) ? [` ${name}="${node.getAttribute(name)}"`] : [])).join('');
      return tag === 'img' ? `<img${attrs}>` : `<${tag}${attrs}>${inner}</${tag}>`;
    };
    return Array.from(root.childNodes, write).join('').replace(/<p><\/p>$/, '');
  });
}

test('a Google Docs paste keeps its headings, nested lists, bold, italic, link and table, without the styles', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.focus();
  await pasteHtml(alice, clipboardFixture('google-docs'));

  await expect
    .poll(() => documentMarkup(alice))
    .toBe(
      '<h1>Quarterly plan</h1>' +
        '<p>We ship the <strong>editor</strong> in <em>March</em>, see <a href="https://example.com/roadmap">the roadmap</a>.</p>' +
        '<h2>Goals</h2>' +
        '<ul><li><p>Faster sync</p></li><li><p>Offline editing</p><ul><li><p>A copy in IndexedDB</p></li></ul></li></ul>' +
        '<ol><li><p>Design</p></li><li><p>Build</p></li></ol>' +
        '<table><tbody><tr><td><p><strong>Owner</strong></p></td><td><p><strong>Task</strong></p></td></tr>' +
        '<tr><td><p>Alice</p></td><td><p>Sync server</p></td></tr></tbody></table>',
    );
  // Google's wrapper <b style="font-weight:normal"> made nothing bold, and no style came along.
  await expect(alice.editor.locator('[style]:not(table, col)')).toHaveCount(0);
  await expect(alice.editor.getByRole('link', { name: 'the roadmap' })).toHaveAttribute('rel', 'noopener noreferrer nofollow');
  await expectSameDocument(alice, bob);
  expect(await documentMarkup(bob)).toBe(await documentMarkup(alice));
});

test('a Word paste turns its list paragraphs into real lists and drops Word’s markup and its local image', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.focus();
  await pasteHtml(alice, clipboardFixture('word'));

  await expect
    .poll(() => documentMarkup(alice))
    .toBe(
      '<h1>Meeting notes</h1>' +
        '<p>We agreed on <strong>three</strong> things and <em>one</em> open question (<a href="https://example.com/minutes">minutes</a>, not a link).</p>' +
        '<ul><li><p>Ship the editor</p><ul><li><p>Slash menu <strong>first</strong></p></li></ul></li><li><p>Write the <em>docs</em></p></li></ul>' +
        '<ol><li><p>Design</p></li><li><p>Build</p></li></ol>' +
        '<table><tbody><tr><td><p><strong>Owner</strong></p></td><td><p><strong>Task</strong></p></td></tr>' +
        '<tr><td><p>Bob</p></td><td><p>Release notes</p></td></tr></tbody></table>',
    );
  // Word's markers ("·", "o", "1.") are not text, and its file: image was not inserted broken.
  await expect(alice.editor).not.toContainText('·');
  await expect(alice.editor.locator('img')).toHaveCount(0);
  await expectSameDocument(alice, bob);
  expect(await documentMarkup(bob)).toBe(await documentMarkup(alice));
});

test('a web page paste keeps the article and drops navigation, scripts, frames, forms and unsafe links', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.focus();
  await pasteHtml(alice, clipboardFixture('web-page'));

  await expect
    .poll(() => documentMarkup(alice))
    .toBe(
      '<h1>Release 2.0</h1>' +
        '<p>Today we ship <strong>live cursors</strong>, <em>offline editing</em> and a <strong>faster</strong> <em><u>sync</u></em> ' +
        '<a href="https://example.com/changelog">changelog</a> click me.</p>' +
        '<h2>What’s new</h2>' +
        '<ul><li><p>Named carets</p></li><li><p>Version <strong>history</strong></p></li></ul>' +
        '<h3>Prices</h3>' +
        '<table><tbody><tr><th><p>Plan</p></th><th><p>Price</p></th></tr><tr><td><p>Free</p></td><td><p>0 €</p></td></tr>' +
        '<tr><td><p>Team</p></td><td><p><strong>8 €</strong></p></td></tr></tbody></table>' +
        '<blockquote><p>It just works.</p></blockquote>' +
        '<pre><code>npm install && npm start</code></pre>' +
        '<img src="https://example.com/images/diagram.png" alt="Architecture diagram">' +
        '<p>© 2026 Example</p>',
    );
  for (const gone of ['Home', 'About us', 'dataLayer', 'Subscribe', 'Get the newsletter', 'loadAd']) await expect(alice.editor).not.toContainText(gone);
  await expect(alice.editor.locator('[onclick], [onerror], iframe, script')).toHaveCount(0);
  await expectSameDocument(alice, bob);
  expect(await documentMarkup(bob)).toBe(await documentMarkup(alice));
});

test('hostile markup in a paste runs nothing and leaves no unsafe address or handler', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.focus();
  await pasteHtml(
    alice,
    '<p>Links: <a href="jav&#x61;script:window.pwned=1">one</a> <a href=" javascript:alert(1)">two</a> ' +
      '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">three</a> <a href="vbscript:msgbox(1)">four</a> ' +
      '<a href="/relative">five</a> <a href="mailto:team@example.com" onclick="window.pwned=2">mail</a></p>' +
      '<img src="x" onerror="window.pwned=3"><img src="https://example.com/ok.png" alt="ok" onload="window.pwned=4">' +
      '<svg onload="window.pwned=5"><circle r="1"/></svg>' +
      '<p style="background:url(javascript:alert(1))" onmouseover="window.pwned=6">hover</p>' +
      '<iframe srcdoc="&lt;script&gt;parent.pwned=7&lt;/script&gt;"></iframe>' +
      '<math><mtext><table><mglyph><style><img src=x onerror="window.pwned=8"></style></mglyph></table></mtext></math>' +
      '<object data="javascript:alert(1)"></object><script>window.pwned=9</script>',
  );
  await expect
    .poll(() => documentMarkup(alice))
    .toBe('<p>Links: one two three four five <a href="mailto:team@example.com">mail</a></p><img src="https://example.com/ok.png" alt="ok"><p>hover</p>');
  // Styles the editor sets itself (tables' column widths, a resizable image's frame and handles) are not pasted ones.
  await expect(alice.editor.locator('[onclick], [onload], [onerror], [onmouseover], [style]:not(table, col, [data-resize-container], [data-resize-wrapper], [data-resize-handle])')).toHaveCount(0);
  await expectSameDocument(alice, bob);
  expect(await alice.page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
});

test('copying and pasting within Tandem keeps the document’s own structure', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  await alice.editor.focus();
  await alice.typeInEditor('- first\nsecond');
  const markupBefore = await documentMarkup(alice);
  expect(markupBefore).toBe('<ul><li><p>first</p></li><li><p>second</p></li></ul>');
  // ProseMirror's own clipboard HTML (data-pm-slice) is read as it was written.
  await pasteHtml(alice, `<ul data-pm-slice="3 3 []"><li><p>third <strong style="color: red">bold</strong></p></li></ul>`);
  await expect.poll(() => documentMarkup(alice)).toBe('<ul><li><p>first</p></li><li><p>secondthird <strong>bold</strong></p></li></ul>');
});
