/** Recognising images by their bytes (image-format.ts), on real files made by a browser's encoders. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectImage } from './image-format';

const fixture = (name: string) => new Uint8Array(fs.readFileSync(path.join(__dirname, '../e2e/fixtures/images', name)));

describe('detectImage', () => {
  it.each([
    ['blue.png', { contentType: 'image/png', width: 8, height: 6 }],
    ['photo.jpg', { contentType: 'image/jpeg', width: 10, height: 7 }],
    ['dot.gif', { contentType: 'image/gif', width: 1, height: 1 }],
    ['small.webp', { contentType: 'image/webp', width: 9, height: 5 }],
  ])('recognises %s with its pixel size', (name, expected) => {
    expect(detectImage(fixture(name))).toEqual(expected);
  });

  it.each(['page-renamed.png', 'drawing.svg', 'truncated.png'])('refuses %s', (name) => {
    expect(detectImage(fixture(name))).toBeNull();
  });

  it('refuses truncated JPEG, GIF and WebP files and an empty body', () => {
    for (const name of ['photo.jpg', 'dot.gif', 'small.webp']) {
      const bytes = fixture(name);
      expect(detectImage(bytes.subarray(0, bytes.length - 3))).toBeNull();
    }
    expect(detectImage(new Uint8Array())).toBeNull();
  });

  it('refuses a PNG header claiming zero pixels', () => {
    const bytes = fixture('blue.png').slice();
    bytes.fill(0, 16, 20);
    expect(detectImage(bytes)).toBeNull();
  });
});
