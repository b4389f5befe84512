/**
 * Playwright fixtures for Tandem's user stories: one browser context per person (two pages in
 * one context would sync over BroadcastChannel and prove nothing), a fresh room per test, and
 * a page object with intent-level methods.
 */
import {
  test as base,
  expect,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Locator,
  type Page,
} from '@playwright/test';
import { IDENTITY_STORAGE_KEY } from '../lib/prefs/identity';
import { createRoomId } from '../lib/protocol/room-id';

export { expect };

export interface Person {
  name: string;
  color: string;
}

/** Well-known people with palette colours (see lib/prefs/identity.ts). */
export const ALICE: Person = { name: 'Alice', color: '#175cd3' };
export const BOB: Person = { name: 'Bob', color: '#b42318' };
export const CAROL: Person = { name: 'Carol', color: '#2f7a0c' };
/** Readers who come in through view links. */
export const VERA: Person = { name: 'Vera', color: '#6938ef' };
export const VICTOR: Person = { name: 'Victor', color: '#0e7090' };
/** Someone who comes in through the comment link. */
export const CARLA: Person = { name: 'Carla', color: '#c4320a' };

/** The banner every view-only page shows. */
export const VIEW_ONLY_BANNER = 'View only — you can read along but not edit';
/** The notice every comment page shows. */
export const COMMENT_NOTICE = 'You can comment — the text itself is read-only';

/** One person's view of Tandem in their own browser context. */
export class TandemPage {
  readonly editor: Locator;
  readonly connection: Locator;
  readonly saveStatus: Locator;
  readonly presence: Locator;
  readonly shareDialog: Locator;
  readonly viewOnlyBanner: Locator;
  readonly commentNotice: Locator;
  readonly title: Locator;
  readonly followStatus: Locator;
  readonly themeToggle: Locator;
  readonly statusLine: Locator;
  /** The phone's one header button, holding every other header control (hidden on wide screens). */
  readonly headerMenuButton: Locator;

  constructor(readonly page: Page) {
    this.editor = page.getByRole('textbox', { name: 'Document', exact: true });
    // Also while it sits in the phone's folded header menu.
    this.connection = page.getByRole('status', { name: 'Connection', includeHidden: true });
    this.saveStatus = page.getByRole('status', { name: 'Save status' });
    this.presence = page.getByRole('list', { name: 'People in this document' });
    this.shareDialog = page.getByRole('dialog', { name: 'Share this document' });
    this.viewOnlyBanner = page.getByRole('note').filter({ hasText: VIEW_ONLY_BANNER });
    this.commentNotice = page.getByRole('note').filter({ hasText: COMMENT_NOTICE });
    this.title = page.getByRole('textbox', { name: 'Document title' });
    this.followStatus = page.getByRole('status', { name: 'Following' });
    this.themeToggle = page.getByRole('group', { name: 'Theme' });
    this.statusLine = page.getByRole('contentinfo');
    this.headerMenuButton = page.getByRole('button', { name: 'Menu', exact: true });
  }

  /** On a phone, opens the header's menu (if it is not open) so its controls can be used; elsewhere nothing. */
  async openHeaderMenuIfFolded(): Promise<void> {
    if (!(await this.headerMenuButton.isVisible())) return;
    if ((await this.headerMenuButton.getAttribute('aria-expanded')) !== 'true') await this.headerMenuButton.click();
    await expect(this.headerMenuButton).toHaveAttribute('aria-expanded', 'true');
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

  /** Opens a comment link (as copied from the share dialog) and waits until it is connected. */
  async openCommentLink(link: string): Promise<void> {
    await this.page.goto(link);
    await expect(this.commentNotice).toBeVisible();
    await expect(this.connection).toHaveText('Connected');
    await expect(this.editor).toBeVisible();
  }

  /** Opens the share dialog from the editor's header and returns it. */
  async openShareDialog(): Promise<Locator> {
    await this.openHeaderMenuIfFolded();
    await this.page.getByRole('button', { name: 'Share', exact: true }).click();
    await expect(this.shareDialog).toBeVisible();
    return this.shareDialog;
  }

  /** The share dialog's view link field. */
  viewLinkField(): Locator {
    return this.shareDialog.getByRole('textbox', { name: 'View link' });
  }

  /** The share dialog's comment link field. */
  commentLinkField(): Locator {
    return this.shareDialog.getByRole('textbox', { name: 'Comment link' });
  }

  /** Reads the document's comment link from the share dialog (opened and closed again). */
  async readCommentLink(): Promise<string> {
    await this.openShareDialog();
    await expect(this.commentLinkField()).toHaveValue(/\/c\/[A-Za-z0-9_-]+$/);
    const link = await this.commentLinkField().inputValue();
    await this.shareDialog.getByRole('button', { name: 'Close' }).click();
    await expect(this.shareDialog).toBeHidden();
    return link;
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

  /** The document's text as a reader sees it, without remote caret labels: one line per block. */
  async documentText(): Promise<string> {
    return textWithoutCarets(this.editor, { blockPerLine: true });
  }

  /** The room id of the document this page shows (the last segment of `/d/<room>`). */
  roomId(): string {
    return new URL(this.page.url()).pathname.split('/').pop()!;
  }

  /** The caret label another person's caret shows here. */
  caretLabel(name: string): Locator {
    return this.page.locator('.collaboration-carets__label', { hasText: name });
  }

  /** Another person's caret (the zero-width element CollaborationCaret draws) in this page. */
  caretOf(name: string): Locator {
    return this.page.locator('.collaboration-carets__caret').filter({ has: this.caretLabel(name) });
  }

  /** A person's avatar in the presence stack (named in full, with ", idle" when idle). */
  avatar(name: string | RegExp): Locator {
    return this.presence.getByRole('button', { name });
  }

  /** Renames the document by typing into the title, as a person would. */
  async renameDocument(title: string): Promise<void> {
    await this.title.click();
    await this.title.press('Control+a');
    await this.page.keyboard.type(title, { delay: 15 });
  }

  /** Whether an element's box lies at least partly inside the visible viewport. */
  async isInViewport(locator: Locator): Promise<boolean> {
    return locator.evaluate((element) => {
      const box = element.getBoundingClientRect();
      return box.bottom > 0 && box.top < window.innerHeight && box.right > 0 && box.left < window.innerWidth;
    });
  }

  /** How far the page is scrolled down, in CSS pixels. */
  async scrollTop(): Promise<number> {
    return this.page.evaluate(() => window.scrollY);
  }
}

/**
 * An element's text as a reader sees it: without the names on other people's carets. With
 * `blockPerLine`, each child block (paragraph, heading, ...) is one line.
 */
export async function textWithoutCarets(locator: Locator, { blockPerLine = false } = {}): Promise<string> {
  return locator.evaluate((element, perLine) => {
    const copy = element.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
    return perLine ? Array.from(copy.children, (block) => block.textContent ?? '').join('\n') : (copy.textContent ?? '');
  }, blockPerLine);
}

interface Fixtures {
  /** A fresh, unguessable room id for this test. */
  room: string;
  /** Opens a new browser context for `person` (their name and colour preset) and a page. */
  personAs: (person: Person) => Promise<TandemPage>;
  /** Each person in their own context, all with this test's room open, connected and synced. */
  openTogether: (...people: Person[]) => Promise<TandemPage[]>;
}

async function newContextFor(browser: Browser, person: Person, options: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  // The init script runs in the page, so the key travels with it as an argument.
  await context.addInitScript(
    ({ key, identity }) => {
      if (!window.localStorage.getItem(key)) window.localStorage.setItem(key, JSON.stringify(identity));
    },
    { key: IDENTITY_STORAGE_KEY, identity: person },
  );
  return context;
}

export const test = base.extend<Fixtures>({
  room: async ({}, use) => {
    await use(createRoomId());
  },
  // Contexts made here honour test.use({ viewport, isMobile, hasTouch, colorScheme }), e.g. the phone run.
  personAs: async ({ browser, viewport, isMobile, hasTouch, colorScheme }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (person) => {
      const context = await newContextFor(browser, person, { viewport, isMobile, hasTouch, colorScheme });
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
