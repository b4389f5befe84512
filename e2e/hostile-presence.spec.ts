/**
 * User stories: someone with only a view link sends presence no Tandem browser would send (a
 * caret without positions, a colour that is really a web address). Alice and Bob keep
 * co-editing as if nothing happened: each sees the other's words, the server keeps both, no
 * page throws, and nobody's browser fetches anything for the stranger. Once through the
 * server, and once slipped into their pages directly, so the browser's own defence is proven
 * even when the server refuses such states before relaying them.
 */
import type { Page } from '@playwright/test';
import { ALICE, BOB, expect, test, type TandemPage } from './fixtures';
import {
  CARET_WITHOUT_POSITIONS,
  EVE_READING,
  openHostileViewer,
  relayWithHostilePresence,
  serverDocumentText,
  startBeacon,
  viewIdOf,
  type HostileRelay,
} from './support-hostile-presence';

/** Collects every uncaught exception a page throws. */
function pageErrorsOf(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Opens the room for `person` with a hostile relay in front of their page's sync socket. */
async function openBehindRelay(person: TandemPage, room: string): Promise<HostileRelay> {
  const relay = await relayWithHostilePresence(person.page);
  await person.openDocument(room);
  return relay;
}

/** Alice and Bob each add a sentence after the stranger came; both see, and the server keeps, all of it. */
async function keepCoEditing(alice: TandemPage, bob: TandemPage, baseURL: string, room: string, before: string) {
  await alice.placeCaret('end');
  await alice.typeInEditor(' Alice after Eve.');
  const afterAlice = `${before} Alice after Eve.`;
  await expect.poll(() => bob.documentText()).toBe(afterAlice);

  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob types now.');
  const afterBob = `${afterAlice} Bob types now.`;
  await expect.poll(() => alice.documentText()).toBe(afterBob);
  expect(await bob.documentText()).toBe(afterBob);

  // Real carets still work: each sees the other's, named.
  await expect(alice.caretLabel('Bob')).toBeVisible();
  await expect(bob.caretLabel('Alice')).toBeVisible();

  await expect(alice.saveStatus).toHaveText('Saved');
  await expect(bob.saveStatus).toHaveText('Saved');
  expect(await serverDocumentText(baseURL, room)).toBe(afterBob);
}

test('a reader sending a caret without positions through the server changes nothing for the editors', async ({
  openTogether,
  request,
  baseURL,
  room,
}) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const errors = [alice, bob].map((person) => pageErrorsOf(person.page));
  const before = 'Alice wrote this first.';
  await alice.placeCaret('end');
  await alice.typeInEditor(before);
  await expect.poll(() => bob.documentText()).toBe(before);

  // Eve, with only the view link, announces the broken caret (and keeps renewing it).
  const eve = await openHostileViewer(baseURL!, await viewIdOf(request, room), [CARET_WITHOUT_POSITIONS]);
  try {
    await keepCoEditing(alice, bob, baseURL!, room, before);
    // Whether the server relayed it or refused it, nobody sees the broken state as a person.
    await expect(alice.avatar('Mallory')).toHaveCount(0);
    await expect(bob.avatar('Mallory')).toHaveCount(0);
  } finally {
    eve.stop();
  }
  expect(errors.flat()).toEqual([]);
});

test('a caret without positions slipped into the editors\' pages never breaks their sync', async ({
  personAs,
  baseURL,
  room,
}) => {
  const alice = await personAs(ALICE);
  const bob = await personAs(BOB);
  const errors = [alice, bob].map((person) => pageErrorsOf(person.page));
  const relays = [await openBehindRelay(alice, room), await openBehindRelay(bob, room)];
  const before = 'Alice wrote this first.';
  await alice.placeCaret('end');
  await alice.typeInEditor(before);
  await expect.poll(() => bob.documentText()).toBe(before);

  // The broken caret arrives as if the server had relayed it, next to a well-formed reader.
  relays.forEach((relay) => relay.inject([CARET_WITHOUT_POSITIONS, EVE_READING]));
  try {
    for (const [index, person] of [alice, bob].entries()) {
      // The page has read the frame once it shows Eve (or once it threw on it).
      await expect.poll(async () => errors[index].length > 0 || (await person.avatar('Eve (viewing)').count()) > 0).toBe(true);
    }
    await keepCoEditing(alice, bob, baseURL!, room, before);
    for (const person of [alice, bob]) {
      // The broken state is nobody's avatar; the well-formed reader next to it is.
      await expect(person.avatar('Mallory')).toHaveCount(0);
      await expect(person.avatar('Eve (viewing)')).toBeVisible();
      // Nor did the page pass it on (stock providers echo what they receive): the server,
      // which closes whoever sends such a state, kept it connected.
      await expect(person.connection).toHaveText('Connected');
    }
  } finally {
    relays.forEach((relay) => relay.stop());
  }
  expect(errors.flat()).toEqual([]);
});

test('a presence colour that is really a web address never makes anyone\'s browser fetch it', async ({
  personAs,
  room,
}) => {
  const beacon = await startBeacon();
  const alice = await personAs(ALICE);
  const errors = pageErrorsOf(alice.page);
  const fetched: string[] = [];
  alice.page.on('request', (request) => {
    if (request.url().startsWith(beacon.url.split('?')[0])) fetched.push(request.url());
  });
  const relay = await openBehindRelay(alice, room);
  try {
    relay.inject([
      { clientId: 31339, state: { user: { name: 'Trudy', color: `url(${beacon.url})` } } },
      { clientId: 31340, state: { user: { name: 'Tracy', color: `#175cd3;background-image:url(${beacon.url})` } } },
      EVE_READING,
    ]);
    // Eve came in the same frame: once she is shown, the page has read the other two.
    await expect(alice.avatar('Eve (viewing)')).toBeVisible();
    const backgrounds = await alice.presence
      .locator('.avatar')
      .evaluateAll((avatars) => avatars.map((avatar) => getComputedStyle(avatar).backgroundImage));
    expect(backgrounds.filter((image) => image.includes('url('))).toEqual([]);
    expect(fetched).toEqual([]);
    expect(beacon.hits).toEqual([]);
    // Neither is shown at all: a state outside Tandem's presence schema is nobody.
    await expect(alice.avatar('Trudy')).toHaveCount(0);
    await expect(alice.avatar('Tracy')).toHaveCount(0);
    await expect(alice.connection).toHaveText('Connected');
  } finally {
    relay.stop();
    await beacon.close();
  }
  expect(errors).toEqual([]);
});
