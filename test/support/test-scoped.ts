/**
 * Servers and clients that end with the current test, passed or failed: each is registered with
 * vitest's `onTestFinished` the moment it exists, so a failed assertion leaks no child process
 * and no reconnecting provider. Call these inside a test body (not in `beforeAll`). A test may
 * still stop or destroy them itself (to restart, or to prove a clean exit code): ending twice
 * is harmless.
 */
import { onTestFinished } from 'vitest';
import { connectClient, openClient, type Client, type ClientOptions } from './clients';
import { startServer, type ServerProcess, type StartOptions } from './server-process';
import { connectTrackedClient, type TrackedClient } from './tracked-client';

/** `startServer`, SIGKILLed when the test ends if it still runs (nothing to flush for a finished test). */
export async function startServerForTest(options?: StartOptions): Promise<ServerProcess> {
  const server = await startServer(options);
  onTestFinished(() => server.kill());
  return server;
}

/** `connectClient`, destroyed when the test ends. */
export async function connectClientForTest(syncUrl: string, room: string, options?: ClientOptions): Promise<Client> {
  return destroyWithTest(await connectClient(syncUrl, room, options));
}

/** `openClient`, destroyed when the test ends. */
export function openClientForTest(syncUrl: string, room: string, options?: ClientOptions): Client {
  return destroyWithTest(openClient(syncUrl, room, options));
}

/** `connectTrackedClient`, destroyed when the test ends. */
export async function connectTrackedClientForTest(syncUrl: string, room: string): Promise<TrackedClient> {
  return destroyWithTest(await connectTrackedClient(syncUrl, room));
}

function destroyWithTest<T extends { destroy(): void }>(client: T): T {
  onTestFinished(() => client.destroy());
  return client;
}
