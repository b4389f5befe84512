/**
 * The TCP sockets behind the HTTP server, before any request is read: a total cap
 * (MAX_HTTP_CONNECTIONS), a cap per client address (MAX_CONNECTIONS_PER_ADDRESS) for peers that
 * are not trusted proxies, and a deadline (HANDSHAKE_TIMEOUT_MS) for a socket to deliver a
 * whole request's headers or an upgrade, on its first request and between keep-alive requests
 * (measured from the first byte it may send, so dripping bytes does not extend it). Node's own
 * headersTimeout misses a socket that stalls or sends nothing; without these, a few thousand
 * such sockets use up the process's file descriptors.
 */
import type http from 'node:http';
import type net from 'node:net';
import type { ClientAddresses } from './client-address';
import type { Logger } from './log';
import type { Metrics } from './metrics';

export interface HttpSocketLimits {
  handshakeTimeoutMs: number;
  /** 0: no cap. */
  maxHttpConnections: number;
  /** 0: no cap. Behind a trusted proxy the sync server counts the forwarded address instead. */
  maxConnectionsPerAddress: number;
  addresses: ClientAddresses;
  metrics: Metrics;
  logger: Logger;
}

/** Shortest gap between two "refused" log lines of one kind: a flood must not flood the log. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Applies the caps and the request deadline to every socket `server` accepts. */
export function guardHttpSockets(server: http.Server, limits: HttpSocketLimits): void {
  const { metrics, addresses } = limits;
  const logRefusal = throttledWarn(limits.logger);
  if (limits.maxHttpConnections > 0) server.maxConnections = limits.maxHttpConnections;
  // Node closes a connection past maxConnections before any 'connection' event.
  server.on('drop', () => {
    metrics.rejected.inc({ reason: 'http_connections' });
    logRefusal('http_connections', 'MAX_HTTP_CONNECTIONS reached; refusing TCP connections');
  });

  const perAddress = new Map<string, number>();
  /** Requests a socket has in flight: while one is, the response governs, not the deadline. */
  const inFlight = new WeakMap<net.Socket, number>();
  const deadlines = new WeakMap<net.Socket, NodeJS.Timeout>();

  const startDeadline = (socket: net.Socket) => {
    const timer = setTimeout(() => {
      // After a long stall timers run before sockets are read: a request that arrived in time
      // may still be unread. Look again once this turn of the event loop has read them.
      setImmediate(() => {
        if (deadlines.get(socket) !== timer || socket.destroyed) return;
        metrics.rejected.inc({ reason: 'http_idle' });
        socket.destroy();
      });
    }, limits.handshakeTimeoutMs);
    timer.unref();
    deadlines.set(socket, timer);
  };
  const stopDeadline = (socket: net.Socket) => {
    clearTimeout(deadlines.get(socket));
    deadlines.delete(socket);
  };

  server.on('connection', (socket: net.Socket) => {
    const peer = socket.remoteAddress;
    if (limits.maxConnectionsPerAddress > 0 && !addresses.isTrustedProxy(peer)) {
      const key = addresses.peerKey(peer);
      const open = perAddress.get(key) ?? 0;
      if (open >= limits.maxConnectionsPerAddress) {
        metrics.rejected.inc({ reason: 'address_connections' });
        logRefusal('address_connections', 'an address holds MAX_CONNECTIONS_PER_ADDRESS connections; refusing more', { address: key });
        socket.destroy();
        return;
      }
      perAddress.set(key, open + 1);
      socket.once('close', () => {
        const left = (perAddress.get(key) ?? 1) - 1;
        if (left > 0) perAddress.set(key, left);
        else perAddress.delete(key);
      });
    }
    startDeadline(socket);
    socket.once('close', () => stopDeadline(socket));
  });

  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    stopDeadline(socket);
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      // Keep-alive: the next request must arrive whole in time too.
      if (left === 0 && !socket.destroyed) startDeadline(socket);
    });
  });
  // From here the upgrade handler and the sync server's own handshake timeout take over.
  server.on('upgrade', (request: http.IncomingMessage) => stopDeadline(request.socket));
}

function throttledWarn(logger: Logger) {
  const lastAt = new Map<string, number>();
  return (kind: string, message: string, fields: Record<string, unknown> = {}) => {
    const now = performance.now();
    if (now - (lastAt.get(kind) ?? -Infinity) < REFUSAL_LOG_INTERVAL_MS) return;
    lastAt.set(kind, now);
    logger.warn({ reason: kind, ...fields }, message);
  };
}
