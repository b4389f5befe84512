/**
 * User stories: the share dialog. Both links go to the clipboard with a visible "Copied", it
 * works from the keyboard alone, Escape closes it, and changing your mind about a new view
 * link changes nothing.
 */
import { ALICE, expect, test } from './fixtures';

test('the copy buttons put the edit and view links on the clipboard, and Escape closes the dialog', async ({
  personAs,
  room,
  baseURL,
}) => {
  const alice = await personAs(ALICE);
  await alice.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await alice.openDocument(room);
  const clipboard = () => alice.page.evaluate(() => navigator.clipboard.readText());

  const dialog = await alice.openShareDialog();
  await expect(dialog.getByRole('heading', { name: 'Share this document' })).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Edit link' })).toHaveValue(`${baseURL}/d/${room}`);

  await dialog.getByRole('button', { name: 'Copy edit link' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Copied' })).toHaveCount(1);
  expect(await clipboard()).toBe(`${baseURL}/d/${room}`);

  await expect(alice.viewLinkField()).toHaveValue(new RegExp(`^${baseURL}/v/[A-Za-z0-9_-]{22}$`));
  const viewLink = await alice.viewLinkField().inputValue();
  expect(viewLink).not.toContain(room);
  await dialog.getByRole('button', { name: 'Copy view link' }).click();
  await expect.poll(clipboard).toBe(viewLink);

  await alice.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // Focus goes back to where it was: the Share button.
  await expect(alice.page.getByRole('button', { name: 'Share', exact: true })).toBeFocused();

  // Reopening shows the same view link: looking at it does not replace it.
  await alice.openShareDialog();
  await expect(alice.viewLinkField()).toHaveValue(viewLink);
});

test('the share dialog works from the keyboard, and cancelling a new view link keeps the old one', async ({
  personAs,
  room,
  baseURL,
}) => {
  const alice = await personAs(ALICE);
  await alice.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await alice.openDocument(room);
  const keyboard = alice.page.keyboard;

  const share = alice.page.getByRole('button', { name: 'Share', exact: true });
  await share.focus();
  await keyboard.press('Enter');
  const dialog = alice.shareDialog;
  await expect(dialog).toBeVisible();
  await expect(alice.viewLinkField()).toHaveValue(/\/v\/[A-Za-z0-9_-]{22}$/);
  const viewLink = await alice.viewLinkField().inputValue();

  // Tab stays inside the modal dialog, reaching each control by its name.
  const copyEdit = dialog.getByRole('button', { name: 'Copy edit link' });
  for (let i = 0; i < 10 && !(await copyEdit.evaluate((element) => element === document.activeElement)); i++) {
    await keyboard.press('Tab');
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  }
  await expect(copyEdit).toBeFocused();
  await keyboard.press('Enter');
  await expect.poll(() => alice.page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/d/${room}`);

  // Asking for a new view link explains the consequence first; Cancel has the focus.
  const create = dialog.getByRole('button', { name: 'Create a new view link', exact: true });
  await create.focus();
  await keyboard.press('Enter');
  await expect(create).toHaveAttribute('aria-expanded', 'true');
  await expect(dialog.getByRole('group')).toContainText('anyone reading through it will be disconnected');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await keyboard.press('Enter');
  await expect(dialog.getByRole('group')).toHaveCount(0);
  await expect(create).toBeFocused();
  await expect(alice.viewLinkField()).toHaveValue(viewLink);

  // The Close button closes it too.
  await dialog.getByRole('button', { name: 'Close' }).focus();
  await keyboard.press('Enter');
  await expect(dialog).toBeHidden();
});
