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

/** One person's view of Tandem in their own browser context. */
export class TandemPage {
  readonly editor: Locator;
  readonly connection: Locator;
  readonly saveStatus: Locator;
  readonly presence: Locator;

  constructor(readonly page: Page) {
    this.editor = page.getByRole('textbox', { name: 'Document' });
    this.connection = page.getByRole('status', { name: 'Connection' });
    this.saveStatus = page.getByRole('status', { name: 'Save status' });
    this.presence = page.getByRole('list', { name: 'People in this document' });
  }

  /** Opens a document and waits until it is connected and synced. */
  async openDocument(room: string): Promise<void> {
    await this.page.goto(`/d/${room}`);
    await expect(this.connection).toHaveText('Connected');
    await expect(this.editor).toBeVisible();
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
});
