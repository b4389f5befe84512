/**
 * Podman for the container test: whether it can build and run images here (podman, and the
 * local node:20-bookworm(-slim) stand-ins that ../shared/tools/container-base-images.sh makes on a
 * machine without a container registry), and its commands with that script's settings.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The containers.conf the base-image script writes (no default ulimits, runc, cgroupfs). */
const CONTAINERS_CONF = process.env.CONTAINERS_CONF ?? '/etc/containers/tandem-test.conf';
const BASE_IMAGES = ['docker.io/library/node:20-bookworm', 'docker.io/library/node:20-bookworm-slim'];
const env = { ...process.env, CONTAINERS_CONF };

/** Why podman cannot build Tandem's image here, or null when it can. */
export function podmanSkipReason(): string | null {
  try {
    execFileSync('podman', ['--version'], { env, stdio: 'ignore' });
  } catch {
    return 'skipped: podman is not installed (../shared/tools/container-base-images.sh installs it and the base images)';
  }
  const missing = BASE_IMAGES.filter((image) => {
    try {
      execFileSync('podman', ['image', 'exists', image], { env, stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) return `skipped: podman has no ${missing.join(', ')} (run ../shared/tools/container-base-images.sh as root)`;
  return null;
}

/** Runs `podman <args>`; resolves with stdout (trimmed), rejects with stderr in the message. */
export async function podman(args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync('podman', args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const failed = error as Error & { stderr?: string };
    throw new Error(`podman ${args.join(' ')} failed: ${failed.stderr || failed.message}`);
  }
}

/** `podman <args>` without throwing: its exit code and output. */
export async function podmanStatus(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('podman', args, { env, timeout: timeoutMs });
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: (failed.stdout ?? '').trim(), stderr: failed.stderr ?? '' };
  }
}
