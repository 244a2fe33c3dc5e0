import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinnedAgent } from '../../src/attachments/create-pinned-agent.js';
import {
  classifyAddress,
  parsePrivateNetworkPolicy,
  refusedAddressKind,
} from '../../src/attachments/guard-network-address.js';
import {
  isInIpRange,
  parseIpAddress,
  parseIpRange,
} from '../../src/attachments/parse-ip-address.js';
import { startHttpServer, type TestServer } from './servers.js';

function bytes(address: string): Uint8Array {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) throw new Error(`not an address: ${address}`);
  return parsed;
}

describe('parseIpAddress', () => {
  it.each([
    ['1.2.3.4', [1, 2, 3, 4]],
    ['255.255.255.255', [255, 255, 255, 255]],
  ])('reads IPv4 %s', (text, expected) => {
    expect([...bytes(text)]).toEqual(expected);
  });

  it.each([
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['2001:db8::8a2e:370:7334', '20010db80000000000008a2e03707334'],
    ['::ffff:127.0.0.1', '00000000000000000000ffff7f000001'],
    ['[fe80::1]', 'fe800000000000000000000000000001'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1::', '00010000000000000000000000000000'],
  ])('reads IPv6 %s', (text, hex) => {
    expect(Buffer.from(bytes(text)).toString('hex')).toBe(hex);
  });

  it.each(['example.com', '127.1', '0x7f.0.0.1', '0177.0.0.1', '1.2.3.4.5', ':::', '', '[::1'])(
    'refuses %s',
    (text) => {
      expect(parseIpAddress(text)).toBeUndefined();
    },
  );
});

describe('parseIpRange and isInIpRange', () => {
  it('matches by prefix bits, not by text', () => {
    const range = parseIpRange('100.64.0.0/10');
    if (range === undefined) throw new Error('unparsed');
    expect(isInIpRange(bytes('100.127.255.255'), range)).toBe(true);
    expect(isInIpRange(bytes('100.128.0.0'), range)).toBe(false);
    expect(isInIpRange(bytes('::ffff:100.64.0.1'), range)).toBe(false);
  });

  it('treats a bare address as a range of one', () => {
    expect(parseIpRange('10.1.2.3')).toEqual({ bytes: bytes('10.1.2.3'), prefix: 32 });
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'host/8'])('refuses %s', (text) => {
    expect(parseIpRange(text)).toBeUndefined();
  });
});

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.20.30.40', 'private'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['100.127.255.254', 'carrier-grade-nat'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.168.0.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b:1::1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['2002:7f00:1::', 'reserved'],
    ['100::1', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(bytes(address))).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '64:ff9b::808:808',
    '::ffff:93.184.216.34',
  ])('%s is public', (address) => {
    expect(classifyAddress(bytes(address))).toBeUndefined();
  });
});

describe('refusedAddressKind', () => {
  const ranges = parsePrivateNetworkPolicy(['127.0.0.1', '192.168.7.0/24']);

  it('refuses every non-public address by default', () => {
    expect(refusedAddressKind(bytes('127.0.0.1'), false)).toBe('loopback');
    expect(refusedAddressKind(bytes('8.8.8.8'), false)).toBeUndefined();
  });

  it('allows private addresses with true, but never unspecified, multicast or broadcast', () => {
    expect(refusedAddressKind(bytes('10.0.0.1'), true)).toBeUndefined();
    expect(refusedAddressKind(bytes('::ffff:127.0.0.1'), true)).toBeUndefined();
    expect(refusedAddressKind(bytes('0.0.0.0'), true)).toBe('unspecified');
    expect(refusedAddressKind(bytes('::'), true)).toBe('unspecified');
    expect(refusedAddressKind(bytes('224.0.0.1'), true)).toBe('multicast');
    expect(refusedAddressKind(bytes('255.255.255.255'), true)).toBe('broadcast');
  });

  it('never allows those kinds written as IPv4-mapped IPv6 either', () => {
    const mappedRange = parsePrivateNetworkPolicy(['::ffff:0:0/96']);
    for (const policy of [true, mappedRange]) {
      expect(refusedAddressKind(bytes('::ffff:0.0.0.0'), policy)).toBe('unspecified');
      expect(refusedAddressKind(bytes('::ffff:224.0.0.1'), policy)).toBe('multicast');
      expect(refusedAddressKind(bytes('::ffff:255.255.255.255'), policy)).toBe('broadcast');
      expect(refusedAddressKind(bytes('::ffff:10.0.0.1'), policy)).toBeUndefined();
    }
  });

  it('allows only the listed addresses and ranges with a list', () => {
    expect(refusedAddressKind(bytes('127.0.0.1'), ranges)).toBeUndefined();
    expect(refusedAddressKind(bytes('192.168.7.200'), ranges)).toBeUndefined();
    expect(refusedAddressKind(bytes('127.0.0.2'), ranges)).toBe('loopback');
    expect(refusedAddressKind(bytes('192.168.8.1'), ranges)).toBe('private');
    // The IPv4-mapped form of a listed address reaches that address, and only it.
    expect(refusedAddressKind(bytes('::ffff:127.0.0.1'), ranges)).toBeUndefined();
    expect(refusedAddressKind(bytes('::ffff:127.0.0.2'), ranges)).toBe('loopback');
    expect(refusedAddressKind(bytes('8.8.8.8'), ranges)).toBeUndefined();
  });
});

describe('parsePrivateNetworkPolicy', () => {
  it('reads booleans and defaults to false', () => {
    expect(parsePrivateNetworkPolicy(undefined)).toBe(false);
    expect(parsePrivateNetworkPolicy(true)).toBe(true);
  });

  it.each([['yes'], [[42]], [['10.0.0.0/40']], [['intranet.local']]])(
    'refuses %j with CONFIG_INVALID',
    (value) => {
      expect(() => parsePrivateNetworkPolicy(value)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    },
  );
});

describe('WHATWG URL parsing of numeric hosts', () => {
  // The guard relies on this normalisation to see every IPv4 form as dotted decimal.
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', '[::ffff:7f00:1]'],
  ])('%s has host %s', (url, host) => {
    const { hostname } = new URL(url);
    expect(hostname).toBe(host);
    expect(parseIpAddress(hostname)).toBeDefined();
  });
});

describe('createPinnedAgent', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startHttpServer((incoming, response) => response.end(incoming.headers.host));
  });
  afterAll(() => server.close());

  it('connects a pinned name to its pinned address', async () => {
    const agent = createPinnedAgent(
      new Map([['pinned.test', [{ address: '127.0.0.1', family: 4 }]]]),
      {
        connectMs: 1000,
        totalMs: 1000,
      },
    );
    try {
      const response = await request(`http://pinned.test:${server.port}/`, { dispatcher: agent });
      expect(await response.body.text()).toBe(`pinned.test:${server.port}`);
    } finally {
      await agent.destroy();
    }
  });

  it('does not resolve a name that was not pinned', async () => {
    const agent = createPinnedAgent(new Map(), { connectMs: 1000, totalMs: 1000 });
    try {
      await expect(
        request(`http://localhost:${server.port}/`, { dispatcher: agent }),
      ).rejects.toMatchObject({ code: 'ENOTFOUND' });
    } finally {
      await agent.destroy();
    }
  });
});
