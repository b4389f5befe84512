/**
 * The README's variable table and `.env.example` list exactly the settings declared in
 * config.ts, with the same defaults where they state one: adding a setting without
 * documenting it (or changing a default in one place only) fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APP_DEFAULT_PORT, SETTING_DECLARATIONS, SYNC_SERVER_DEFAULT_PORT } from './config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Variable → default, as a variable's text would spell it (null: unset by default). */
const declared = new Map(
  Object.values(SETTING_DECLARATIONS).flatMap((setting) => (setting.env === null ? [] : [[setting.env, asText(setting.default)] as const])),
);

function asText(value: unknown): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value.join(',');
  return String(value);
}

interface Documented {
  name: string;
  /** The default the document states; null where it says the variable is unset by default. */
  stated: string | null;
  /** The whole default cell or line, for messages. */
  source: string;
}

/** Rows of the README's table under "## Configuration": `NAME` (or `A` / `B`) | meaning | default. */
function readmeVariables(): Documented[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const rows = section.slice(0, section.indexOf('\n## ', 1)).split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => {
    const cells = row.slice(2, -2).split(' | ');
    expect(cells, row).toHaveLength(3);
    const names = [...cells[0].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]);
    // `A` / `B` rows state both defaults the same way: `1` / `2`.
    const defaults = names.length > 1 ? cells[2].split(' / ') : [cells[2]];
    expect(defaults, row).toHaveLength(names.length);
    // A cell that starts with a value states it; one that starts with words ("unset", "random
    // per process") says there is none.
    return names.map((name, index) => ({ name, stated: /^`([^`]*)`/.exec(defaults[index])?.[1] ?? null, source: defaults[index] }));
  });
}

/** `NAME=default` lines, and `# NAME=example` lines for variables unset by default. */
function envExampleVariables(): Documented[] {
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  return example.split('\n').flatMap((line) => {
    const match = /^(# ?)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) return [];
    return [{ name: match[2], stated: match[1] ? null : match[3], source: line }];
  });
}

describe.each([
  ['README.md', readmeVariables],
  ['.env.example', envExampleVariables],
])('%s', (_file, read) => {
  const documented = read();

  it('lists every variable of the settings table once, and no other', () => {
    const names = documented.map((entry) => entry.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index), 'listed twice').toEqual([]);
    expect([...names].sort()).toEqual([...declared.keys()].sort());
  });

  it("states each variable's default as the table declares it", () => {
    const drift = documented.filter(({ name, stated }) => declared.has(name) && stated !== declared.get(name));
    expect(drift.map(({ name, source }) => `${name}: documented ${source}, declared ${declared.get(name)}`)).toEqual([]);
  });
});

describe('PORT', () => {
  it("documents both entry points' defaults", () => {
    expect(declared.get('PORT')).toBe(String(APP_DEFAULT_PORT));
    const cell = readmeVariables().find((entry) => entry.name === 'PORT')?.source ?? '';
    expect(cell).toContain(`\`${APP_DEFAULT_PORT}\` (\`npm start\`)`);
    expect(cell).toContain(`\`${SYNC_SERVER_DEFAULT_PORT}\` (\`npm run server\`)`);
  });
});
