/**
 * The admin command's front in-process (test/admin.test.ts runs the real process against a
 * running server): every way of calling it wrongly is one line on stderr and exit code 2,
 * what it refuses is exit code 1, and help is on stdout with exit code 0. Storage is a real
 * SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openSqliteStorage } from '../storage/sqlite';
import { ExitCode, runAdmin } from './cli';
import { parseDate } from './purge-history';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cli-'));
const databaseUrl = `sqlite:${path.join(dir, 'tandem.db')}`;

beforeAll(async () => {
  const storage = openSqliteStorage(path.join(dir, 'tandem.db'));
  const doc = new Y.Doc();
  doc.getText('title').insert(0, 'Kept');
  await storage.append('kept-room', Y.encodeStateAsUpdate(doc));
  await storage.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the command line with pipes for stdin and stdout (no terminal), as a script would. */
async function run(argv: string[], env: Record<string, string> = { DATABASE_URL: databaseUrl }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runAdmin(argv, env, { stdin, stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('npm run admin: calling it', () => {
  it.each([
    [['frobnicate'], /^tandem admin: unknown command "frobnicate" \(see npm run admin -- --help\)$/],
    [['rooms', '--sort', 'weight'], /--sort must be one of date, size, id, not "weight" \(see npm run admin -- rooms --help\)$/],
    [['rooms', '--colour'], /unknown option --colour/],
    [['rooms', '--json=yes'], /--json takes no value/],
    [['rooms', 'extra'], /unexpected argument "extra"/],
    [['export'], /missing <room>/],
    [['export', 'kept-room', '--format', 'pdf'], /--format must be one of markdown, html, json, yjs, not "pdf"/],
    [['export', 'kept-room', '--out'], /--out needs a value/],
    [['delete', 'kept-room', 'extra'], /unexpected argument "extra"/],
    [['purge-history', 'kept-room', '--before', 'last tuesday'], /--before must be a date like 2026-12-01 or 2026-12-01T09:30:00Z, not "last tuesday"/],
    [['purge-history', 'kept-room', '--before', '2026-02-30'], /--before must be a date/],
    [['purge-history', 'kept-room', '--before', '2026-13-01'], /--before must be a date/],
    [['purge-history', 'kept-room', '--before', '2026-12-01T09:30'], /--before must be a date/],
    [['purge-history', 'kept-room', '--before'], /--before needs a value/],
    [['stats', '-x'], /unknown option -x/],
  ])('%j is a usage error: one line, exit 2', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(ExitCode.USAGE);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr.trimEnd()).toMatch(message);
  });

  it.each([
    [['export', 'no-such-room'], {}, /^tandem admin: unknown room no-such-room: nothing is stored under that id \(see: npm run admin -- rooms\)$/],
    [['export', 'bad id!'], {}, /"bad id!" is not a room id/],
    [['delete', 'kept-room'], {}, /refusing to delete without --yes: stdin is not a terminal to ask on/],
    [['purge-history', 'no-such-room'], {}, /unknown room no-such-room/],
    [['rooms'], { DATABASE_URL: '' }, /^tandem admin: DATABASE_URL is not set/],
    [['rooms'], { DATABASE_URL: 'memory:' }, /memory: is held inside a server process/],
    [['rooms'], { DATABASE_URL: `sqlite:${path.join(dir, 'missing', 'tandem.db')}` }, /no SQLite database at .*missing\/tandem.db/],
    [['rooms'], { DATABASE_URL: 'mysql://db' }, /cannot open the database: DATABASE_URL "mysql:\/\/db" is not supported/],
  ])('%j is refused: one line, exit 1', async (argv, env, message) => {
    const result = await run(argv, { DATABASE_URL: databaseUrl, ...env });
    expect(result.code).toBe(ExitCode.FAILED);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr.trimEnd()).toMatch(message);
  });

  it('a refused delete deletes nothing, and a missing database is not created', async () => {
    await run(['delete', 'kept-room']);
    expect(JSON.parse((await run(['rooms', '--json'])).stdout)).toMatchObject([{ room: 'kept-room', title: 'Kept' }]);
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('helps: the command list, each command, and no command at all (on stderr, exit 2)', async () => {
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: ExitCode.OK, stderr: '' });
    for (const name of ['rooms', 'export', 'delete', 'purge-history', 'stats']) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect((await run(['help'])).stdout).toBe(help.stdout);
    for (const name of ['rooms', 'export', 'delete', 'purge-history', 'stats']) {
      const own = await run([name, '--help']);
      expect(own).toMatchObject({ code: ExitCode.OK, stderr: '' });
      expect(own.stdout).toMatch(new RegExp(`^Usage: npm run admin -- ${name}`));
    }
    // Help needs no database.
    expect((await run(['export', '-h'], {})).code).toBe(ExitCode.OK);
    const bare = await run([]);
    expect(bare.code).toBe(ExitCode.USAGE);
    expect(bare.stderr).toBe(`${help.stdout}`);
  });

  it('reads dates as ISO 8601: a day is midnight UTC, a time needs its zone', () => {
    expect(parseDate('2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    expect(parseDate('2026-12-01T09:30:00Z')).toBe(Date.UTC(2026, 11, 1, 9, 30));
    expect(parseDate('2026-12-01T09:30+01:00')).toBe(Date.UTC(2026, 11, 1, 8, 30));
    expect(parseDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(() => parseDate('2025-02-29')).toThrow(/must be a date/);
  });
});
