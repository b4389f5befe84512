/** Saving generated files (exports) from the browser. */

const UNSAFE_FILENAME_CHARACTERS = /[\\/:*?"<>|\u0000-\u001f\u007f]+/g;
const MAX_FILENAME_STEM_LENGTH = 100;

/** A file name stem from a document title: no path or reserved characters; "Untitled" if empty. */
export function fileStemFor(title: string): string {
  const words = title
    .replace(UNSAFE_FILENAME_CHARACTERS, ' ')
    .split(/\s+/)
    // "." and ".." are not names; a leading dot would hide the file.
    .filter((word) => word !== '' && !/^\.+$/.test(word));
  const stem = words.join(' ').replace(/^\.+/, '');
  return stem.slice(0, MAX_FILENAME_STEM_LENGTH).trim() || 'Untitled';
}

/** Offers `content` to the person as a download named `filename`. */
export function downloadFile(filename: string, content: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: `${mimeType};charset=utf-8` }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The download has started from the click; the URL is not needed after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
