/**
 * User stories: exporting a document (Markdown, HTML, print) and importing Markdown into a new
 * document that everyone with the link then sees, exactly once.
 */
import { ALICE, BOB, expect, test, type TandemPage } from './fixtures';
import { documentStructure, exportAs, expectSameDocument, importMarkdown, toolbarButton } from './support-editor';

/** Writes a document that uses every feature, the way a person would. */
async function writeEveryFeature(tandem: TandemPage): Promise<void> {
  const { page } = tandem;
  const type = (text: string) => tandem.typeInEditor(text, 2);
  const press = async (...keys: string[]) => {
    for (const key of keys) await page.keyboard.press(key);
  };
  await tandem.placeCaret('end');
  await type('# Release notes');
  await press('Enter');
  await type('## What changed');
  await press('Enter');
  await type('### In detail');
  await press('Enter');
  await type('Plain, ');
  await press('ControlOrMeta+b');
  await type('bold');
  await press('ControlOrMeta+b');
  await type(', ');
  await press('ControlOrMeta+i');
  await type('italic');
  await press('ControlOrMeta+i');
  await type(', ');
  await press('ControlOrMeta+u');
  await type('underlined');
  await press('ControlOrMeta+u');
  await type(', ');
  await press('ControlOrMeta+Shift+s');
  await type('struck');
  await press('ControlOrMeta+Shift+s');
  await type(', `a|b` and a pipe | plus ');
  await press('ControlOrMeta+k');
  await page.getByRole('dialog', { name: 'Add link' }).getByRole('textbox', { name: 'Link address' }).fill('https://example.com/wiki/Spec_(draft)');
  await page.getByRole('dialog', { name: 'Add link' }).getByRole('button', { name: 'Add link' }).click();
  await press('Enter');
  await type('- outer bullet');
  await press('Enter', 'Tab');
  await type('inner bullet');
  await press('Enter', 'Enter', 'Enter');
  await type('1. first step');
  await press('Enter');
  await type('second step');
  await press('Enter', 'Enter');
  await type('[ ] open task');
  await press('Enter');
  await type('done task');
  await press('Enter', 'Enter');
  await tandem.editor.locator('ul[data-type="taskList"] li').nth(1).locator('input[type="checkbox"]').check();
  await tandem.placeCaret('end');
  await type('> quoted wisdom');
  await press('Enter', 'Enter');
  await type('```ts ');
  await type('const fence = "```";');
  await press('Enter');
  await type('run(`x`);');
  await press('Enter', 'Enter', 'Enter');
  await type('---');
  await toolbarButton(page, 'Image').click();
  const imageDialog = page.getByRole('dialog', { name: 'Insert image' });
  await imageDialog.getByRole('textbox', { name: 'Image address' }).fill('https://example.com/diagram.png');
  await imageDialog.getByRole('textbox', { name: /Alt text/ }).fill('Architecture diagram');
  await imageDialog.getByRole('button', { name: 'Insert image' }).click();
  await expect(imageDialog).toBeHidden();
  await tandem.placeCaret('end');
  await toolbarButton(page, 'Table').click();
  await type('Key');
  await press('Tab');
  await type('Value | with pipe');
  await press('Tab', 'Tab');
  await type('speed');
  await press('Tab');
  await type('fast');
}

test('a document with every feature survives Markdown export and import, for everyone', async ({ openTogether, personAs }) => {
  test.setTimeout(120_000);
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.page.getByRole('textbox', { name: 'Document title' }).fill('Release notes: v2/beta');
  await writeEveryFeature(alice);
  const original = await expectSameDocument(alice, bob);
  const rendered = JSON.stringify(original);
  for (const tag of ['h1', 'h2', 'h3', 'strong', 'em', 'u', 's', 'code', 'a', 'ul', 'ol', 'blockquote', 'pre', 'hr', 'img', 'table', 'th', 'td']) {
    expect(rendered, `the document uses <${tag}>`).toContain(`"tag":"${tag}"`);
  }
  expect(rendered).toContain('"data-checked":"true"');

  const exported = await exportAs(alice.page, 'Markdown (.md)');
  expect(exported.filename).toBe('Release notes v2 beta.md');
  expect(exported.text).toContain('- [x] done task');
  expect(exported.text).toContain('| Key');

  // Alice imports the file into a new document; Bob opens its link in his own browser.
  const importer = await personAs(ALICE);
  const room = await importMarkdown(importer, exported.filename, exported.text);
  await expect.poll(() => documentStructure(importer), { timeout: 15_000 }).toEqual(original);
  await expect(importer.page.getByRole('textbox', { name: 'Document title' })).toHaveValue('Release notes v2 beta');
  // The import is where the document starts: not something the importer can undo.
  await expect(toolbarButton(importer.page, 'Undo')).toBeDisabled();
  await bob.openDocument(room);
  await expectSameDocument(importer, bob);

  // Inserted exactly once: a reload (the sessionStorage entry is gone) keeps one copy.
  await importer.page.reload();
  await expect(importer.connection).toHaveText('Connected');
  await expect.poll(() => documentStructure(importer)).toEqual(original);
  await expect(importer.editor.locator('h1')).toHaveCount(1);

  // And its export is the same Markdown again.
  expect((await exportAs(importer.page, 'Markdown (.md)')).text).toBe(exported.text);
});

test('a README with badges, and images in a list and a table, imports with its text in order', async ({ personAs }) => {
  const readme = [
    '# Widget',
    '',
    'Build ![build status](https://ci.example.com/badge.svg) passing ![coverage](https://ci.example.com/coverage.svg)',
    '',
    '- screenshot ![shot](https://example.com/shot.png)',
    '',
    '| Logo | Name |',
    '| --- | --- |',
    '| ![logo](https://example.com/logo.png) | Widget |',
    '',
    '[unsafe](jav&#x61;script:alert(1)) link',
    '',
  ].join('\n');
  const alice = await personAs(ALICE);
  await importMarkdown(alice, 'README.md', readme);
  await expect(alice.editor.getByRole('heading', { name: 'Widget' })).toBeVisible();
  await expect
    .poll(() => alice.editor.locator('img').evaluateAll((images) => images.map((image) => image.getAttribute('alt'))))
    .toEqual(['build status', 'coverage', 'shot', 'logo']);
  await expect.poll(() => alice.documentText()).toMatch(/Build[\s\S]*passing[\s\S]*screenshot[\s\S]*Widget[\s\S]*unsafe link/);
  await expect(alice.editor.locator('a')).toHaveCount(0);
  expect((await exportAs(alice.page, 'Markdown (.md)')).text).not.toMatch(/script/i);
});

test('the HTML export downloads a standalone page with the title and the content', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  await alice.placeCaret('end');
  await alice.typeInEditor('## Minutes', 5);
  await alice.page.keyboard.press('Enter');
  await alice.typeInEditor('Decided: <ship> & celebrate', 5);

  // Without a title the file is "Untitled".
  const untitled = await exportAs(alice.page, 'HTML (.html)');
  expect(untitled.filename).toBe('Untitled.html');
  expect(untitled.text).toContain('<title>Untitled</title>');

  await alice.page.getByRole('textbox', { name: 'Document title' }).fill('Team <sync>');
  const { filename, text } = await exportAs(alice.page, 'HTML (.html)');
  expect(filename).toBe('Team sync.html');
  expect(text).toMatch(/^<!doctype html>/);
  expect(text).toContain('<title>Team &lt;sync&gt;</title>');
  expect(text).toContain('<h2>Minutes</h2>');
  expect(text).toContain('<p>Decided: &lt;ship&gt; &amp; celebrate</p>');
  expect(text).toContain('<style>');
});

test('printing shows only the document', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Printed words', 5);
  // Bob's caret goes before the words only once he has them all (else it may land inside them).
  await expect(bob.editor).toContainText('Printed words');
  await bob.placeCaret('start');
  await expect(alice.caretLabel('Bob')).toBeVisible();

  // The menu item calls window.print(); the browser's own dialog cannot be driven, so it is
  // replaced by a counter here. What gets printed is checked below with print media.
  await alice.page.evaluate(() => {
    (window as unknown as { printCalls: number }).printCalls = 0;
    window.print = () => {
      (window as unknown as { printCalls: number }).printCalls += 1;
    };
  });
  await alice.page.getByRole('button', { name: 'Export', exact: true }).click();
  await alice.page.getByRole('button', { name: 'Print / Save as PDF' }).click();
  expect(await alice.page.evaluate(() => (window as unknown as { printCalls: number }).printCalls)).toBe(1);

  await alice.page.emulateMedia({ media: 'print' });
  await expect(alice.page.getByRole('toolbar', { name: 'Formatting' })).toBeHidden();
  await expect(alice.page.locator('.editor-header')).toBeHidden();
  await expect(alice.caretLabel('Bob')).toBeHidden();
  await expect(alice.editor).toBeVisible();
  await expect(alice.editor).toContainText('Printed words');
});
