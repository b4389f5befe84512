/**
 * User stories in token mode (AUTH_SECRET set, on a private app server): the editor and a
 * reader get tokens before connecting, stay connected across the tokens' expiry, the share
 * dialog works with the edit token, a reader's or commenter's token never names the room, and a
 * replaced view link is refused up front.
 */
import type { Page } from '@playwright/test';
import { startPrivateAppServer, type AppServer } from './support-app-server';
import { ALICE, CARLA, expect, test, VERA } from './fixtures';

/** The shortest life the server allows, so the test sees tokens expire. */
const TOKEN_TTL_SECONDS = 10;

let server: AppServer;

test.beforeAll(async () => {
  server = await startPrivateAppServer({
    AUTH_SECRET: 'e2e-secret-that-is-long-enough-for-hs256-0123456789',
    TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
  });
});

test.afterAll(async () => {
  await server?.stop();
});

/** Every token this page opened a sync socket with, in order. */
function recordSocketTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('websocket', (socket) => {
    const token = new URL(socket.url()).searchParams.get('token');
    if (token) tokens.push(token);
  });
  return tokens;
}

/** Starts recording every text the connection indicator shows; returns a reader of them. */
async function recordConnectionTexts(page: Page): Promise<() => Promise<string[]>> {
  await page.getByRole('status', { name: 'Connection' }).evaluate((element) => {
    const seen: string[] = [];
    (window as unknown as { connectionTexts: string[] }).connectionTexts = seen;
    new MutationObserver(() => seen.push(element.textContent ?? '')).observe(element, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  return () => page.evaluate(() => (window as unknown as { connectionTexts: string[] }).connectionTexts);
}

function claimsOf(token: string): { room?: string; role?: string } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { room?: string; role?: string };
}

test('editor and reader connect with tokens and stay connected as the tokens expire', async ({ personAs, room }) => {
  test.setTimeout(90_000);
  const alice = await personAs(ALICE);
  const aliceTokens = recordSocketTokens(alice.page);
  await alice.page.goto(`${server.baseUrl}/d/${room}`);
  await expect(alice.connection).toHaveText('Connected');
  await alice.placeCaret('end');
  await alice.typeInEditor('Behind a token.');
  await expect(alice.saveStatus).toHaveText('Saved');
  expect(claimsOf(aliceTokens[0])).toMatchObject({ room, role: 'edit' });

  // The share dialog's view-link call carries the edit token.
  const viewLink = await alice.readViewLink();
  const viewId = viewLink.split('/').pop()!;

  const vera = await personAs(VERA);
  const veraTokens = recordSocketTokens(vera.page);
  await vera.openViewLink(viewLink);
  await expect.poll(() => vera.documentText()).toBe('Behind a token.');
  // The reader's token names the view id, never the room.
  expect(claimsOf(veraTokens[0])).toMatchObject({ room: viewId, role: 'view' });
  expect(veraTokens[0]).not.toContain(room);

  const aliceSaw = await recordConnectionTexts(alice.page);
  const veraSaw = await recordConnectionTexts(vera.page);

  // Past the first tokens' life: the server closed both sockets (4401) and both pages came
  // back with fresh tokens, on their own.
  await expect.poll(() => aliceTokens.length, { timeout: 3 * TOKEN_TTL_SECONDS * 1000 }).toBeGreaterThan(1);
  await expect.poll(() => veraTokens.length, { timeout: 3 * TOKEN_TTL_SECONDS * 1000 }).toBeGreaterThan(1);
  expect(new Set(aliceTokens).size).toBe(aliceTokens.length);
  await expect(alice.connection).toHaveText('Connected');
  await expect(vera.connection).toHaveText('Connected');
  // The replacement token was fetched before the old one expired, so both pages went straight
  // back to connecting, and neither ever said the server had cut it off.
  for (const seen of [await aliceSaw(), await veraSaw()]) {
    expect(seen).toContain('Connecting…');
    expect(seen).not.toContain('Disconnected by the server');
  }

  await alice.placeCaret('end');
  await alice.typeInEditor(' Still live.');
  await expect.poll(() => vera.documentText()).toBe('Behind a token. Still live.');
  await expect(alice.saveStatus).toHaveText('Saved');
});

test('a replaced view link is refused before connecting', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.page.goto(`${server.baseUrl}/d/${room}`);
  await expect(alice.connection).toHaveText('Connected');
  const oldLink = await alice.readViewLink();
  const newLink = await alice.createNewViewLink();

  const vera = await personAs(VERA);
  await vera.page.goto(oldLink);
  await expect(vera.page.getByRole('alert').filter({ hasText: 'This view link no longer works. Ask for a new one.' })).toBeVisible();
  await expect(vera.connection).not.toHaveText('Connected');

  await vera.openViewLink(newLink);
});

test('a commenter gets a comment token naming the comment id, never the room, and follows read-only', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.page.goto(`${server.baseUrl}/d/${room}`);
  await expect(alice.connection).toHaveText('Connected');
  await alice.placeCaret('end');
  await alice.typeInEditor('Open for comments.');
  // The share dialog's comment-link call carries the edit token.
  const commentLink = await alice.readCommentLink();
  const commentId = commentLink.split('/').pop()!;

  const carla = await personAs(CARLA);
  const carlaTokens = recordSocketTokens(carla.page);
  await carla.openCommentLink(commentLink);
  await expect.poll(() => carla.documentText()).toBe('Open for comments.');
  expect(claimsOf(carlaTokens[0])).toMatchObject({ room: commentId, role: 'comment' });
  expect(carlaTokens[0]).not.toContain(room);
  await expect(carla.editor).toHaveAttribute('contenteditable', 'false');
});
