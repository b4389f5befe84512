/**
 * `npm start` with ALLOWED_ORIGINS unset accepts browsers only from its own pages: a page on
 * another site can neither open a sync socket nor rotate a view link (a simple cross-origin
 * POST needs no preflight), while the app's own pages and non-browser clients (no Origin) can.
 */
import { viewLinkPath } from '../lib/protocol/api-routes';
import { openRawSocket } from '../test/support/raw-socket';
import { expect, test } from './fixtures';

const EVIL = 'https://evil.example';

test('a page on another origin can neither open a sync socket nor call the API', async ({ baseURL, room }) => {
  const syncUrl = `${baseURL!.replace(/^http/, 'ws')}/sync/${room}`;
  await expect(openRawSocket(syncUrl, { origin: EVIL })).rejects.toMatchObject({ status: 403 });
  const rotate = await fetch(`${baseURL}${viewLinkPath(room)}`, { method: 'POST', headers: { origin: EVIL } });
  expect(rotate.status).toBe(403);
});

test("the app's own origin and clients without an Origin are accepted", async ({ baseURL, room }) => {
  const syncUrl = `${baseURL!.replace(/^http/, 'ws')}/sync/${room}`;
  for (const options of [{ origin: baseURL! }, {}]) {
    const socket = await openRawSocket(syncUrl, options);
    socket.close();
  }
  const own = await fetch(`${baseURL}${viewLinkPath(room)}`, { method: 'POST', headers: { origin: baseURL! } });
  expect(own.status).toBe(200);
});
