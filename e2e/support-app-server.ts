/**
 * Starts a second, private Tandem app server (the real `server/app.ts` on the build the
 * Playwright web server made), so a test can stop and restart "the server" without
 * disturbing other tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnAppServer, tandemScript, type SpawnedServer } from '../test/support/spawn';

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
  let running: SpawnedServer | null = null;

  const start = async () => {
    running = await spawnAppServer({ args: tandemScript('app'), port, dataDir, env: extraEnv });
  };

  const stop = async () => {
    const server = running;
    running = null;
    await server?.stop();
  };

  await start();
  return { baseUrl: `http://127.0.0.1:${port}`, start, stop };
}
