/**
 * The README's module table is the map of the tree: every server module is named in it, every
 * browser folder has its row, and nothing it names is gone. (A reshape that moves files must
 * move their rows.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const table = readme.slice(readme.indexOf('| module | responsibility |'), readme.indexOf('### What the server refuses'));
/** First-column cells: `a`, or `a`, `b` for rows that name two modules. */
const rows = table
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => ({ names: Array.from(line.split('|')[1].matchAll(/`([^`]+)`/g), (match) => match[1]), line }));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) && !entry.name.includes('.test.') ? [relative] : [];
  });
}

describe('the README module table', () => {
  it('names every server module, by its path or in its folder row', () => {
    const unnamed = sourceFiles('server').filter((file) => {
      if (rows.some((row) => row.names.includes(file))) return false;
      const folderRow = rows.find((row) => row.names.includes(`${path.dirname(file)}/`));
      return !folderRow?.line.includes(`\`${path.basename(file)}\``);
    });
    expect(unnamed).toEqual([]);
  });

  it('has a row for every folder of the browser side', () => {
    const folders = ['app/', 'components/', ...fs.readdirSync(path.join(root, 'lib')).map((name) => `lib/${name}/`)];
    expect(folders.filter((folder) => !rows.some((row) => row.names.includes(folder)))).toEqual([]);
  });

  it('names nothing that is not in the tree', () => {
    const missing = rows.flatMap((row) => row.names).filter((name) => !fs.existsSync(path.join(root, name)));
    expect(missing).toEqual([]);
  });
});
