/**
 * Playwright fixtures for Tandem's user stories: one browser context per person (two pages in
 * one context would sync over BroadcastChannel and prove nothing), a fresh room per test, and
 * a page object with intent-level methods.
 */
import { test as base, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { createRoomId } from '../lib/room-id';

export { expect };

export interface Person {
  name: string;
  color: string;
}

/** Well-known people with palette colours (see lib/identity.ts). */
export const ALICE: Person = { name: 'Alice', color: '#175cd3' };
export const BOB: Person = { name: 'Bob', color: '#b42318' };
export const CAROL: Person = { name: 'Carol', color: '#2f7a0c' };
/** Readers who come in through view links. */
export const VERA: Person = { name: 'Vera', color: '#6938ef' };
export const VICTOR: Person = { name: 'Victor', color: '#0e7090' };

/** The banner every view-only page shows. */
export const VIEW_ONLY_BANNER = 'View only — you can read along but not edit';

/** One person's view of Tandem in their own browser context. */
export class TandemPage {
  readonly editor: Locator;
  readonly connection: Locator;
  readonly saveStatus: Locator;
  readonly presence: Locator;
  readonly shareDialog: Locator;
  readonly viewOnlyBanner: Locator;

  constructor(readonly page: Page) {
    this.editor = page.getByRole('textbox', { name: 'Document' });
    this.connection = page.getByRole('status', { name: 'Connection' });
    this.saveStatus = page.getByRole('status', { name: 'Save status' });
    this.presence = page.getByRole('list', { name: 'People in this document' });
    this.shareDialog = page.getByRole('dialog', { name: 'Share this document' });
    this.viewOnlyBanner = page.getByRole('note').filter({ hasText: VIEW_ONLY_BANNER });
  }

  /** Opens a document and waits until it is connected and synced. */
  async openDocument(room: string): Promise<void> {
    await this.page.goto(`/d/${room}`);
    await expect(this.connection).toHaveText('Connected');
    await expect(this.editor).toBeVisible();
  }

  /** Opens a view link (as copied from the share dialog) and waits until it is connected. */
  async openViewLink(link: string): Promise<void> {
    await this.page.goto(link);
    await expect(this.viewOnlyBanner).toBeVisible();
    await expect(this.connection).toHaveText('Connected');
    await expect(this.editor).toBeVisible();
  }

  /** Opens the share dialog from the editor's header and returns it. */
  async openShareDialog(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Share', exact: true }).click();
    await expect(this.shareDialog).toBeVisible();
    return this.shareDialog;
  }

  /** The share dialog's view link field. */
  viewLinkField(): Locator {
    return this.shareDialog.getByRole('textbox', { name: 'View link' });
  }

  /** Reads the document's view link from the share dialog (opened and closed again). */
  async readViewLink(): Promise<string> {
    await this.openShareDialog();
    await expect(this.viewLinkField()).toHaveValue(/\/v\/[A-Za-z0-9_-]+$/);
    const link = await this.viewLinkField().inputValue();
    await this.shareDialog.getByRole('button', { name: 'Close' }).click();
    await expect(this.shareDialog).toBeHidden();
    return link;
  }

  /** Replaces the view link from the share dialog (confirming), closes it, returns the new link. */
  async createNewViewLink(): Promise<string> {
    const dialog = await this.openShareDialog();
    await expect(this.viewLinkField()).toHaveValue(/\/v\/[A-Za-z0-9_-]+$/);
    const previous = await this.viewLinkField().inputValue();
    await dialog.getByRole('button', { name: 'Create a new view link', exact: true }).click();
    await expect(dialog.getByRole('group')).toContainText('The current view link will stop working at once');
    await dialog.getByRole('button', { name: 'Yes, create a new view link' }).click();
    await expect(dialog.getByRole('status').filter({ hasText: 'New view link created' })).toBeVisible();
    await expect(this.viewLinkField()).not.toHaveValue(previous);
    const link = await this.viewLinkField().inputValue();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
    return link;
  }

  /** Clicks into the editor and moves the caret to the very end or start of the document. */
  async placeCaret(where: 'start' | 'end'): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press(where === 'end' ? 'Control+End' : 'Control+Home');
  }

  /** Types like a person, key by key. */
  async typeInEditor(text: string, delayMs = 25): Promise<void> {
    await this.page.keyboard.type(text, { delay: delayMs });
  }

  /** The document's text as a reader sees it, without remote caret labels. */
  async documentText(): Promise<string> {
    return this.editor.evaluate((element) => {
      const copy = element.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
      return Array.from(copy.children, (block) => block.textContent ?? '').join('\n');
    });
  }

  /** The caret label another person's caret shows here. */
  caretLabel(name: string): Locator {
    return this.page.locator('.collaboration-carets__label', { hasText: name });
  }
}

interface Fixtures {
  /** A fresh, unguessable room id for this test. */
  room: string;
  /** Opens a new browser context for `person` (their name and colour preset) and a page. */
  personAs: (person: Person) => Promise<TandemPage>;
  /** Each person in their own context, all with this test's room open, connected and synced. */
  openTogether: (...people: Person[]) => Promise<TandemPage[]>;
}

async function newContextFor(browser: Browser, person: Person): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript((identity) => {
    if (!window.localStorage.getItem('tandem:identity')) {
      window.localStorage.setItem('tandem:identity', JSON.stringify(identity));
    }
  }, person);
  return context;
}

export const test = base.extend<Fixtures>({
  room: async ({}, use) => {
    await use(createRoomId());
  },
  personAs: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (person) => {
      const context = await newContextFor(browser, person);
      contexts.push(context);
      return new TandemPage(await context.newPage());
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
  openTogether: async ({ personAs, room }, use) => {
    await use(async (...people) => {
      const pages: TandemPage[] = [];
      for (const person of people) {
        const page = await personAs(person);
        await page.openDocument(room);
        pages.push(page);
      }
      return pages;
    });
  },
});
