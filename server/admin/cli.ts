/**
 * The admin command's front: picks the command, prints help, runs it, and turns every failure
 * into one line on stderr and an exit code (2: the command was called wrongly; 1: it refused
 * or failed). Commands live one per module beside this one.
 */
import { readAdminConfig, type Env } from '../config';
import { AdminError, parseArgs, UsageError } from './args';
import type { AdminCommand } from './command';
import { createAdminContext, type AdminIo } from './context';
import { deleteCommand } from './delete';
import { exportCommand } from './export';
import { purgeHistoryCommand } from './purge-history';
import { roomsCommand } from './rooms';
import { statsCommand } from './stats';

const COMMANDS: readonly AdminCommand[] = [roomsCommand, exportCommand, deleteCommand, purgeHistoryCommand, statsCommand];

/** Exit codes: done, refused or failed, called wrongly. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

const HELP = `Usage: npm run admin -- <command> [options]

Administers the documents of a Tandem server through its database (DATABASE_URL, as the server
has it; SQLite or PostgreSQL). It may run while the server runs.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(14)} ${command.summary}`).join('\n')}

npm run admin -- <command> --help   tells more about one command.`;

/** Runs the admin command line `argv` (without node and the script); resolves with the exit code. */
export async function runAdmin(argv: readonly string[], env: Env, io: AdminIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(`${HELP}\n`);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) return fail(io, new UsageError(`unknown command "${name}"`), null);
  let context: ReturnType<typeof createAdminContext> | null = null;
  try {
    const args = parseArgs(rest, command.options);
    if (args.options.has('help')) {
      io.stdout.write(`${command.help}\n`);
      return ExitCode.OK;
    }
    context = createAdminContext(readAdminConfig(env), io);
    await command.run(context, args);
    return ExitCode.OK;
  } catch (error) {
    return fail(io, error as Error, command);
  } finally {
    await context?.close().catch(() => undefined);
  }
}

/** One line saying what went wrong; a usage mistake also points at the help. */
function fail(io: AdminIo, error: Error, command: AdminCommand | null): number {
  if (error instanceof UsageError) {
    const help = command ? `npm run admin -- ${command.name} --help` : 'npm run admin -- --help';
    io.stderr.write(`tandem admin: ${error.message} (see ${help})\n`);
    return ExitCode.USAGE;
  }
  // AdminErrors are worded for the operator; anything else (a setting, storage) says what it is.
  const message = error instanceof AdminError ? error.message : `${command ? `${command.name} failed: ` : ''}${error.message}`;
  io.stderr.write(`tandem admin: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return ExitCode.FAILED;
}
