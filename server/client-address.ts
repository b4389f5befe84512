/**
 * Who a connection comes from, for the per-address caps: the socket's peer address, unless the
 * peer is a trusted proxy (TRUSTED_PROXIES), in which case the proxy's forwarding header says
 * (CLIENT_ADDRESS_HEADER). A header from any other peer is never read: anyone can write one.
 * Addresses are normalised so that one host cannot mint fresh ones: an IPv4-mapped IPv6
 * address is its IPv4 address, and an IPv6 address counts as its /64 (what one subscriber or
 * one cloud VM gets).
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** TRUSTED_PROXIES keyword for 127.0.0.0/8 and ::1 (a proxy on the same host). */
export const LOOPBACK_KEYWORD = 'loopback';

/** The key a peer is counted under when it has no usable address (never seen on TCP). */
const UNKNOWN_ADDRESS = 'unknown';

/** Whether `entry` is a valid TRUSTED_PROXIES item: an IP, a CIDR block, or `loopback`. */
export function isValidProxyEntry(entry: string): boolean {
  return parseProxyEntry(entry) !== null;
}

/** Resolves client addresses under one TRUSTED_PROXIES / CLIENT_ADDRESS_HEADER setting. */
export class ClientAddresses {
  private readonly trusted = new net.BlockList();
  private readonly hasTrusted: boolean;
  private readonly header: string;

  /** `trustedProxies`: IPs, CIDR blocks or `loopback` (validated by config.ts); `header`: any case. */
  constructor(trustedProxies: string[], header: string) {
    for (const entry of trustedProxies) {
      const parsed = parseProxyEntry(entry);
      if (!parsed) throw new Error(`not an IP address or CIDR block: "${entry}"`);
      for (const block of parsed) {
        if (block.prefix === null) this.trusted.addAddress(block.address, block.family);
        else this.trusted.addSubnet(block.address, block.prefix, block.family);
      }
    }
    this.hasTrusted = trustedProxies.length > 0;
    this.header = header.toLowerCase();
  }

  /** Whether a socket's peer address is one of the trusted proxies. */
  isTrustedProxy(peerAddress: string | undefined): boolean {
    if (!this.hasTrusted || !peerAddress) return false;
    const address = unmapIPv4(stripZone(peerAddress));
    const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : null;
    return family !== null && this.trusted.check(address, family);
  }

  /** The key a directly connected peer is counted under (its normalised address). */
  peerKey(peerAddress: string | undefined): string {
    return peerAddress ? normalizeAddress(peerAddress) : UNKNOWN_ADDRESS;
  }

  /**
   * The normalised client address of a request. From a trusted proxy: the rightmost header
   * entry that is not itself a trusted proxy (every proxy appends the address it was reached
   * from, so entries to its left are the client's to invent). A proxy that sent no header, or
   * one whose entry is not an address, leaves the request counted under the proxy itself.
   */
  clientKey(request: IncomingMessage): string {
    const peer = request.socket.remoteAddress;
    if (!this.isTrustedProxy(peer)) return this.peerKey(peer);
    const value = request.headers[this.header];
    const entries = (Array.isArray(value) ? value.join(',') : (value ?? ''))
      .split(',')
      .map((entry) => hostOf(entry.trim()))
      .filter(Boolean);
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (net.isIP(entry) === 0) break;
      if (!this.isTrustedProxy(entry) || i === 0) return normalizeAddress(entry);
    }
    return this.peerKey(peer);
  }
}

/**
 * An address as the caps count it: IPv4 as is, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as its
 * IPv4 address, any other IPv6 address as its /64 (`2001:db8:1:2::/64`).
 */
export function normalizeAddress(address: string): string {
  const plain = unmapIPv4(stripZone(address));
  if (!net.isIPv6(plain)) return plain;
  const groups = expandIPv6(plain);
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

interface Block {
  address: string;
  prefix: number | null;
  family: 'ipv4' | 'ipv6';
}

function parseProxyEntry(raw: string): Block[] | null {
  const entry = raw.trim();
  if (entry === LOOPBACK_KEYWORD) {
    return [
      { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '::1', prefix: null, family: 'ipv6' },
    ];
  }
  const [address, prefixText, ...rest] = entry.split('/');
  const version = net.isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return [{ address, prefix: null, family }];
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= (version === 4 ? 32 : 128))) return null;
  return [{ address, prefix, family }];
}

/** `[v6]:port`, `v6`, `v4:port` or `v4` → the address alone (proxies write all of these). */
function hostOf(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return withPort ? withPort[1] : entry;
}

function stripZone(address: string): string {
  const zone = address.indexOf('%');
  return zone === -1 ? address : address.slice(0, zone);
}

/** `::ffff:1.2.3.4` (how a dual-stack socket reports an IPv4 peer) → `1.2.3.4`. */
function unmapIPv4(address: string): string {
  if (!net.isIPv6(address)) return address;
  const groups = expandIPv6(address);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (!mapped) return address;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/** The eight 16-bit groups of a valid IPv6 address (`::` and a trailing dotted quad expanded). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
