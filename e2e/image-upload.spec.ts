/**
 * User stories: images that upload. Alice pastes a screenshot, drops a photo, picks a file from
 * the toolbar; Bob, in his own browser, sees each one, and so do a latecomer and a reload.
 * Files the server refuses (too large, not an image, offline) are explained and never become
 * a broken image. Alt text and a dragged width reach the other person; a reader sees the
 * images but cannot upload or resize.
 */
import { ALICE, BOB, CAROL, expect, test, VERA } from './fixtures';
import { seriousViolations } from './support-axe';
import { toolbarButton } from './support-editor';
import {
  dropImage,
  imageFixture,
  openImageDialog,
  pasteImage,
  pickImage,
  resizeImage,
  setAltText,
  storedWidth,
  uploadedImages,
} from './support-images';

test('a pasted screenshot, a dropped photo and a picked file are uploaded and everyone sees them, a latecomer and a reload too', async ({
  openTogether,
  personAs,
  room,
  request,
}) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Before the pictures');
  await alice.page.keyboard.press('Enter');
  await alice.typeInEditor('After the pictures');

  // Paste: the screenshot's file is uploaded; its blob: <img> never enters the document.
  await alice.page.keyboard.press('Control+Home');
  await alice.page.keyboard.press('End');
  await pasteImage(alice, imageFixture('blue.png'));
  await expect(uploadedImages(alice)).toHaveCount(1);
  await expect(alice.editor.locator('img:not([src*="/api/images/"]):not(.ProseMirror-separator)')).toHaveCount(0);

  // Drop: onto the start of the second paragraph, where the photo lands.
  await dropImage(alice, imageFixture('photo.jpg'), alice.editor.getByText('After the pictures'));
  await expect(uploadedImages(alice)).toHaveCount(2);

  // Pick: from the toolbar's image dialog, at the caret (the end of the document).
  await alice.placeCaret('end');
  await pickImage(alice, imageFixture('small.webp'));
  await expect(uploadedImages(alice)).toHaveCount(3);

  // Order in the document: text, pasted, dropped, text, picked (and the caret's empty paragraph after it).
  const order = () =>
    alice.editor.evaluate((editor) =>
      Array.from(editor.querySelectorAll('p, img')).map((node) => (node.tagName === 'IMG' ? (node as HTMLImageElement).naturalWidth : node.textContent)),
    );
  await expect.poll(order).toEqual(['Before the pictures', 8, 10, 'After the pictures', 9, '']);

  // Bob, in his own browser, sees the same images, loaded from the server.
  await expect(uploadedImages(bob)).toHaveCount(3);
  const sources = await uploadedImages(alice).evaluateAll((images) => images.map((image) => (image as HTMLImageElement).src));
  expect(await uploadedImages(bob).evaluateAll((images) => images.map((image) => (image as HTMLImageElement).src))).toEqual(sources);
  await expect.poll(() => uploadedImages(bob).evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth))).toEqual([8, 10, 9]);

  // What the server serves: the bytes with their type, nosniff and the sandbox policy.
  const served = await request.get(sources[0]);
  expect(served.status()).toBe(200);
  expect(served.headers()['content-type']).toBe('image/png');
  expect(served.headers()['x-content-type-options']).toBe('nosniff');
  expect(served.headers()['content-security-policy']).toBe("default-src 'none'; sandbox");
  expect(Buffer.compare(await served.body(), imageFixture('blue.png').buffer)).toBe(0);

  // A latecomer and a reload see them too.
  const carol = await personAs(CAROL);
  await carol.openDocument(room);
  await expect.poll(() => uploadedImages(carol).evaluateAll((images) => images.map((image) => (image as HTMLImageElement).src))).toEqual(sources);
  await bob.page.reload();
  await expect(bob.connection).toHaveText('Connected');
  await expect.poll(() => uploadedImages(bob).evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth))).toEqual([8, 10, 9]);
});

test('while an image uploads, only the uploader sees its placeholder; the other person never receives a broken image', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Holiday');
  // Hold Alice's upload at the server's door until Bob has looked.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await alice.page.route('**/api/rooms/*/images', async (route) => {
    await held;
    await route.continue();
  });
  await pasteImage(alice, imageFixture('green.png'));
  await expect(alice.editor.getByRole('status').filter({ hasText: /^Uploading green\.png… \d+%$/ })).toBeVisible();
  // Bob gets Alice's typing meanwhile, and no image and no placeholder.
  await alice.typeInEditor(' photos');
  await expect.poll(() => bob.documentText()).toBe('Holiday photos');
  await expect(bob.editor.locator('img:not(.ProseMirror-separator)')).toHaveCount(0);
  await expect(bob.editor.getByRole('status')).toHaveCount(0);

  release();
  await expect(alice.editor.getByRole('status').filter({ hasText: /Uploading/ })).toHaveCount(0);
  await expect(uploadedImages(bob)).toHaveCount(1);
  // The image went where it was pasted, after "Holiday", though Alice typed on meanwhile.
  const order = (tandem: typeof alice) =>
    tandem.editor.evaluate((editor) =>
      Array.from(editor.querySelectorAll('p, img[src*="/api/images/"]'), (node) => {
        if (node.tagName === 'IMG') return 'image';
        // Without the other person's caret label.
        const text = node.cloneNode(true) as HTMLElement;
        text.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
        return text.textContent;
      }),
    );
  await expect.poll(() => order(alice)).toEqual(['Holiday', 'image', ' photos']);
  await expect.poll(() => order(bob)).toEqual(['Holiday', 'image', ' photos']);
});

test('files the server refuses are explained and never inserted: not an image, an SVG, too large, offline', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Nothing broken here');
  const error = alice.page.getByRole('alert').filter({ hasText: 'was not uploaded' });

  await pickImage(alice, imageFixture('page-renamed.png'));
  await expect(error).toHaveText(/“page-renamed\.png” was not uploaded: only PNG, JPEG, GIF and WebP images can be added\./);
  await error.getByRole('button', { name: 'Dismiss' }).click();
  await expect(error).toHaveCount(0);

  await pasteImage(alice, imageFixture('drawing.svg'));
  await expect(error).toHaveText(/“drawing\.svg” was not uploaded: only PNG, JPEG, GIF and WebP images can be added\./);

  // Over MAX_UPLOAD_BYTES (10 MiB): a PNG's first bytes and then far too many.
  const huge = { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.concat([imageFixture('blue.png').buffer, Buffer.alloc(10 * 1024 * 1024)]) };
  await pickImage(alice, huge);
  await expect(error).toHaveText(/“huge\.png” was not uploaded: the image is larger than the limit of 10 MiB\./);

  await alice.page.context().setOffline(true);
  await pasteImage(alice, imageFixture('dot.gif'));
  await expect(error).toHaveText(/“dot\.gif” was not uploaded: you are offline\. Add it again once you are back online\./);
  await alice.page.context().setOffline(false);

  await expect(alice.editor.locator('img:not(.ProseMirror-separator)')).toHaveCount(0);
  await expect(alice.editor.getByRole('status')).toHaveCount(0);
  expect(await alice.documentText()).toBe('Nothing broken here');
});

test('alt text set after insertion and a width dragged by a corner reach the other person and survive a reload', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Chart:');
  await alice.page.keyboard.press('Enter');
  await pickImage(alice, imageFixture('chart.png'));
  const image = uploadedImages(alice).first();
  await expect(image).toBeVisible();

  await setAltText(alice, image, 'Bar chart');
  await expect(bob.editor.getByRole('img', { name: 'Bar chart' })).toBeVisible();

  // The caret out of the image (a selected image has the comment bubble beside it).
  await alice.placeCaret('end');
  const before = (await image.boundingBox())!.width;
  await resizeImage(alice, image, 120);
  await expect.poll(() => storedWidth(image)).toBeGreaterThan(before + 60);
  const width = (await storedWidth(image))!;
  await expect.poll(() => storedWidth(uploadedImages(bob).first())).toBe(width);

  await bob.page.reload();
  await expect(bob.connection).toHaveText('Connected');
  await expect.poll(() => storedWidth(bob.editor.getByRole('img', { name: 'Bar chart' }))).toBe(width);
});

test('a reader on the view link sees the images but can neither upload nor resize', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('For readers');
  await pickImage(alice, imageFixture('blue.png'));
  await expect(uploadedImages(alice)).toHaveCount(1);
  const viewLink = await alice.readViewLink();

  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);
  await expect.poll(() => uploadedImages(vera).evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth))).toEqual([8]);
  await expect(toolbarButton(vera.page, 'Image')).toHaveCount(0);
  await expect(vera.page.getByLabel('Upload from this device')).toHaveCount(0);
  await expect(vera.editor.locator('[data-resize-handle]').first()).toBeHidden();

  // A pasted file goes nowhere: no placeholder, no upload, no image.
  let uploads = 0;
  await vera.page.route('**/api/rooms/*/images', (route) => {
    uploads++;
    return route.abort();
  });
  await vera.editor.click();
  await pasteImage(vera, imageFixture('green.png'));
  await expect(vera.editor.getByRole('status')).toHaveCount(0);
  await expect(uploadedImages(vera)).toHaveCount(1);
  expect(uploads).toBe(0);
});

test('the image dialog, with its upload field, is axe clean', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  const dialog = await openImageDialog(alice, 'Insert image');
  await expect(dialog.getByLabel('Upload from this device')).toBeVisible();
  expect(await seriousViolations(alice.page)).toEqual([]);
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await pickImage(alice, imageFixture('chart.png'));
  await uploadedImages(alice).first().click();
  await openImageDialog(alice, 'Image alt text');
  expect(await seriousViolations(alice.page)).toEqual([]);
});
