// Runs a Tandem entry point (server/main.ts or server/app.ts) as a child, so that every stop
// request reaches it exactly once, and exits with it. `npm run server` runs this file
// (`node scripts/supervise.mjs server/main.ts`); `npm start` (scripts/start.mjs) calls supervise().
//
// Why a supervisor: npm runs a script through `sh -c`, and sh does not pass signals on, so a
// SIGTERM to npm alone (a container's PID 1, pm2, systemd's KillMode=process) left the server
// running, orphaned. Ctrl-C is the opposite problem: the terminal signals the whole foreground
// group and npm forwards its copy too, so the server got two SIGINTs and the second killed it
// mid-shutdown. Here the server runs in its own process group (`detached`), out of the
// terminal's reach; this process takes the copies of each request (the terminal's, npm's),
// counts those that arrive together once, and tells the server: the first request as the
// signal itself (graceful stop), a later one as a `force-stop` message (exit at once, logged).
// The package.json scripts `exec` node, so npm's forward reaches this process, not a shell.
// The server also stops when this process dies, through the IPC channel (server/stop-requests.ts).
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Copies of one request (the terminal's and npm's) arrive within a few ms; a person's second Ctrl-C takes longer. */
const SAME_REQUEST_MS = 300;
/** A terminal that closes (SIGHUP) asks for a stop too. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs `node --import tsx <entry> --supervised [args]` from the repository root; exits with it. */
export function supervise(entry, args = [], env = process.env) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(root, entry), '--supervised', ...args], {
    cwd: root,
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  let requests = 0;
  let lastRequestAt = -Infinity;
  const onSignal = (received) => {
    const now = performance.now();
    if (now - lastRequestAt < SAME_REQUEST_MS) return;
    lastRequestAt = now;
    requests += 1;
    const signal = received === 'SIGHUP' ? 'SIGTERM' : received;
    if (requests === 1) child.kill(signal);
    else if (child.connected) child.send({ type: 'force-stop', signal });
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
  return child;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error('usage: node scripts/supervise.mjs <server/main.ts|server/app.ts> [args]');
    process.exit(2);
  }
  supervise(entry, args);
}
