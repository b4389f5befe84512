// `npm start`: builds the web app if there is no build yet, then runs the app server (Next.js
// and the sync server on one port) under the supervisor, which passes each stop request on once
// (see scripts/supervise.mjs).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { supervise } from './supervise.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

/** Runs `next build`; a stop request meanwhile stops the build too (it is in our process group anyway). */
function build() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [nextBin, 'build'], { cwd: root, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
    child.on('exit', (code, signal) => {
      for (const name of ['SIGINT', 'SIGTERM']) process.off(name, forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) {
  console.log('No production build found; running `next build` first (about a minute)…');
  const status = await build();
  if (status !== 0) process.exit(status);
}

supervise('server/app.ts', [], { NODE_ENV: 'production', ...process.env });
