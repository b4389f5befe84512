/**
 * Seeds a room of a running Tandem app with automerge-paper as `versions` named versions,
 * through the real write path: one Node client, wired as the browser's editor is (a stock
 * WebsocketProvider with `ws`, SAVED acks watched by lib/client/save-tracker.ts, an author key
 * and a presence name), types the trace one keystroke per update into a Tandem-shaped document
 * (the body fragment `default` holding one paragraph, as test/support/paper-history.ts shapes
 * it), and after each of `versions` evenly spaced stretches waits until the server says all of
 * it is stored, then names a version with `POST /api/rooms/<room>/versions`.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SaveTracker } from '../../lib/client/save-tracker';
import { AUTHOR_PARAM } from '../../lib/protocol/author-id';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';
import { versionsPath, type Version, type VersionResponse } from '../../lib/protocol/history-api';
import { SAVED_ACKS_PARAM } from '../../lib/protocol/sync-protocol';
import { loadTrace } from '../../test/support/traces';
import { eventually } from '../../test/support/wait';

export const PAPER_AUTHOR = { name: 'Martin', color: '#d62728' } as const;

export interface PaperRoomOptions {
  /** The app's base URL, e.g. http://127.0.0.1:3000 (the sync server is on its `/sync`). */
  baseUrl: string;
  room: string;
  versions: number;
  /** 1-based version numbers (in the order they were made) whose body text to keep. */
  keepTextOf?: number[];
  /** Told after each version, for progress output. */
  onVersion?: (made: number) => void;
}

export interface PaperRoom {
  /** Oldest first, as the server answered each POST. */
  versions: Version[];
  /** The body's plain text at the versions asked for in `keepTextOf`, by version number. */
  texts: Map<number, string>;
  edits: number;
  /** The body's text at the end (the whole paper). */
  finalText: string;
  seconds: number;
}

/** How long one stretch (about 260 keystrokes) may take to be stored. */
const STORED_TIMEOUT_MS = 60_000;

export async function seedPaperRoom({ baseUrl, room, versions, keepTextOf = [], onVersion }: PaperRoomOptions): Promise<PaperRoom> {
  const started = performance.now();
  const { txns } = loadTrace('automerge-paper.json.gz');
  const authorKey = randomBytes(16).toString('base64url');
  const doc = new Y.Doc();
  const tracker = new SaveTracker();
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/sync`, room, doc, {
    params: { [SAVED_ACKS_PARAM]: '1', [AUTHOR_PARAM]: authorKey },
    WebSocketPolyfill: tracker.webSocketClass(WebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  // The server names the author after the connection's presence.
  provider.awareness.setLocalStateField('user', { ...PAPER_AUTHOR });
  tracker.attach(provider);
  try {
    await eventually(() => provider.synced, `the seeding client in ${room} to sync`);
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    doc.transact(() => {
      doc.getText('title').insert(0, 'automerge-paper');
      paragraph.insert(0, [text]);
      doc.getXmlFragment('default').insert(0, [paragraph]);
    });

    const made: Version[] = [];
    const texts = new Map<number, string>();
    const keep = new Set(keepTextOf);
    for (let version = 0; version < versions; version++) {
      const end = Math.floor(((version + 1) * txns.length) / versions);
      for (let index = Math.floor((version * txns.length) / versions); index < end; index++) {
        // One transaction per keystroke: the provider sends each as its own update, as typing does.
        doc.transact(() => {
          for (const [position, deleteCount, insertText] of txns[index].patches) {
            if (deleteCount) text.delete(position, deleteCount);
            if (insertText) text.insert(position, insertText);
          }
        });
      }
      // A named version holds what the server has stored when it is asked: wait for the acks.
      await eventually(() => tracker.getState().kind === 'saved', `the server to store stretch ${version + 1}`, STORED_TIMEOUT_MS, 2);
      made.push(await nameVersion(baseUrl, room, `Paper ${version + 1}`, authorKey));
      if (keep.has(version + 1)) texts.set(version + 1, text.toString());
      onVersion?.(version + 1);
    }
    return { versions: made, texts, edits: txns.length, finalText: text.toString(), seconds: (performance.now() - started) / 1000 };
  } finally {
    tracker.detach();
    provider.destroy();
    doc.destroy();
  }
}

async function nameVersion(baseUrl: string, room: string, name: string, authorKey: string): Promise<Version> {
  const response = await fetch(`${baseUrl}${versionsPath({ room })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, authorKey, authorName: PAPER_AUTHOR.name, authorColor: PAPER_AUTHOR.color }),
  });
  if (response.status !== 201) throw new Error(`naming version “${name}” answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as VersionResponse).version;
}

/** automerge-paper's final text, one paragraph per line (about 100k characters, 1,500 paragraphs with the empty ones). */
export function paperParagraphs(): string[] {
  return loadTrace('automerge-paper.json.gz').endContent.split('\n');
}

/** One Y update writing `title` and a body of `paragraphs` into an empty Tandem document, as an editor's first sync would. */
export function bodyUpdate(title: string, paragraphs: string[]): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    doc.getText('title').insert(0, title);
    doc.getXmlFragment(CONTENT_FRAGMENT_NAME).insert(
      0,
      paragraphs.map((value) => {
        const paragraph = new Y.XmlElement('paragraph');
        if (value) paragraph.insert(0, [new Y.XmlText(value)]);
        return paragraph;
      }),
    );
  });
  return Y.encodeStateAsUpdate(doc);
}
