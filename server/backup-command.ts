/** `npm run backup -- <file>`: a consistent copy of the SQLite database, while the server runs (backup.ts). */
import { APP_DEFAULT_PORT, configFromEnv } from './config';
import { backupDatabase, BackupError } from './backup';
import { loadDotEnv } from './dot-env';

const USAGE = `usage: npm run backup -- <new file>
Copies the SQLite database DATABASE_URL names (default sqlite:./data/tandem.db; a .env file is
read too) to <new file> with SQLite's online backup, while the server keeps running. Restoring
and PostgreSQL (pg_dump): see the README's "Backups".`;

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    console.error(USAGE);
    return args[0] === '--help' || args[0] === '-h' ? 0 : 2;
  }
  loadDotEnv(process.env);
  const { databaseUrl } = configFromEnv(process.env, APP_DEFAULT_PORT);
  try {
    const result = await backupDatabase(databaseUrl, args[0]);
    console.log(`backed up ${result.source} to ${result.target} (${result.bytes} bytes)`);
    return 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    console.error(`backup failed: ${error.message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`backup failed: ${error.message}`);
    process.exit(1);
  },
);
