/**
 * The sample nginx config a self-hoster copies (deploy/nginx.conf), run by a real nginx in front
 * of two real instances sharing PostgreSQL and Redis. Only what a test machine cannot have is
 * changed: the instance ports, a loopback listen port instead of 443, and no certificate.
 * Runs when nginx is installed and TEST_DATABASE_URL and TEST_REDIS_URL are set (CI has all).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, type Cluster } from './support/cluster';
import { metricValue } from './support/metrics';
import { describeUnlessSkipped } from './support/describe-when';
import { eventually, sleep } from './support/wait';

const SAMPLE_CONFIG = path.resolve(import.meta.dirname, '..', 'deploy', 'nginx.conf');
const NGINX_MISSING = spawnSync('nginx', ['-v']).error ? 'skipped: nginx is not installed' : null;
const SKIP_REASON = NGINX_MISSING ?? SCALE_SKIP_REASON;

/**
 * deploy/nginx.conf pointed at `upstreamPorts`, listening on loopback `listenPort` over plain
 * HTTP, writing its access log to `accessLog`.
 */
function sampleConfigFor(upstreamPorts: number[], listenPort: number, accessLog: string): string {
  const sample = fs.readFileSync(SAMPLE_CONFIG, 'utf8');
  const servers = upstreamPorts.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=5s;`).join('\n');
  const config = sample
    .replace(/^( {4}server 127\.0\.0\.1:\d+ [^\n]*\n)+/m, `${servers}\n`)
    .replace(/^ {4}listen 443 ssl;$/m, `    listen 127.0.0.1:${listenPort};`)
    .replace(/^ {4}ssl_certificate(_key)? [^\n]*\n/gm, '')
    .replace(/^( {4}access_log )\/var\/log\/nginx\/tandem-access\.log( tandem;)$/m, `$1${accessLog}$2`);
  // Guard against the sample drifting from what this rewrite expects.
  expect(config).toContain(`server 127.0.0.1:${upstreamPorts[0]} `);
  expect(config).toContain(`listen 127.0.0.1:${listenPort};`);
  expect(config).not.toMatch(/ssl|:1234/);
  expect(config).toContain(`access_log ${accessLog} tandem;`);
  return config;
}

/** A whole nginx.conf around `siteConfig`, with every path inside `dir`. */
function mainConfig(dir: string): string {
  const temp = (name: string) => path.join(dir, name);
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${temp('nginx.pid')};`,
    'error_log stderr warn;',
    'events { worker_connections 256; }',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${temp(`${kind}-temp`)};`),
    `    include ${temp('tandem.conf')};`,
    '}',
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeUnlessSkipped('the sample nginx config', SKIP_REASON, () => {
  let cluster: Cluster;
  let nginx: ChildProcess;
  let nginxUrl: string;
  let configFile: string;
  let prefix: string;
  let accessLog: string;
  const nginxErrors: string[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    // As the README tells operators: nginx (here on loopback) is the instances' trusted proxy.
    cluster = await startCluster(2, { env: { TRUSTED_PROXIES: '127.0.0.1' } });
    const listenPort = await freePort();
    nginxUrl = `http://127.0.0.1:${listenPort}`;
    prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-nginx-'));
    // nginx's workers drop root privileges; they must still reach the temp directories.
    fs.chmodSync(prefix, 0o755);
    accessLog = path.join(prefix, 'access.log');
    fs.writeFileSync(
      path.join(prefix, 'tandem.conf'),
      sampleConfigFor(cluster.instances.map((instance) => instance.port), listenPort, accessLog),
    );
    configFile = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(configFile, mainConfig(prefix));
    nginx = spawn('nginx', ['-p', prefix, '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr!.on('data', (chunk: Buffer) => nginxErrors.push(chunk.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const healthy = await fetch(`${nginxUrl}/healthz`).then((response) => response.ok, () => false);
      if (healthy) break;
      if (Date.now() > deadline || nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxErrors.join('')}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await cluster?.close();
    if (prefix) fs.rmSync(prefix, { recursive: true, force: true });
  });

  it('passes nginx -t', () => {
    const check = spawnSync('nginx', ['-t', '-p', prefix, '-c', configFile], { encoding: 'utf8' });
    expect(check.stderr).toContain('test is successful');
    expect(check.status).toBe(0);
  });

  it('upgrades WebSockets to any instance: one room, clients on both, without sticky sessions', async () => {
    const room = uniqueRoom('nginx');
    for (let i = 0; i < 4; i++) clients.push(await connectClient(`${nginxUrl.replace('http', 'ws')}/sync`, room));
    // least_conn spreads them: both instances hold some of this room's clients.
    const open = await Promise.all(cluster.instances.map((instance) => metricValue(instance.httpUrl, 'tandem_connections_open')));
    expect(open).toEqual([2, 2]);

    clients.forEach((client, i) => client.text.insert(0, `client ${i} was here. `));
    await eventually(
      () => clients.every((client) => client.text.length === clients[0].text.length && client.text.toString() === clients[0].text.toString()) && clients[0].text.length === 4 * 'client 0 was here. '.length,
      'the four clients to converge through nginx',
    );
    for (let i = 0; i < 4; i++) expect(clients[0].text.toString()).toContain(`client ${i} was here.`);
  });

  it('serves the app and health checks, and keeps /metrics to the monitoring network', async () => {
    expect((await fetch(`${nginxUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${nginxUrl}/readyz`)).status).toBe(200);
    // The sample allows 10.0.0.0/8 only; this request comes from 127.0.0.1.
    expect((await fetch(`${nginxUrl}/metrics`)).status).toBe(403);
    // Nothing went wrong on the way (the refusal above is logged as an error: not a fault).
    const faults = nginxErrors.join('').split('\n').filter((line) => /\[(error|crit|alert|emerg)\]/.test(line) && !line.includes('access forbidden by rule'));
    expect(faults).toEqual([]);
  });

  it('keeps tokens, room ids and view ids out of its access log', async () => {
    const room = uniqueRoom('logged');
    const secret = 'eyJhbGciOiJIUzI1NiJ9.not-a-real-token';
    const client = await connectClient(`${nginxUrl.replace('http', 'ws')}/sync`, room, { params: { token: secret } });
    expect((await fetch(`${nginxUrl}/d/${room}?token=${secret}`)).status).toBe(404);
    // An upgraded request is logged when its socket closes.
    client.destroy();
    const logged = () => (fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : '');
    await eventually(() => logged().includes('"GET /d/*') && logged().includes('"GET /sync/*'), 'nginx to log both requests');
    const log = logged();
    expect(log).toContain('"GET /sync/* HTTP/1.1" 101');
    expect(log).not.toContain(room);
    expect(log).not.toContain(secret);
    expect(log).not.toContain('token');
  });
});
