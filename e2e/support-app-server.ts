/**
 * Starts a second, private Tandem app server (the real `server/app.ts` on the build the
 * Playwright web server made), so a test can stop and restart "the server" without
 * disturbing other tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/server-process';
import { sleep } from '../test/support/wait';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface AppServer {
  baseUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Creates (and starts) a private app server with its own SQLite file; `extraEnv` configures it
 * further (e.g. AUTH_SECRET for token mode).
 */
export async function startPrivateAppServer(extraEnv: Record<string, string> = {}): Promise<AppServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-'));
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'app.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${path.join(dataDir, 'tandem.db')}`,
        LOG_LEVEL: 'warn',
        NEXT_TELEMETRY_DISABLED: '1',
        ...extraEnv,
      },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
      } catch {
        // Not listening yet: poll again until the deadline.
      }
      if (Date.now() > deadline) throw new Error('private app server did not start');
      await sleep(100);
    }
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return { baseUrl: `http://127.0.0.1:${port}`, start, stop };
}
