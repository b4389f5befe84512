/**
 * The image stories' intent methods: a person pastes, drops or picks an image file (the small
 * real files in e2e/fixtures/images), and what the document shows of images.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Locator } from '@playwright/test';
import type { TandemPage } from './fixtures';
import { toolbarButton } from './support-editor';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'images');

const MIME_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml' };

/** A file as the browser sees it: name, type by its extension (as the OS would say), bytes. */
export interface ImageFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** One of the fixture files, typed by its extension as a file manager would. */
export function imageFixture(name: string): ImageFile {
  return { name, mimeType: MIME_TYPES[path.extname(name).slice(1)] ?? 'application/octet-stream', buffer: fs.readFileSync(path.join(FIXTURES, name)) };
}

/** The person's images, by the people who see them: every uploaded image in their document. */
export function uploadedImages(tandem: TandemPage): Locator {
  return tandem.editor.locator('img[src*="/api/images/"]');
}

/** Pastes `file` into the editor at the caret, as a screenshot tool's clipboard holds it. */
export async function pasteImage(tandem: TandemPage, file: ImageFile): Promise<void> {
  await tandem.editor.evaluate(
    (editor, { name, mimeType, bytes }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
      // What a browser copying a screenshot also offers: an <img> whose src is no address.
      data.setData('text/html', `<img src="blob:${location.origin}/screenshot" alt="">`);
      editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { name: file.name, mimeType: file.mimeType, bytes: Array.from(file.buffer) },
  );
}

/** Drops `file` from the desktop onto the start of `target` (a block in the editor). */
export async function dropImage(tandem: TandemPage, file: ImageFile, target: Locator): Promise<void> {
  const box = (await target.boundingBox())!;
  await tandem.editor.evaluate(
    (editor, { name, mimeType, bytes, x, y }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
      const init = { dataTransfer: data, clientX: x, clientY: y, bubbles: true, cancelable: true };
      editor.dispatchEvent(new DragEvent('dragenter', init));
      editor.dispatchEvent(new DragEvent('dragover', init));
      editor.dispatchEvent(new DragEvent('drop', init));
    },
    { name: file.name, mimeType: file.mimeType, bytes: Array.from(file.buffer), x: box.x + 1, y: box.y + box.height / 2 },
  );
}

/** Opens the toolbar's image dialog and picks `file` under "Upload from this device". */
export async function pickImage(tandem: TandemPage, file: ImageFile): Promise<void> {
  const dialog = await openImageDialog(tandem, 'Insert image');
  await dialog.getByLabel('Upload from this device').setInputFiles(file);
  await expect(dialog).toBeHidden();
}

/** Opens the toolbar's image dialog (titled "Insert image", or "Image alt text" on a selected image). */
export async function openImageDialog(tandem: TandemPage, title: 'Insert image' | 'Image alt text'): Promise<Locator> {
  await toolbarButton(tandem.page, 'Image').click();
  const dialog = tandem.page.getByRole('dialog', { name: title });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** Selects the image (a click on it) and gives it `alt` through the image dialog. */
export async function setAltText(tandem: TandemPage, image: Locator, alt: string): Promise<void> {
  await image.click();
  const dialog = await openImageDialog(tandem, 'Image alt text');
  await dialog.getByRole('textbox', { name: /Alt text/ }).fill(alt);
  await dialog.getByRole('button', { name: 'Save alt text' }).click();
  await expect(dialog).toBeHidden();
}

/** Drags the image's bottom-right corner `dx` pixels to the right (negative: left). */
export async function resizeImage(tandem: TandemPage, image: Locator, dx: number): Promise<void> {
  await image.hover();
  // The handles sit beside the image in its wrapper (TipTap's ResizableNodeView).
  const handle = image.locator('xpath=..').locator('[data-resize-handle="bottom-right"]');
  const box = (await handle.boundingBox())!;
  const { mouse } = tandem.page;
  await mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await mouse.down();
  await mouse.move(box.x + box.width / 2 + dx / 2, box.y + box.height / 2, { steps: 4 });
  await mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2, { steps: 4 });
  await mouse.up();
}

/** The width an image is shown at, as its node stores it (the style the resize set, in px). */
export async function storedWidth(image: Locator): Promise<number | null> {
  return image.evaluate((element) => {
    const width = (element as HTMLImageElement).style.width;
    return width.endsWith('px') ? Number(width.slice(0, -2)) : null;
  });
}
