import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * Turbopack reads nothing outside its root. When node_modules is a symlink to a shared install
 * (e.g. git worktrees sharing one), the root must hold both; normally it is the project itself.
 */
function workspaceRoot() {
  const modules = path.dirname(realpathSync(path.join(projectDir, 'node_modules')));
  let root = projectDir;
  while (path.relative(root, modules).startsWith('..')) root = path.dirname(root);
  return root;
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  turbopack: { root: workspaceRoot() },
};

export default nextConfig;
