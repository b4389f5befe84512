/**
 * Recognises an uploaded image by its bytes alone, never by its name or claimed type: PNG,
 * JPEG, GIF and WebP, with their pixel size read from the header. Anything else (HTML renamed
 * .png, SVG, which can carry script, a truncated file) is not an image Tandem stores.
 */

/** The formats Tandem stores, by the Content-Type it serves them with. */
export type ImageContentType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export interface ImageFormat {
  contentType: ImageContentType;
  width: number;
  height: number;
}

/** The file extension served in Content-Disposition for each type. */
export const IMAGE_EXTENSIONS: Record<ImageContentType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((value, index) => bytes[at + index] === value);
const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
const u16be = (bytes: Uint8Array, at: number) => (bytes[at] << 8) | bytes[at + 1];
const u16le = (bytes: Uint8Array, at: number) => bytes[at] | (bytes[at + 1] << 8);
const u24le = (bytes: Uint8Array, at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
const u32be = (bytes: Uint8Array, at: number) => ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
const u32le = (bytes: Uint8Array, at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + ((bytes[at + 3] << 24) >>> 0);

/** The image's format and pixel size, or null when the bytes are not a whole PNG, JPEG, GIF or WebP. */
export function detectImage(bytes: Uint8Array): ImageFormat | null {
  const format = detectPng(bytes) ?? detectJpeg(bytes) ?? detectGif(bytes) ?? detectWebp(bytes);
  return format && format.width > 0 && format.height > 0 ? format : null;
}

function detectPng(bytes: Uint8Array): ImageFormat | null {
  // Signature, then the IHDR chunk (length 13) first; the file ends with the IEND chunk.
  if (!startsWith(bytes, PNG_SIGNATURE) || bytes.length < 8 + 25 + 12) return null;
  if (u32be(bytes, 8) !== 13 || ascii(bytes, 12, 4) !== 'IHDR') return null;
  if (!startsWith(bytes, PNG_IEND, bytes.length - 8)) return null;
  return { contentType: 'image/png', width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

function detectJpeg(bytes: Uint8Array): ImageFormat | null {
  if (!startsWith(bytes, [0xff, 0xd8, 0xff])) return null;
  // The end-of-image marker closes the file (a camera may pad after it: a few bytes allowed).
  const tail = bytes.subarray(Math.max(2, bytes.length - 64));
  if (!tail.some((value, index) => value === 0xff && tail[index + 1] === 0xd9)) return null;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const length = u16be(bytes, at + 2);
    // Start-of-frame markers (baseline, progressive, …; not DHT C4, JPG C8, DAC CC) hold the size.
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) return null;
      return { contentType: 'image/jpeg', height: u16be(bytes, at + 5), width: u16be(bytes, at + 7) };
    }
    if (marker === 0xda || length < 2) return null; // scan data before any frame header
    at += 2 + length;
  }
  return null;
}

function detectGif(bytes: Uint8Array): ImageFormat | null {
  const signature = ascii(bytes, 0, 6);
  if ((signature !== 'GIF87a' && signature !== 'GIF89a') || bytes.length < 14) return null;
  // The trailer byte ends every whole GIF.
  if (bytes[bytes.length - 1] !== 0x3b) return null;
  return { contentType: 'image/gif', width: u16le(bytes, 6), height: u16le(bytes, 8) };
}

function detectWebp(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length < 30 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WEBP') return null;
  // The RIFF size covers the whole rest of the file: a truncated one is refused.
  if (u32le(bytes, 4) + 8 !== bytes.length) return null;
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8X') return { contentType: 'image/webp', width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return null;
    const bits = u32le(bytes, 21);
    return { contentType: 'image/webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') {
    if (!startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return null;
    return { contentType: 'image/webp', width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  }
  return null;
}
