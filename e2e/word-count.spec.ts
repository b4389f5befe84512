/** User story: the status line counts words and characters, whoever is typing. */
import { ALICE, BOB, expect, test } from './fixtures';

test('the word and character count follows both people’s typing', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await expect(alice.statusLine).toContainText('0 words · 0 characters');

  await alice.placeCaret('end');
  await alice.typeInEditor('Hello brave world');
  await expect(alice.statusLine).toContainText('3 words · 17 characters');
  await expect(bob.statusLine).toContainText('3 words · 17 characters');

  await bob.placeCaret('end');
  await bob.typeInEditor(' again');
  await expect(bob.statusLine).toContainText('4 words · 23 characters');
  await expect(alice.statusLine).toContainText('4 words · 23 characters');

  // Not a live region: it must not be read out after every keystroke.
  await expect(alice.statusLine.locator('[aria-live]')).toHaveCount(0);
});
