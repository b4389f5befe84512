/**
 * The production build of the web app a browser scenario measures (or `npm start` runs in a
 * test): `.next` as `npm run build` makes it, rebuilt when it is missing or older than any
 * source the bundle is made from, so the numbers are always those of the code as it is now. Turbopack (Next.js's default) refuses
 * a node_modules that is a symlink (as in a git worktree); there webpack builds instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './spawn';

export interface AppBuild {
  /** `existing`: a build newer than every source was reused. */
  bundler: 'turbopack' | 'webpack' | 'existing';
  seconds: number;
}

/** What the web app's bundle is made from (the server runs from source with tsx). */
const SOURCES = ['app', 'components', 'lib', 'next.config.js', 'package.json', 'package-lock.json', 'tsconfig.json'];

export function ensureAppBuild(): AppBuild {
  const buildId = path.join(ROOT, '.next', 'BUILD_ID');
  if (fs.existsSync(buildId) && newestSource() <= fs.statSync(buildId).mtimeMs) return { bundler: 'existing', seconds: 0 };
  const webpack = fs.lstatSync(path.join(ROOT, 'node_modules')).isSymbolicLink();
  const started = performance.now();
  console.log(`  building the web app (next build${webpack ? ' --webpack: node_modules is a symlink' : ''})…`);
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', ...(webpack ? ['--webpack'] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  return { bundler: webpack ? 'webpack' : 'turbopack', seconds: (performance.now() - started) / 1000 };
}

function newestSource(): number {
  let newest = 0;
  const visit = (file: string) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    } else if (!/\.test\.tsx?$/.test(file)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const source of SOURCES) visit(path.join(ROOT, source));
  return newest;
}
