/**
 * The README's PostgreSQL backup, run as written: `pg_dump` of Tandem's tables while a client
 * types, then stop, `pg_restore` into an emptied schema, start: every change acknowledged
 * before the dump began is back. Needs TEST_DATABASE_URL and pg_dump/pg_restore on the PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it, onTestFinished } from 'vitest';
import { containsAll, uniqueRoom } from './support/clients';
import { describeUnlessSkipped } from './support/describe-when';
import { adminQuery, createTestSchema, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres';
import { connectTrackedClientForTest, startServerForTest } from './support/test-scoped';
import { typeUntilAcknowledged } from './support/typist';
import { eventually } from './support/wait';

const run = promisify(execFile);

function pgToolsSkipReason(): string | null {
  if (!TEST_DATABASE_URL) return POSTGRES_SKIP_REASON;
  try {
    execFileSync('pg_dump', ['--version'], { stdio: 'ignore' });
    execFileSync('pg_restore', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'skipped: pg_dump / pg_restore not on the PATH (Debian: postgresql-client)';
  }
}

describeUnlessSkipped('PostgreSQL backup with pg_dump and pg_restore (README, "Backups")', pgToolsSkipReason(), () => {
  it('restores every change acknowledged before the dump began', async () => {
    const schema = await createTestSchema('pg_backup');
    onTestFinished(() => schema.drop());
    const server = await startServerForTest({ databaseUrl: schema.url });
    const room = uniqueRoom('pg-backup');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);
    const typing = await typeUntilAcknowledged(typist, 300);
    const ackedBefore = typing.ackedSnapshot();
    const dump = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-pg-backup-')), 'tandem.dump');
    // The README's command for Tandem's tables in a shared database (schema-qualified here,
    // since each test file has its own schema; in `public` the patterns are the bare names).
    await run('pg_dump', ['--format=custom', `--table=${schema.name}.room_*`, `--table=${schema.name}.schema_migrations`, `--file=${dump}`, TEST_DATABASE_URL!]);
    await typing.stop();
    typist.provider.shouldConnect = false;
    typist.destroy();
    expect(await server.stop()).toBe(0);

    await adminQuery(`DROP SCHEMA ${schema.name} CASCADE`);
    await adminQuery(`CREATE SCHEMA ${schema.name}`);
    await run('pg_restore', ['--no-owner', `--dbname=${TEST_DATABASE_URL!}`, dump]);
    const restored = await startServerForTest({ databaseUrl: schema.url, port: server.port });
    const reader = await connectTrackedClientForTest(restored.syncUrl, room);
    expect(ackedBefore.getText('title').length).toBeGreaterThanOrEqual(300);
    expect(containsAll(reader.doc, ackedBefore)).toBe(true);
    // The restored tables take new writes (their id sequence came along).
    reader.text.insert(0, 'after the restore: ');
    await eventually(() => reader.tracker.getState().kind === 'saved', 'a write after the restore to be stored');
    reader.destroy();
    expect(await restored.stop()).toBe(0);
  });
});
