/** How the admin commands show sizes, times and tables on a terminal. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** An instant as UTC to the minute ("2026-12-01 13:05 UTC"), or "unknown". */
export function formatTime(ms: number | null): string {
  if (ms === null) return 'unknown';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Text someone else wrote (a document title) made safe to print: control characters, which a
 * raw Yjs client could put in a title to move the cursor or recolour the terminal, become
 * spaces; long text is cut with an ellipsis.
 */
export function printable(text: string, maxLength: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  const characters = Array.from(clean);
  return characters.length > maxLength ? `${characters.slice(0, maxLength - 1).join('')}…` : clean;
}

/** Rows under a header, columns padded to their widest cell; `right` aligns those columns right. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((cell, column) => Math.max(Array.from(cell).length, ...rows.map((row) => Array.from(row[column]).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const pad = ' '.repeat(widths[column] - Array.from(cell).length);
        return right.has(column) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
