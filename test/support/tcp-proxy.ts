/**
 * A TCP proxy on loopback for scale-out tests. With several targets it is a round-robin load
 * balancer without sticky sessions (a target that refuses is skipped, as a load balancer's
 * health check would); with one it stands between servers and Redis, and `cut()` drops every
 * connection through it and refuses new ones until `restore()`: a Redis outage for these
 * servers only, while other test files keep using the shared Redis. `blackhole()` is the
 * nastier partition: connections stay open and the kernel keeps ACKing what is sent, but
 * nothing is forwarded either way (a hung pooler, a failover behind NAT) until `resume()`,
 * which delivers everything held meanwhile, in order. New connections are accepted and held.
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
  /** Keeps every connection open but forwards nothing, either way, and holds new ones. */
  blackhole(): void;
  /** Forwards again, starting with what was held. */
  resume(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `targets` (round robin) on a free loopback port. */
export async function startTcpProxy(targets: TcpTarget[]): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let next = 0;
  let cut = false;
  let blackholed = false;
  /** Connected pairs, and clients waiting (blackholed) to be connected to a target. */
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const held: net.Socket[] = [];
  const flow = (pair: { client: net.Socket; upstream: net.Socket }) => {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
    pair.client.resume();
    pair.upstream.resume();
  };
  const stall = (pair: { client: net.Socket; upstream: net.Socket }) => {
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
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      const pair = { client, upstream };
      pairs.add(pair);
      client.once('close', () => pairs.delete(pair));
      if (blackholed) upstream.pause();
      else flow(pair);
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
    if (blackholed) held.push(client);
    else connectTo(client, 0);
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
      for (const pair of pairs) stall(pair);
    },
    resume() {
      blackholed = false;
      for (const pair of pairs) flow(pair);
      for (const client of held.splice(0)) if (!client.destroyed) connectTo(client, 0);
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
