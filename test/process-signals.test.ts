/**
 * Stopping `npm run server` and `npm start` the ways operators do: SIGTERM to npm alone (a
 * container's PID 1, pm2, systemd's KillMode=process), SIGINT to the whole process group
 * (Ctrl-C in a terminal; systemd's default KillMode=control-group signals every process too),
 * and a second Ctrl-C while a shutdown is slow. Each time the whole process tree must end,
 * the port must be free, and a graceful stop must be one "shutting down" … "stopped".
 */
import net from 'node:net';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { LogMessage } from '../server/log-messages';
import { CloseCode } from '../lib/protocol/close-codes';
import { ensureAppBuild } from './support/app-build';
import { containsAll, uniqueRoom } from './support/clients';
import { countLogs, startNpmScript, type NpmScript } from './support/npm-script';
import { storedDoc, tempDatabaseUrl } from './support/server-process';
import { freePort, spawnServer, tandemScript } from './support/spawn';
import { connectTrackedClientForTest } from './support/test-scoped';
import { typeUntilAcknowledged } from './support/typist';
import { eventually, sleep } from './support/wait';
import { whenOpen } from './support/raw-socket';

/** More than scripts/supervise.mjs's SAME_REQUEST_MS: a second Ctrl-C, not a copy of the first. */
const SECOND_PRESS_AFTER_MS = 600;

interface Started {
  run: NpmScript;
  port: number;
  databaseUrl: string;
}

async function start(script: 'server' | 'start'): Promise<Started> {
  const port = await freePort();
  const databaseUrl = tempDatabaseUrl();
  const run = await startNpmScript(script, {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    MIN_NEW_ROOM_ID_LENGTH: '1',
    MAX_TITLE_LENGTH: '0',
    UPDATE_RATE_PER_SECOND: '0',
  });
  onTestFinished(() => run.killAll());
  return { run, port, databaseUrl };
}

/** Whether nothing listens on the port any more (binding it succeeds). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function expectTreeGone({ run, port }: Started): Promise<void> {
  await run.exited;
  await eventually(() => run.alive().length === 0, `every process of the tree (${run.tree.join(', ')}) to end`);
  expect(await portIsFree(port)).toBe(true);
}

/** A socket that never answers the server's close: the shutdown waits for it (a grace period). */
async function openStalledSocket(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/sync/${uniqueRoom('stalled')}`);
  await whenOpen(socket);
  (socket as unknown as { _socket: net.Socket })._socket.pause();
  onTestFinished(() => socket.terminate());
  return socket;
}

describe.each(['server', 'start'] as const)('npm %s', (script) => {
  beforeAll(() => {
    if (script === 'start') ensureAppBuild();
  }, 600_000);

  it('stops gracefully on SIGTERM to npm alone, leaving no process behind', async () => {
    const started = await start(script);
    // npm, the supervisor and the server (npm start: the same; its build ran before).
    expect(started.run.tree.length).toBeGreaterThanOrEqual(3);
    started.run.signalNpm('SIGTERM');
    await expectTreeGone(started);
    expect(countLogs(started.run, LogMessage.shuttingDown)).toBe(1);
    expect(countLogs(started.run, LogMessage.stopped)).toBe(1);
  });

  it('stops gracefully, once, on SIGINT to the whole group (Ctrl-C), with typing in flight: nothing acknowledged is lost', async () => {
    const started = await start(script);
    const room = uniqueRoom('ctrl-c');
    const typist = await connectTrackedClientForTest(`ws://127.0.0.1:${started.port}/sync`, room);
    const closeCodes: number[] = [];
    typist.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) closeCodes.push(event.code);
      typist.provider.shouldConnect = false;
    });
    const typing = await typeUntilAcknowledged(typist, 200);
    started.run.signalGroup('SIGINT');
    await expectTreeGone(started);
    await typing.stop();

    expect(countLogs(started.run, LogMessage.shuttingDown)).toBe(1);
    expect(countLogs(started.run, LogMessage.stopped)).toBe(1);
    expect(countLogs(started.run, LogMessage.stoppedAtOnce)).toBe(0);
    expect(closeCodes[0]).toBe(CloseCode.SERVICE_RESTART);
    const stored = storedDoc(started.databaseUrl, room);
    expect(containsAll(stored, typing.acked)).toBe(true);
    stored.destroy();
  });

  it('exits at once on a second Ctrl-C during a slow shutdown, and says so', async () => {
    const started = await start(script);
    await openStalledSocket(started.port);
    started.run.signalGroup('SIGINT');
    await eventually(() => countLogs(started.run, LogMessage.shuttingDown) === 1, 'the shutdown to start');
    // The person presses Ctrl-C again while the stop waits for the stalled peer.
    await sleep(SECOND_PRESS_AFTER_MS);
    started.run.signalGroup('SIGINT');
    await expectTreeGone(started);
    expect(countLogs(started.run, LogMessage.stoppedAtOnce)).toBe(1);
    expect(countLogs(started.run, LogMessage.stopped)).toBe(0);
  });
});

describe('the server run directly (node server/main.ts, a container PID 1)', () => {
  it('stops gracefully on one SIGTERM and exits at once on a second one during the shutdown', async () => {
    const port = await freePort();
    const spawnOptions = { args: tandemScript('main'), port, readyWhen: 'listening-logged' as const, env: { DATABASE_URL: tempDatabaseUrl() } };
    const graceful = await spawnServer(spawnOptions);
    onTestFinished(() => graceful.kill());
    expect(await graceful.stop()).toBe(0);
    expect(graceful.logs.filter((entry) => entry.msg === LogMessage.stopped)).toHaveLength(1);

    const forced = await spawnServer(spawnOptions);
    onTestFinished(() => forced.kill());
    await openStalledSocket(port);
    process.kill(forced.pid, 'SIGTERM');
    await eventually(() => forced.logs.some((entry) => entry.msg === LogMessage.shuttingDown), 'the shutdown to start');
    process.kill(forced.pid, 'SIGTERM');
    await eventually(() => forced.exitStatus() !== null, 'the server to exit');
    expect(forced.exitStatus()).toEqual({ code: 143, signal: null });
    expect(forced.logs.filter((entry) => entry.msg === LogMessage.stoppedAtOnce)).toHaveLength(1);
    expect(forced.logs.filter((entry) => entry.msg === LogMessage.stopped)).toHaveLength(0);
  });
});
