/**
 * `npm run backup -- <file>` while people type, and the README's restore (stop, replace the
 * file and drop its -wal/-shm, start): the restored server holds every change acknowledged
 * (SAVED) before the backup started. Bad arguments and storages get a clear refusal, and
 * nothing is written.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { containsAll, uniqueRoom } from './support/clients';
import { databaseFile, tempDatabaseUrl } from './support/server-process';
import { ROOT } from './support/spawn';
import { connectClientForTest, connectTrackedClientForTest, startServerForTest } from './support/test-scoped';
import { typeUntilAcknowledged } from './support/typist';
import { eventually } from './support/wait';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the backup command (through npm, as documented, or node directly for speed) and never throws. */
async function backup(args: string[], env: Record<string, string>, via: 'npm' | 'node' = 'node'): Promise<Outcome> {
  const [command, commandArgs] =
    via === 'npm' ? ['npm', ['run', '--silent', 'backup', '--', ...args]] : [process.execPath, ['--import', 'tsx', 'server/backup-command.ts', ...args]];
  try {
    const { stdout, stderr } = await run(command, commandArgs as string[], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-backup-'));
}

describe('npm run backup', () => {
  it('copies the database while a client types; restored, it holds every change acknowledged before the backup began', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl });
    const room = uniqueRoom('backup');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);
    const typing = await typeUntilAcknowledged(typist, 300);
    const ackedBefore = typing.ackedSnapshot();
    const target = path.join(tempDir(), 'tandem-backup.db');
    const outcome = await backup([target], { DATABASE_URL: databaseUrl }, 'npm');
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(`to ${target}`);
    const ackedDuring = typing.ackedUpdates();
    await eventually(() => typing.ackedUpdates() > ackedDuring + 100, 'typing to go on after the backup');
    await typing.stop();
    typist.provider.shouldConnect = false;
    typist.destroy();
    expect(await server.stop()).toBe(0);

    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();

    // The README's restore: stop, replace the file, remove the old -wal and -shm, start.
    const file = databaseFile(databaseUrl);
    fs.copyFileSync(target, file);
    for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    const restored = await startServerForTest({ databaseUrl, port: server.port });
    const reader = await connectClientForTest(restored.syncUrl, room);
    expect(ackedBefore.getText('title').length).toBeGreaterThanOrEqual(300);
    expect(containsAll(reader.doc, ackedBefore)).toBe(true);
    reader.destroy();
    expect(await restored.stop()).toBe(0);
  });

  it('refuses, naming the problem, and writes nothing', async () => {
    const databaseUrl = tempDatabaseUrl();
    // A database the server made (the schema at its version), stopped again.
    const server = await startServerForTest({ databaseUrl });
    expect(await server.stop()).toBe(0);
    const dir = tempDir();
    const existing = path.join(dir, 'existing.db');
    fs.writeFileSync(existing, 'keep me');
    const cases: { args: string[]; env: Record<string, string>; code: number; says: string }[] = [
      { args: [], env: { DATABASE_URL: databaseUrl }, code: 2, says: 'usage: npm run backup -- <new file>' },
      { args: [path.join(dir, 'pg.db')], env: { DATABASE_URL: 'postgres://tandem@127.0.0.1:5432/tandem' }, code: 1, says: 'back it up with pg_dump' },
      { args: [path.join(dir, 'memory.db')], env: { DATABASE_URL: 'memory:' }, code: 1, says: 'nothing is stored' },
      { args: [path.join(dir, 'missing.db')], env: { DATABASE_URL: `sqlite:${path.join(dir, 'nothing-here.db')}` }, code: 1, says: 'there is no database at' },
      { args: [existing], env: { DATABASE_URL: databaseUrl }, code: 1, says: 'exists: a backup never overwrites a file' },
      { args: [path.join(dir, 'no-such-dir', 'b.db')], env: { DATABASE_URL: databaseUrl }, code: 1, says: 'does not exist' },
      { args: [databaseFile(databaseUrl)], env: { DATABASE_URL: databaseUrl }, code: 1, says: 'is the database itself' },
    ];
    for (const { args, env, code, says } of cases) {
      const outcome = await backup(args, env);
      expect({ args, code: outcome.code, says: outcome.stderr.includes(says) }).toEqual({ args, code, says: true });
    }
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');
    expect(fs.readdirSync(dir).sort()).toEqual(['existing.db']);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a directory it cannot write to', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl });
    expect(await server.stop()).toBe(0);
    const dir = tempDir();
    fs.chmodSync(dir, 0o555);
    const outcome = await backup([path.join(dir, 'b.db')], { DATABASE_URL: databaseUrl });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('is not writable');
  });
});

if (process.getuid?.() === 0) {
  console.log('test/backup.test.ts: skipped "refuses a directory it cannot write to": running as root, every directory is writable');
}
