import { describe, expect, it } from 'vitest';
import { AddressTable, formatIpv6 } from '../../../../src/decode/ip/address-table.js';
import { ip6 } from '../link/frame-builders.js';

function fmt(s: string): string {
  const t = new AddressTable();
  return t.format(t.keyOf6(ip6(s), 0));
}

describe('AddressTable', () => {
  it('IPv4 keys are the uint32 value and format dotted', () => {
    const t = new AddressTable();
    const k = t.keyOf4(0xc0000201);
    expect(k).toBe(0xc0000201);
    expect(t.format(k)).toBe('192.0.2.1');
    expect(t.formatEndpoint(k, 5060)).toBe('192.0.2.1:5060');
  });

  it('interns IPv6 addresses: same bytes, same key >= 2^32, across many entries and rehashes', () => {
    const t = new AddressTable();
    const keys: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const b = ip6('2001:db8::');
      b.writeUInt32BE(i, 12);
      keys.push(t.keyOf6(b, 0));
    }
    expect(new Set(keys).size).toBe(1000);
    expect(Math.min(...keys)).toBe(2 ** 32);
    const again = ip6('2001:db8::');
    again.writeUInt32BE(777, 12);
    const framed = Buffer.concat([Buffer.alloc(3), again]);
    expect(t.keyOf6(framed, 3)).toBe(keys[777]);
    expect(t.size).toBe(1000);
    expect(t.format(keys[777] as number)).toBe('2001:db8::309');
    expect(t.formatEndpoint(keys[1] as number, 5060)).toBe('[2001:db8::1]:5060');
  });

  it('formats IPv6 as RFC 5952 section 4 says (and as Wireshark prints)', () => {
    expect(fmt('2001:4860:4864:6:0:0:0:81')).toBe('2001:4860:4864:6::81');
    expect(fmt('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // first of equal runs
    expect(fmt('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // a single 0 group stays
    expect(fmt('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1'); // the longest run wins
    expect(fmt('::')).toBe('::');
    expect(fmt('::1')).toBe('::1');
    expect(fmt('fe80::')).toBe('fe80::');
    expect(fmt('2001:DB8::ABCD')).toBe('2001:db8::abcd');
    expect(formatIpv6(0, 0, 0xffff, 0xc0000201)).toBe('::ffff:192.0.2.1');
  });
});
