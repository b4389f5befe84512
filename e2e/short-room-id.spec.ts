/**
 * Open mode refuses new documents under short addresses (MIN_NEW_ROOM_ID_LENGTH, security
 * review L6: `/d/notes` is a guessable capability). Someone who types such an address must be
 * told so, not left on "Connecting…" while the sync server refuses every attempt.
 */
import { ALICE, expect, test } from './fixtures';

test('a short address says no document is stored there and offers a new one, instead of connecting for ever', async ({ personAs }) => {
  const alice = await personAs(ALICE);
  const { page } = alice;
  const shortId = `notes-${Math.random().toString(36).slice(2, 8)}`;
  await page.goto(`/d/${shortId}`);
  await expect(page.getByRole('heading', { name: 'No document here' })).toBeVisible();
  await expect(page.getByText('at least 16 characters')).toBeVisible();
  await expect(alice.editor).toHaveCount(0);
  await page.getByRole('link', { name: 'Start a new document' }).click();
  await expect(page).toHaveURL(/\/$|\/d\/[A-Za-z0-9_-]{22}$/);
});

test('a client cannot make the app show that notice for a real document', async ({ personAs, room, baseURL }) => {
  const response = await fetch(`${baseURL}/d/${room}`, { headers: { 'x-tandem-refused-new-room': '16' } });
  expect(await response.text()).not.toContain('No document here');
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
});
