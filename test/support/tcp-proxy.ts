/**
 * A TCP proxy on loopback for scale-out tests. With several targets it is a round-robin load
 * balancer without sticky sessions (a target that refuses is skipped, as a load balancer's
 * health check would); with one it stands between servers and Redis, and `cut()` drops every
 * connection through it and refuses new ones until `restore()`: a Redis outage for these
 * servers only, while other test files keep using the shared Redis. `blackhole()` is the
 * nastier partition: connections stay open and the kernel keeps ACKing what is sent, but
 * nothing is forwarded either way, and no error or FIN ever says so (a hung pooler, a
 * failover behind NAT). New connections are accepted and silent too. After `resume()` new
 * connections work again, while the silent ones stay silent for ever, as flows a failover
 * forgot do: only a client that notices (a timeout) and reconnects gets through.
 */
import net from 'node:net';

export interface TcpTarget {
  host: string;
  port: number;
}

export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /** Keeps every connection open but forwards nothing on it, either way, ever again; new ones too. */
  blackhole(): void;
  /** New connections are forwarded again (the silent ones stay silent). */
  resume(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  silent: boolean;
}

/** Starts a proxy to `targets` (round robin) on a free loopback port. */
export async function startTcpProxy(targets: TcpTarget[]): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let next = 0;
  let cut = false;
  let blackholed = false;
  const pairs = new Set<Pair>();
  // Unread bytes stay in the kernel's buffers, which keep ACKing until they are full.
  const silence = (pair: Pair) => {
    pair.silent = true;
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };

  const connectTo = (client: net.Socket, attempt: number) => {
    if (attempt >= targets.length) return client.destroy();
    const target = targets[next++ % targets.length];
    const upstream = net.connect(target.port, target.host);
    const refused = () => {
      upstream.destroy();
      connectTo(client, attempt + 1);
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      if (client.destroyed) return upstream.destroy();
      track(upstream);
      const pair: Pair = { client, upstream, silent: false };
      // A silent connection says nothing of the other end going away either.
      upstream.on('error', () => pair.silent || client.destroy());
      upstream.on('close', () => pair.silent || client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      client.once('close', () => pairs.delete(pair));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      if (blackholed) silence(pair);
      else pairs.add(pair);
    });
  };
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (cut) return client.destroy();
    track(client);
    client.on('error', () => client.destroy());
    // Accepted (the handshake completes) and then never answered.
    if (!blackholed) connectTo(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      cut = false;
    },
    blackhole() {
      blackholed = true;
      for (const pair of pairs) silence(pair);
      pairs.clear();
    },
    resume() {
      blackholed = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
