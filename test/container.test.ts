/**
 * The container image as a self-hoster gets it: built with podman from a clean checkout of this
 * commit (`git archive HEAD`, so nothing on this machine's disk leaks in), run with a volume:
 * health, readiness (the image's own HEALTHCHECK), the editor page, a sync socket with SAVED
 * acks, an unprivileged server as PID 1, `podman stop` (SIGTERM) ending it by itself with exit
 * 0 and the last change kept, a new container on the same volume holding the text; and two
 * containers on this machine's PostgreSQL and Redis serving one room together.
 * Run by `npm run test:container` (part of `npm test`); skipped, saying why, without podman.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { uniqueRoom } from './support/clients';
import { describeUnlessSkipped } from './support/describe-when';
import { podman, podmanSkipReason, podmanStatus } from './support/podman';
import { createTestSchema, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres';
import { freePort, ROOT } from './support/spawn';
import { connectTrackedClientForTest } from './support/test-scoped';
import { eventually } from './support/wait';

const skipReason = podmanSkipReason();
if (skipReason) console.log(`test/container.test.ts ${skipReason}`);

const tag = `localhost/tandem-test:${Math.random().toString(36).slice(2, 10)}`;
/** One image build at a time on this machine (two checkouts testing at once would fight over the layer cache). */
const IMAGE_BUILD_LOCK = '/tmp/tandem-image-build.lock';
const suffix = () => Math.random().toString(36).slice(2, 10);

/** Builds the image from `git archive HEAD`; returns how long it took. */
function buildFromCleanCheckout(): number {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-image-'));
  try {
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive --format=tar HEAD | tar -x -C "${context}"`]);
    const started = performance.now();
    // --format docker: OCI images have no HEALTHCHECK. --network host: the build reaches the
    // npm registry through this machine (no container network here).
    execFileSync('flock', [IMAGE_BUILD_LOCK, 'podman', 'build', '--format', 'docker', '--pull=never', '--network', 'host', '-t', tag, context], {
      env: { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? '/etc/containers/tandem-test.conf' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return (performance.now() - started) / 1000;
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

interface Container {
  name: string;
  port: number;
  httpUrl: string;
  syncUrl: string;
}

/** Runs the image on the host's network at a free port, removed when the test ends; resolves once /healthz answers. */
async function runContainer(env: Record<string, string>, volume?: string): Promise<Container> {
  const port = await freePort();
  const name = `tandem-test-${suffix()}`;
  const settings = Object.entries({ PORT: String(port), ...env }).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await podman(['run', '-d', '--name', name, '--network', 'host', ...settings, ...(volume ? ['-v', `${volume}:/data`] : []), tag]);
  onTestFinished(async () => {
    // -v: the anonymous volume VOLUME /data gives a container run without one.
    await podmanStatus(['rm', '-f', '-v', '-t', '0', name]);
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${httpUrl}/healthz`).catch(() => null))?.ok === true, `${name} to answer /healthz`, 90_000, 250);
  return { name, port, httpUrl, syncUrl: `ws://127.0.0.1:${port}/sync` };
}

describeUnlessSkipped('the container image', skipReason, () => {
  beforeAll(() => {
    const seconds = buildFromCleanCheckout();
    console.log(`container image built from a clean checkout in ${seconds.toFixed(0)} s`);
  }, 1_200_000);
  afterAll(async () => {
    // Untags; the layers stay cached for the next build.
    await podmanStatus(['rmi', tag]);
  });

  it('is under its size goal or says how big it is', async () => {
    const bytes = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', tag]));
    const base = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', 'docker.io/library/node:20-bookworm-slim']));
    console.log(`image: ${(bytes / 1e6).toFixed(0)} MB (the node:20-bookworm-slim base here: ${(base / 1e6).toFixed(0)} MB)`);
    expect(bytes).toBeGreaterThan(base);
  });

  it('serves health, the editor and sync as an unprivileged PID 1; podman stop keeps the last change; a new container on the volume has it', async () => {
    const volume = `tandem-test-${suffix()}`;
    await podman(['volume', 'create', volume]);
    onTestFinished(async () => {
      await podmanStatus(['volume', 'rm', '-f', volume]);
    });
    const first = await runContainer({}, volume);

    expect(await (await fetch(`${first.httpUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${first.httpUrl}/readyz`)).json()).toMatchObject({ status: 'ready', storage: 'sqlite' });
    // The image's HEALTHCHECK command, run as the engine runs it.
    expect((await podmanStatus(['healthcheck', 'run', first.name])).code).toBe(0);
    const room = uniqueRoom('container-room');
    const page = await fetch(`${first.httpUrl}/d/${room}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Document · Tandem</title>');

    // PID 1 is the server itself (node, not npm or a shell), running as the node user (1000).
    expect(await podman(['exec', first.name, 'cat', '/proc/1/cmdline'])).toMatch(/^node\0--import\0tsx\0server\/app\.ts/);
    expect(await podman(['exec', first.name, 'sh', '-c', "grep '^Uid:' /proc/1/status"])).toMatch(/^Uid:\s+1000\s+1000/);

    const writer = await connectTrackedClientForTest(first.syncUrl, room);
    writer.text.insert(0, 'written in a container');
    await eventually(() => writer.tracker.getState().kind === 'saved', 'the first change to be saved');
    writer.text.insert(writer.text.length, ', and the last change');
    await eventually(() => writer.tracker.getState().kind === 'saved', 'the last change to be saved');
    writer.provider.shouldConnect = false;
    const stopStarted = performance.now();
    await podman(['stop', '-t', '10', first.name], 30_000);
    console.log(`podman stop took ${((performance.now() - stopStarted) / 1000).toFixed(1)} s`);
    // Exit 0 is the server's own graceful end: podman's SIGKILL after 10 s would be 137.
    expect(await podman(['inspect', '--format', '{{.State.ExitCode}}', first.name])).toBe('0');
    const logs = (await podman(['logs', first.name])).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    writer.destroy();

    const second = await runContainer({}, volume);
    const reader = await connectTrackedClientForTest(second.syncUrl, room);
    expect(reader.text.toString()).toBe('written in a container, and the last change');
    // The README's backup inside the running container.
    const backedUp = await podman(['exec', second.name, 'node', '--import', 'tsx', 'server/backup-command.ts', '/data/backup.db']);
    expect(backedUp).toContain('backed up /data/tandem.db to /data/backup.db');
  });

  it('runs two containers on this machine’s PostgreSQL and Redis that serve one room together', async () => {
    if (!TEST_DATABASE_URL || !process.env.TEST_REDIS_URL) {
      console.log(`test/container.test.ts: two instances ${POSTGRES_SKIP_REASON} (or TEST_REDIS_URL)`);
      return;
    }
    const schema = await createTestSchema('container');
    onTestFinished(() => schema.drop());
    const shared = { DATABASE_URL: schema.url, REDIS_URL: process.env.TEST_REDIS_URL };
    const [one, two] = [await runContainer({ ...shared, INSTANCE_ID: 'container-1' }), await runContainer({ ...shared, INSTANCE_ID: 'container-2' })];
    expect(await (await fetch(`${two.httpUrl}/readyz`)).json()).toMatchObject({ status: 'ready', storage: 'postgres', redis: 'up' });
    const room = uniqueRoom('container-scale');
    const alice = await connectTrackedClientForTest(one.syncUrl, room);
    const bob = await connectTrackedClientForTest(two.syncUrl, room);
    alice.text.insert(0, 'alice on one. ');
    await eventually(() => bob.text.toString().includes('alice on one.'), 'bob, on the other container, to see alice');
    bob.text.insert(bob.text.length, 'bob on two.');
    await eventually(() => alice.text.toString() === 'alice on one. bob on two.', 'alice to see bob');
  });
});
