/**
 * Runs the real admin command (`server/admin/main.ts`, what `npm run admin` runs) as a child
 * process against a server's database, the way an operator does beside a running server.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './spawn';

export interface AdminRun {
  code: number | null;
  stdout: string;
  /** stdout as bytes (a Yjs export). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** How long one run may take before it is killed (the command itself never waits on anyone). */
const RUN_TIMEOUT_MS = 60_000;

/**
 * `npm run admin -- ...args` with `env` on top of this process's environment (`undefined`
 * removes a variable; DATABASE_URL is removed unless given), stdin and stdout pipes (not terminals).
 */
export function runAdmin(args: string[], env: Record<string, string | undefined> = {}, options: { cwd?: string } = {}): Promise<AdminRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: undefined, REDIS_URL: undefined };
  for (const [name, value] of Object.entries(env)) childEnv[name] = value;
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'admin', 'main.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`admin ${args.join(' ')} did not finish within ${RUN_TIMEOUT_MS} ms: ${Buffer.concat(err).toString()}`));
    }, RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString(), stdoutBytes, stderr: Buffer.concat(err).toString() });
    });
  });
}
