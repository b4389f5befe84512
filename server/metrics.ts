/**
 * Prometheus metrics (`GET /metrics`). One registry per server instance, so several servers in
 * one process (tests) never share counters. Names follow Prometheus conventions (`_total`,
 * `_seconds`, `_bytes`).
 */
import client from 'prom-client';

/** Why a frame or connection was refused; the `reason` label of tandem_rejected_total. */
export type RejectionReason =
  | 'malformed'
  | 'invalid_update'
  | 'too_big'
  | 'rate_limited'
  | 'document_too_large'
  | 'read_only'
  | 'room_full'
  | 'server_busy'
  | 'handshake_timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'origin'
  | 'invalid_room'
  | 'unknown_view_link'
  | 'unknown_comment_link'
  // Presence that breaks Tandem's schema (closes the sender), or that names a client id
  // another connection owns, or more ids than one connection may hold (dropped).
  | 'invalid_presence'
  | 'foreign_presence'
  | 'presence_ids'
  // A presence clock no client reaches by counting: a jump past 2^20, or past 2^40 (dropped).
  | 'implausible_clock'
  // Document content the server refuses: under a root name Tandem does not use, nested too
  // deeply, past the struct cap, or depending on changes the server never received (dropped).
  | 'unknown_root'
  | 'too_deep'
  | 'too_many_structs'
  | 'unresolved_dependencies'
  // A new room was not loaded because the process is short of memory.
  | 'memory_pressure'
  // Flow control: a view or comment connection kept writing; a client sent more bytes per second than
  // its budget, or more sync step 1s; a reader fell too far behind; a message never finished.
  | 'read_only_writes'
  | 'byte_budget'
  | 'sync_step1_rate'
  | 'send_buffer_full'
  | 'message_timeout'
  // Presence too large: one state, or the room's total (dropped or refused).
  | 'presence_too_large'
  // Per-address caps (client address: TRUSTED_PROXIES), stalled HTTP connections, and
  // never-written rooms unloaded to make room under MAX_LOADED_ROOMS.
  | 'address_connections'
  | 'address_rooms'
  | 'http_connections'
  | 'http_idle'
  | 'idle_room_evicted'
  // Storage: the global quota or free-space floor, too many bytes queued unstored in the
  // process, or a room whose appends kept failing.
  | 'storage_full'
  | 'queued_bytes'
  | 'storage_unavailable'
  // A title past MAX_TITLE_LENGTH (closes the sender with 4400).
  | 'title_too_long'
  // Structs written with a Yjs client id another author holds (dropped; the rest is kept).
  | 'foreign_client_id'
  // A deleted room's id (or a link to it): connections closed and upgrades refused with 4404.
  | 'deleted_room';

export interface Metrics {
  readonly registry: client.Registry;
  readonly connectionsOpen: client.Gauge;
  readonly roomsLoaded: client.Gauge;
  readonly updatesReceived: client.Counter;
  readonly updatesSent: client.Counter;
  readonly awarenessReceived: client.Counter;
  readonly awarenessSent: client.Counter;
  readonly bytesReceived: client.Counter;
  readonly bytesSent: client.Counter;
  readonly rejected: client.Counter<'reason'>;
  readonly storageWriteSeconds: client.Histogram;
  /** Compactions that waited because another one (maybe on another instance) held the room. */
  readonly compactionLockWaits: client.Counter;
  /** Scale-out messages through Redis, by direction (published, received) and kind. */
  readonly relayed: client.Counter<'direction' | 'kind'>;
  /** Healing: missing changes sent to a peer instance, or applied from one. */
  readonly heals: client.Counter<'direction'>;
  /** Image uploads by result: stored, deduplicated, or the error code that refused them. */
  readonly imageUploads: client.Counter<'result'>;
}

/** Creates the metrics, plus Node's default ones (event-loop lag, memory, CPU, GC). */
export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string) => new client.Counter({ name, help, registers: [registry] });
  return {
    registry,
    connectionsOpen: new client.Gauge({ name: 'tandem_connections_open', help: 'Open WebSocket connections', registers: [registry] }),
    roomsLoaded: new client.Gauge({ name: 'tandem_rooms_loaded', help: 'Rooms held in memory', registers: [registry] }),
    updatesReceived: counter('tandem_updates_received_total', 'Document messages received (sync step 2 and update)'),
    updatesSent: counter('tandem_updates_sent_total', 'Document update frames sent to clients'),
    awarenessReceived: counter('tandem_awareness_received_total', 'Awareness messages received'),
    awarenessSent: counter('tandem_awareness_sent_total', 'Awareness frames sent to clients'),
    bytesReceived: counter('tandem_received_bytes_total', 'WebSocket payload bytes received'),
    bytesSent: counter('tandem_sent_bytes_total', 'WebSocket payload bytes sent'),
    rejected: new client.Counter({
      name: 'tandem_rejected_total',
      help: 'Frames, connections and upgrades refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    storageWriteSeconds: new client.Histogram({
      name: 'tandem_storage_write_seconds',
      help: 'Time to durably append one batch of updates',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    compactionLockWaits: counter(
      'tandem_compaction_lock_waits_total',
      'Compactions that waited for another compaction of the same room to finish',
    ),
    relayed: new client.Counter({
      name: 'tandem_scale_messages_total',
      help: 'Messages relayed between server instances through Redis, by direction and kind',
      labelNames: ['direction', 'kind'],
      registers: [registry],
    }),
    heals: new client.Counter({
      name: 'tandem_scale_heals_total',
      help: 'Healing: updates with missing changes sent to another instance or applied from one',
      labelNames: ['direction'],
      registers: [registry],
    }),
    imageUploads: new client.Counter({
      name: 'tandem_image_uploads_total',
      help: 'Image uploads, by result (stored, deduplicated, or the error code that refused them)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
