/**
 * The admin command (`npm run admin`), run as its own process against the database of a real
 * running server, on SQLite and on PostgreSQL: rooms seeded by real clients through the server
 * are listed, exported, purged of old history and deleted. A deletion closes live clients with
 * 4404 within a second or two, and the room stays refused from then on (sync, HTTP API, view and
 * comment links), with nothing of it left in storage even after a client with a copy comes back;
 * with two instances on PostgreSQL and Redis, clients of both are closed. Errors are one line
 * and a non-zero exit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { commentLinkPath, viewLinkPath } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { CONTENT_FRAGMENT_NAME } from '../lib/protocol/document-schema';
import type { Version, VersionListResponse } from '../lib/protocol/history-api';
import { docWithParagraph, anchorOf } from '../server/testing/comment-text';
import { openStorage, type DocumentStorage } from '../server/storage';
import { runAdmin } from './support/admin-cli';
import { connectClient, openClient, uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, type Cluster } from './support/cluster';
import { commentId, openCommentPeer } from './support/comment-peer';
import { describeUnlessSkipped } from './support/describe-when';
import { updateFrame } from './support/frames';
import { HeadlessEditor } from './support/headless-editor';
import { rejectedTotal } from './support/metrics';
import { createTestSchema, POSTGRES_SKIP_REASON, TEST_DATABASE_URL, type TestSchema } from './support/postgres';
import { openRawPeer } from './support/raw-peer';
import { startServer, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { eventually, sleep } from './support/wait';

/** A document with something of every kind the exports must carry. */
const RICH_BODY = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Plan' }] },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Ship ' },
        { type: 'text', marks: [{ type: 'bold' }], text: 'fast' },
        { type: 'text', text: ' and ' },
        { type: 'text', marks: [{ type: 'link', attrs: { href: 'https://example.com' } }], text: 'read' },
        { type: 'text', text: '.' },
      ],
    },
    {
      type: 'bulletList',
      content: ['one', 'two'].map((text) => ({ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] })),
    },
  ],
};

/** Replaces the body of `client`'s doc with one paragraph of `text`, as an editor's typing would. */
function writeBody(client: Client, json: object, title?: string): void {
  new HeadlessEditor(client.doc).load(json);
  if (title !== undefined) client.doc.getText('title').insert(0, title);
}

/** When the command says it deleted the room ("deleted room <id> at <ISO time>"). */
const deletedAtOf = (stdout: string) => Date.parse(/ at (\S+);/.exec(stdout)![1]);

const paragraph = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/** The body text of a Y.Doc, paragraph by paragraph. */
function bodyText(doc: Y.Doc): string {
  return doc
    .getXmlFragment(CONTENT_FRAGMENT_NAME)
    .toArray()
    .map((node) => (node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : '')).join('') : ''))
    .join('\n');
}

interface Backend {
  name: string;
  skip: string | null;
  /** A fresh database for one server. */
  database(): Promise<{ url: string; drop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    skip: null,
    async database() {
      const url = tempDatabaseUrl();
      return { url, drop: async () => fs.rmSync(path.dirname(url.slice('sqlite:'.length)), { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: TEST_DATABASE_URL ? null : POSTGRES_SKIP_REASON,
    async database() {
      const schema: TestSchema = await createTestSchema('admin');
      return { url: schema.url, drop: () => schema.drop() };
    },
  },
];

for (const backend of BACKENDS) {
  describeUnlessSkipped(`npm run admin on ${backend.name}`, backend.skip, () => {
    let database: { url: string; drop(): Promise<void> };
    let server: ServerProcess;
    /** Reads what the server stored, as a second process would (closed after the suite). */
    let storage: DocumentStorage;
    const admin = (...args: string[]) => runAdmin(args, { DATABASE_URL: database.url });

    beforeAll(async () => {
      database = await backend.database();
      server = await startServer({ databaseUrl: database.url });
      storage = await openStorage(database.url);
    });
    afterAll(async () => {
      await storage.close();
      expect(await server.stop()).toBe(0);
      await database.drop();
    });

    /** A client in a fresh room that wrote `json` (and a title); resolves once the server stored it. */
    async function seed(label: string, json: object, title?: string): Promise<{ room: string; client: Client }> {
      const room = uniqueRoom(label);
      const client = await connectClient(server.syncUrl, room);
      onTestFinished(() => client.destroy());
      writeBody(client, json, title);
      await storedMatches(room, client.doc);
      return { room, client };
    }

    /** Waits until storage holds `doc`'s body and title for `room`. */
    async function storedMatches(room: string, doc: Y.Doc): Promise<void> {
      await eventually(async () => {
        const stored = new Y.Doc();
        for (const update of (await storage.load(room)).updates) Y.applyUpdate(stored, update);
        const same = bodyText(stored) === bodyText(doc) && stored.getText('title').toString() === doc.getText('title').toString();
        stored.destroy();
        return same;
      }, `${room} to be stored`);
    }

    async function nameVersion(room: string, name: string): Promise<Version> {
      const response = await fetch(`${server.httpUrl}/api/rooms/${room}/versions`, { method: 'POST', body: JSON.stringify({ name }) });
      expect(response.status).toBe(201);
      return ((await response.json()) as { version: Version }).version;
    }

    async function versions(room: string): Promise<Version[]> {
      const response = await fetch(`${server.httpUrl}/api/rooms/${room}/versions`);
      expect(response.status).toBe(200);
      return ((await response.json()) as VersionListResponse).versions;
    }

    /** The body text of a version, through the history API the panel uses. */
    async function versionText(room: string, id: string): Promise<string> {
      const response = await fetch(`${server.httpUrl}/api/rooms/${room}/versions/${id}/state`);
      expect(response.status).toBe(200);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
      return bodyText(doc);
    }

    it('rooms lists every room with its title, size, versions and last change, sorted by date, size or id', async () => {
      const small = await seed('small', paragraph('tiny'), 'Small one');
      const large = await seed('large', paragraph('x'.repeat(5_000)), 'Large one');
      await nameVersion(large.room, 'First draft');
      // A title only a raw client writes: control characters never reach the terminal.
      const odd = await seed('odd', paragraph('odd'), 'Evil\u001b[31m title');

      const listed = await admin('rooms', '--json');
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      const rooms = JSON.parse(listed.stdout) as { room: string; title: string; bytes: number; versions: number; lastChange: string | null }[];
      const byId = new Map(rooms.map((room) => [room.room, room]));
      expect(byId.get(small.room)).toMatchObject({ title: 'Small one', versions: 0 });
      expect(byId.get(large.room)).toMatchObject({ title: 'Large one', versions: 1 });
      expect(byId.get(large.room)!.bytes).toBeGreaterThan(5_000);
      expect(byId.get(small.room)!.bytes).toBeLessThan(byId.get(large.room)!.bytes);
      expect(Date.parse(byId.get(small.room)!.lastChange!)).toBeGreaterThan(Date.now() - 5 * 60_000);
      // Newest change first by default; the odd room was written last.
      expect(rooms[0].room).toBe(odd.room);

      const bySize = JSON.parse((await admin('rooms', '--json', '--sort', 'size')).stdout) as { room: string }[];
      expect(bySize[0].room).toBe(large.room);
      const byRoomId = JSON.parse((await admin('rooms', '--json', '--sort=id')).stdout) as { room: string }[];
      expect(byRoomId.map((room) => room.room)).toEqual([...byRoomId.map((room) => room.room)].sort());

      const table = await admin('rooms', '--sort', 'size');
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ROOM\s+TITLE\s+SIZE\s+VERSIONS\s+LAST CHANGE$/);
      expect(lines[1]).toContain(large.room);
      expect(lines[1]).toContain('Large one');
      expect(lines.find((line) => line.includes(odd.room))).toContain('Evil [31m title');
      expect(table.stdout).not.toContain('\u001b');
    });

    it('export writes Markdown, HTML and ProseMirror JSON with the editor schema, and the Yjs update itself', async () => {
      const { room, client } = await seed('export', RICH_BODY, 'Quarterly plan');

      const markdown = await admin('export', room);
      expect(markdown).toMatchObject({ code: 0, stderr: '' });
      expect(markdown.stdout).toBe('# Plan\n\nShip **fast** and [read](https://example.com).\n\n- one\n- two\n');

      const html = await admin('export', room, '--format', 'html');
      expect(html.code).toBe(0);
      expect(html.stdout).toContain('<title>Quarterly plan</title>');
      expect(html.stdout).toContain('<h1>Plan</h1><p>Ship <strong>fast</strong> and <a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com">read</a>.</p>');
      expect(html.stdout).toContain('<ul><li><p>one</p></li><li><p>two</p></li></ul>');

      const json = JSON.parse((await admin('export', room, '--format=json')).stdout) as { type: string; content: { type: string }[] };
      expect(json.type).toBe('doc');
      expect(json.content.map((node) => node.type)).toEqual(['heading', 'paragraph', 'bulletList']);

      // stdout is a pipe here, so the binary update may go there; with --out it goes to the file.
      const piped = await admin('export', room, '--format', 'yjs');
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-export-')), 'room.yjs');
      const written = await admin('export', room, '--format', 'yjs', '--out', file);
      expect(written.code).toBe(0);
      expect(written.stderr).toContain(`wrote ${room} as yjs to ${file}`);
      for (const bytes of [piped.stdoutBytes, fs.readFileSync(file)]) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, bytes);
        expect(bodyText(doc)).toBe(bodyText(client.doc));
        expect(doc.getText('title').toString()).toBe('Quarterly plan');
      }
    });

    it('purge-history --before keeps the document and the later versions; the newest older state becomes the oldest version', async () => {
      const { room, client } = await seed('purge', paragraph('first'));
      const first = await nameVersion(room, 'First');
      writeBody(client, paragraph('second'));
      await storedMatches(room, client.doc);
      const second = await nameVersion(room, 'Second');
      // The purge's date falls between the second version and the third.
      await sleep(20);
      const cutoff = new Date().toISOString();
      await sleep(20);
      writeBody(client, paragraph('third'));
      await storedMatches(room, client.doc);
      const third = await nameVersion(room, 'Third');
      expect((await versions(room)).map((version) => version.id)).toEqual([third.id, second.id, first.id]);

      const purged = await admin('purge-history', room, '--before', cutoff);
      expect(purged).toMatchObject({ code: 0, stderr: '' });
      expect(purged.stdout).toMatch(/^purged 2 versions, \d+ history segments and \d+ checkpoints of room /);
      const after = await versions(room);
      expect(after.map((version) => version.name)).toEqual(['Third', `History before ${cutoff.slice(0, 10)} purged`]);
      expect(await versionText(room, after[1].id)).toBe('second');
      expect(await versionText(room, third.id)).toBe('third');
      // The document itself is untouched, for the connected client and for a newcomer.
      const newcomer = await connectClient(server.syncUrl, room);
      onTestFinished(() => newcomer.destroy());
      expect(bodyText(newcomer.doc)).toBe('third');
      // History goes on after a purge: a new version materialises.
      writeBody(client, paragraph('fourth'));
      await storedMatches(room, client.doc);
      const fourth = await nameVersion(room, 'Fourth');
      expect(await versionText(room, fourth.id)).toBe('fourth');

      const all = await admin('purge-history', room);
      expect(all.code).toBe(0);
      const left = await versions(room);
      expect(left).toHaveLength(1);
      expect(left[0].name).toMatch(/^History purged on \d{4}-\d{2}-\d{2}$/);
      expect(await versionText(room, left[0].id)).toBe('fourth');
      expect(bodyText(client.doc)).toBe('fourth');

      const nothing = await admin('purge-history', room, '--before', '2001-01-01');
      expect(nothing).toMatchObject({ code: 0, stdout: `room ${room} has no version made before 2001-01-01T00:00:00.000Z\n` });
    });

    it('stats counts rooms, bytes, versions and comment threads, and says it reads storage only', async () => {
      const room = uniqueRoom('threads');
      const body = docWithParagraph('Text before the commented words after it.');
      const peer = await openCommentPeer(server.syncUrl, room, { author: 'a'.repeat(22) });
      onTestFinished(() => peer.destroy());
      peer.send(updateFrame(Y.encodeStateAsUpdate(body)));
      await peer.snapshot();
      const quote = { text: 'the commented words', prefix: 'before ', suffix: ' after' };
      for (let i = 0; i < 2; i++) {
        const create = { op: 'create', threadId: commentId('t'), commentId: commentId('c'), anchor: anchorOf(body, quote.text), quote, body: `thread ${i}` };
        expect(await peer.op(create)).toEqual({ ok: true });
      }
      const expected = await storage.listRooms();
      const stats = await admin('stats', '--json');
      expect(stats.code).toBe(0);
      const totals = JSON.parse(stats.stdout) as { rooms: number; bytes: number; versions: number; threads: number };
      expect(totals).toMatchObject({
        rooms: expected.length,
        versions: expected.reduce((sum, summary) => sum + summary.versions, 0),
        bytes: expected.reduce((sum, summary) => sum + summary.bytes, 0),
      });
      expect(totals.threads).toBeGreaterThanOrEqual(2);
      const text = await admin('stats');
      expect(text.stdout).toMatch(/^rooms\s+\d+$/m);
      expect(text.stdout).toContain('connections: not known here (this reads storage only');
    });

    it('delete closes live clients with 4404 at once, then refuses the room everywhere; a client that comes back with its copy stores nothing', async () => {
      const { room, client } = await seed('doomed', RICH_BODY, 'Doomed');
      const viewId = ((await (await fetch(`${server.httpUrl}${viewLinkPath(room)}`)).json()) as { viewId: string }).viewId;
      const commentLinkId = ((await (await fetch(`${server.httpUrl}${commentLinkPath(room)}`)).json()) as { commentId: string }).commentId;
      const editor = await openRawPeer(`${server.syncUrl}/${room}`);
      const viewer = await openRawPeer(`${server.syncUrl}/view/${viewId}`);
      const closedAt: number[] = [];
      for (const peer of [editor, viewer]) peer.socket.once('close', () => closedAt.push(Date.now()));
      const closedSince = (stdout: string) => Math.max(...closedAt) - deletedAtOf(stdout);
      onTestFinished(() => {
        editor.destroy();
        viewer.destroy();
      });
      editor.requestDocument();
      await eventually(() => editor.frames.length > 0, 'the editor to hear from the server');
      const refusedBefore = await rejectedTotal(server.httpUrl, 'deleted_room');

      const deleted = await admin('delete', room, '--yes');
      expect(deleted).toMatchObject({ code: 0, stderr: '' });
      expect(deleted.stdout).toMatch(new RegExp(`^deleted room ${room} at \\d{4}-`));
      const codes = await Promise.all([editor.closed(10_000), viewer.closed(10_000)]);
      expect(codes).toEqual([CloseCode.DOCUMENT_DELETED, CloseCode.DOCUMENT_DELETED]);
      // The stock client stops for good on a 44xx close: it never comes back by itself.
      await eventually(() => !client.provider.shouldConnect || !client.provider.wsconnected, 'the stock client to be closed');
      console.info(`[admin ${backend.name}] deletion committed → clients closed with 4404 within ${closedSince(deleted.stdout)} ms`);

      // Sync: a returning client (holding the whole document, as an offline copy would) is
      // closed with 4404 before anything it sends is read; so are the view and comment links.
      const returning = openClient(server.syncUrl, room);
      onTestFinished(() => returning.destroy());
      writeBody(returning, RICH_BODY, 'Doomed');
      await eventually(() => !returning.provider.shouldConnect, 'the returning client to be refused for good');
      for (const url of [`${server.syncUrl}/${room}`, `${server.syncUrl}/view/${viewId}`, `${server.syncUrl}/comment/${commentLinkId}`]) {
        const peer = await openRawPeer(url);
        peer.send(updateFrame(Y.encodeStateAsUpdate(client.doc)));
        expect(await peer.closed()).toBe(CloseCode.DOCUMENT_DELETED);
        peer.destroy();
      }
      expect(await rejectedTotal(server.httpUrl, 'deleted_room')).toBeGreaterThanOrEqual(refusedBefore + 6);
      // HTTP: every route naming the room or its links answers 410.
      for (const route of [`/api/rooms/${room}/versions`, viewLinkPath(room), commentLinkPath(room), `/api/views/${viewId}/versions`, `/api/comments/${commentLinkId}/versions`]) {
        const response = await fetch(`${server.httpUrl}${route}`);
        expect({ route, status: response.status, body: await response.json() }).toEqual({ route, status: 410, body: { error: 'this document was deleted' } });
      }
      // Storage: nothing of the room, after all of that.
      await sleep(1_500);
      expect(await storage.holdsRoom(room)).toBe(false);
      expect((await storage.listRooms()).some((summary) => summary.room === room)).toBe(false);
      expect(await storage.listVersions(room, { limit: 10 })).toEqual([]);
      expect(await storage.roomForViewId(viewId)).toBeNull();

      const again = await admin('delete', room, '--yes');
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`^tandem admin: room ${room} was deleted on \\d{4}-.*\\n$`));
    });

    it('refuses what it cannot do in one line with a non-zero exit (the argument mistakes are cli.test.ts\'s)', async () => {
      const { room } = await seed('errors', paragraph('kept'));
      const cases: [string[], Record<string, string | undefined>, number, RegExp][] = [
        [['export', 'no-such-room'], {}, 1, /^tandem admin: unknown room no-such-room: nothing is stored under that id/],
        [['frobnicate'], {}, 2, /^tandem admin: unknown command "frobnicate" \(see npm run admin -- --help\)\n$/],
        [['purge-history', room, '--before', '2026-02-30'], {}, 2, /--before must be a date like 2026-12-01/],
        [['delete', room], {}, 1, /refusing to delete without --yes: stdin is not a terminal/],
        [['rooms'], { DATABASE_URL: undefined }, 1, /^tandem admin: DATABASE_URL is not set/],
      ];
      const runs = await Promise.all(cases.map(([args, env]) => runAdmin(args, { DATABASE_URL: database.url, ...env })));
      for (const [index, [args, , code, message]] of cases.entries()) {
        const run = runs[index];
        expect({ args, code: run.code, lines: run.stderr.split('\n').length - 1, stdout: run.stdout }).toEqual({ args, code, lines: 1, stdout: '' });
        expect(run.stderr).toMatch(message);
      }
      // Nothing was deleted by the refused delete.
      expect(await storage.holdsRoom(room)).toBe(true);
    });
  });
}

describeUnlessSkipped('npm run admin delete with two instances on PostgreSQL and Redis', SCALE_SKIP_REASON, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('closes the clients of both instances with 4404 at once and refuses the room on both', async () => {
    const room = uniqueRoom('scaled');
    const first = await connectClient(cluster.instanceSyncUrl(0), room);
    onTestFinished(() => first.destroy());
    writeBody(first, paragraph('shared'));
    const second = await connectClient(cluster.instanceSyncUrl(1), room);
    onTestFinished(() => second.destroy());
    await eventually(() => bodyText(second.doc) === 'shared', 'the second instance to serve the text');
    const peers = await Promise.all([0, 1].map((i) => openRawPeer(`${cluster.instanceSyncUrl(i)}/${room}`)));
    onTestFinished(() => peers.forEach((peer) => peer.destroy()));

    const closedAt: number[] = [];
    for (const peer of peers) peer.socket.once('close', () => closedAt.push(Date.now()));
    const deleted = await runAdmin(['delete', room, '--yes'], { DATABASE_URL: cluster.schema.url, REDIS_URL: process.env.TEST_REDIS_URL });
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/announced to \d+ instances? through Redis/);
    const codes = await Promise.all(peers.map((peer) => peer.closed(10_000)));
    console.info(`[admin PostgreSQL+Redis] deletion committed → clients on both instances closed with 4404 within ${Math.max(...closedAt) - deletedAtOf(deleted.stdout)} ms`);
    expect(codes).toEqual([CloseCode.DOCUMENT_DELETED, CloseCode.DOCUMENT_DELETED]);
    for (const i of [0, 1]) {
      const again = await openRawPeer(`${cluster.instanceSyncUrl(i)}/${room}`);
      expect(await again.closed()).toBe(CloseCode.DOCUMENT_DELETED);
      again.destroy();
    }
    const storage = await openStorage(cluster.schema.url);
    try {
      await sleep(1_500);
      expect(await storage.holdsRoom(room)).toBe(false);
    } finally {
      await storage.close();
    }
  });
});
