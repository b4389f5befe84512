/**
 * A hostile participant for the presence stories: presence frames made by hand (states no
 * Tandem browser would ever publish), a raw view-link socket that sends them through the
 * server, a relay in front of one person's page that slips them in on the way from the server
 * (so the browser's own defence is tested even once the server refuses them), a raw reader of
 * what the server stored, and a beacon that counts fetches of a tracking URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIRequestContext, Page, WebSocketRoute } from '@playwright/test';
import * as Y from 'yjs';
import { viewLinkPath, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { MessageType, SYNC_PATH, SyncMessageType, VIEW_SYNC_PATH } from '../lib/protocol/sync-protocol';
import { eventually } from '../test/support/wait';
import { presenceFrame as awarenessEntriesFrame } from '../test/support/frames';
import { openRawPeer, type RawPeer } from '../test/support/raw-peer';

/** One awareness entry: whose presence, and the JSON the attacker chose for it. */
export interface PresenceEntry {
  clientId: number;
  state: Record<string, unknown>;
}

/** Finding C1: a caret with no positions in it, which @tiptap/y-tiptap cannot resolve. */
export const CARET_WITHOUT_POSITIONS: PresenceEntry = {
  clientId: 31337,
  state: { user: { name: 'Mallory', color: '#c11574' }, cursor: {} },
};

/** A well-formed reader next to the hostile entry: once the page shows her, it has read both. */
export const EVE_READING: PresenceEntry = {
  clientId: 31338,
  state: { user: { name: 'Eve', color: '#475467', viewing: true } },
};

/** Awareness drops a remote state it has not heard of for 30 s; the attacker renews every 10. */
const RENEW_INTERVAL_MS = 10_000;

/** An awareness frame carrying exactly `entries`, each at `clock`, encoded as y-protocols does. */
export function presenceFrame(entries: PresenceEntry[], clock: number): Uint8Array {
  return awarenessEntriesFrame(entries.map(({ clientId, state }) => ({ clientId, clock, state })));
}

/** Sends `entries` at once and again every RENEW_INTERVAL_MS (a higher clock each time); returns stop. */
function keepAnnouncing(entries: PresenceEntry[], send: (frame: Uint8Array) => void): () => void {
  let clock = 1;
  send(presenceFrame(entries, clock));
  const timer = setInterval(() => send(presenceFrame(entries, ++clock)), RENEW_INTERVAL_MS);
  return () => clearInterval(timer);
}

/** `http://host:port` → `ws://host:port`. */
function socketBase(baseURL: string): string {
  return baseURL.replace(/^http/, 'ws');
}

/** Whether a frame is the server's sync step 2 (its answer to our step 1). */
function isSyncStep2(frame: Uint8Array): boolean {
  return frame[0] === MessageType.SYNC && frame[1] === SyncMessageType.STEP2;
}

/** A raw view-link socket announcing hostile presence through the server. */
export interface HostileViewer {
  /** Whether the server closed the socket (it refused the presence). */
  closedByServer(): boolean;
  /** Stops renewing and closes the socket. */
  stop(): void;
}

/** The room's view id, as the share dialog fetches it. */
export async function viewIdOf(request: APIRequestContext, room: string): Promise<string> {
  const response = await request.get(viewLinkPath(room));
  if (!response.ok()) throw new Error(`view-link API answered ${response.status()}`);
  return ((await response.json()) as ViewLinkResponse).viewId;
}

/**
 * Connects to `/sync/view/<viewId>` like a reader and announces `entries` (renewing them).
 * Resolves once the server has handled the announcement: it answered a sync step 1 sent
 * after it (a connection's messages are handled in order), or it closed the socket.
 */
export async function openHostileViewer(baseURL: string, viewId: string, entries: PresenceEntry[]): Promise<HostileViewer> {
  const peer = await openRawPeer(`${socketBase(baseURL)}${VIEW_SYNC_PATH}/${viewId}`);
  const sendWhileOpen = (frame: Uint8Array) => {
    if (peer.closeCode === null) peer.send(frame);
  };
  const stopAnnouncing = keepAnnouncing(entries, sendWhileOpen);
  const answered = peer.frames.length;
  peer.requestDocument();
  await eventually(
    () => peer.closeCode !== null || peer.frames.slice(answered).some(isSyncStep2),
    'the server to handle the hostile presence',
  );
  return {
    closedByServer: () => peer.closeCode !== null,
    stop() {
      stopAnnouncing();
      peer.destroy();
    },
  };
}

/** The text of a Tandem document's fragment, one line per top-level block. */
function textOf(fragment: Y.XmlFragment): string {
  const walk = (node: Y.XmlElement | Y.XmlText | Y.XmlHook): string => {
    if (node instanceof Y.XmlText) {
      return (node.toDelta() as Array<{ insert: unknown }>).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
    }
    if (node instanceof Y.XmlElement) return node.toArray().map(walk).join('');
    return '';
  };
  return fragment.toArray().map(walk).join('\n');
}

/** What the server holds of `room` right now, read by a fresh raw client (sync step 1 → step 2). */
export async function serverDocumentText(baseURL: string, room: string): Promise<string> {
  let peer: RawPeer | null = null;
  try {
    peer = await openRawPeer(`${socketBase(baseURL)}${SYNC_PATH}/${room}`);
    const reader = peer;
    reader.requestDocument();
    await eventually(() => reader.frames.some(isSyncStep2), 'the server to send the document');
    // The editor binds TipTap's Collaboration extension to the fragment named "default".
    return textOf(reader.doc.getXmlFragment('default'));
  } finally {
    peer?.destroy();
  }
}

/** A relay in front of one page's sync socket that can slip presence in toward the page. */
export interface HostileRelay {
  /** Sends `entries` to the page as if the server relayed them, renewing them; until stop(). */
  inject(entries: PresenceEntry[]): void;
  /** Stops renewing. */
  stop(): void;
}

/**
 * Routes `page`'s sync sockets through Playwright to the real server (everything forwarded
 * both ways unchanged) and returns a handle to inject frames toward the page. Call before the
 * page opens the document.
 */
export async function relayWithHostilePresence(page: Page): Promise<HostileRelay> {
  const routes: WebSocketRoute[] = [];
  await page.routeWebSocket(
    (url) => url.pathname.startsWith(`${SYNC_PATH}/`),
    (route) => {
      route.connectToServer();
      routes.push(route);
    },
  );
  const stops: Array<() => void> = [];
  return {
    inject(entries) {
      // Only the newest socket is live: the provider opens a new one after each reconnect.
      stops.push(keepAnnouncing(entries, (frame) => routes.at(-1)?.send(Buffer.from(frame))));
    },
    stop() {
      stops.splice(0).forEach((stop) => stop());
    },
  };
}

/** A tracking pixel server: counts every request that reaches it. */
export interface Beacon {
  /** The URL a hostile colour points at. */
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/** Starts a beacon on a free local port. */
export async function startBeacon(): Promise<Beacon> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(request.url ?? '');
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/track.png?who=everyone`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
