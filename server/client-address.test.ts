/** Client addresses for the per-address caps: normalisation, trusted proxies, forwarded headers. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientAddresses, isValidProxyEntry, normalizeAddress } from './client-address';

function request(peer: string, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('normalizeAddress', () => {
  it('keeps IPv4 and unmaps IPv4-mapped IPv6', () => {
    expect(normalizeAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeAddress('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address as its /64, however it is written', () => {
    expect(normalizeAddress('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('2001:db8:1:2:3:4:5.6.7.8')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(normalizeAddress('::1')).toBe('0:0:0:0::/64');
    expect(normalizeAddress('2001:db8::')).toBe('2001:db8:0:0::/64');
  });
});

describe('isValidProxyEntry', () => {
  it.each(['10.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32', 'loopback', ' 192.168.0.0/16 '])('accepts %s', (entry) => {
    expect(isValidProxyEntry(entry)).toBe(true);
  });
  it.each(['', 'nginx', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/x', '300.0.0.1'])('refuses %s', (entry) => {
    expect(isValidProxyEntry(entry)).toBe(false);
  });
});

describe('ClientAddresses', () => {
  it('with no trusted proxy, counts every request under its peer and ignores the header', () => {
    const addresses = new ClientAddresses([], 'x-forwarded-for');
    expect(addresses.isTrustedProxy('127.0.0.1')).toBe(false);
    expect(addresses.clientKey(request('198.51.100.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe('198.51.100.1');
  });

  it('never reads the header from an untrusted peer', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8'], 'x-forwarded-for');
    expect(addresses.clientKey(request('198.51.100.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe('198.51.100.1');
    expect(addresses.clientKey(request('::ffff:198.51.100.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe('198.51.100.1');
  });

  it('takes the rightmost entry that is not a trusted proxy, so a client cannot prepend its own', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8', '::1'], 'X-Forwarded-For');
    // The client wrote "1.1.1.1"; nginx appended the address it was reached from.
    expect(addresses.clientKey(request('10.0.0.5', { 'x-forwarded-for': '1.1.1.1, 203.0.113.7' }))).toBe('203.0.113.7');
    // Two proxies: the inner one is trusted too.
    expect(addresses.clientKey(request('::1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.7, 10.1.2.3' }))).toBe('203.0.113.7');
    // Repeated headers, ports and brackets, IPv6 clients by /64.
    expect(addresses.clientKey(request('10.0.0.5', { 'x-forwarded-for': ['1.1.1.1', '[2001:db8:5:6::9]:4711'] }))).toBe('2001:db8:5:6::/64');
    expect(addresses.clientKey(request('10.0.0.5', { 'x-forwarded-for': '203.0.113.7:51000' }))).toBe('203.0.113.7');
    // Every entry a proxy: the leftmost is the client.
    expect(addresses.clientKey(request('10.0.0.5', { 'x-forwarded-for': '10.9.9.9, 10.0.0.4' }))).toBe('10.9.9.9');
  });

  it('counts a request under the proxy when the header is missing or its entry is no address', () => {
    const addresses = new ClientAddresses(['loopback'], 'x-real-ip');
    expect(addresses.isTrustedProxy('127.0.0.1')).toBe(true);
    expect(addresses.isTrustedProxy('127.8.0.1')).toBe(true);
    expect(addresses.isTrustedProxy('::ffff:127.0.0.1')).toBe(true);
    expect(addresses.isTrustedProxy('::1')).toBe(true);
    expect(addresses.isTrustedProxy('::2')).toBe(false);
    expect(addresses.clientKey(request('127.0.0.1'))).toBe('127.0.0.1');
    expect(addresses.clientKey(request('127.0.0.1', { 'x-real-ip': 'unknown' }))).toBe('127.0.0.1');
    expect(addresses.clientKey(request('127.0.0.1', { 'x-real-ip': '203.0.113.7' }))).toBe('203.0.113.7');
    // Only the configured header counts.
    expect(addresses.clientKey(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe('127.0.0.1');
  });
});
