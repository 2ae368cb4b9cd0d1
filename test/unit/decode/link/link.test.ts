import { describe, expect, it } from 'vitest';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINK_NOT_IP, LINK_OK, LINK_TRUNCATED, LINK_UNSUPPORTED, LinkView } from '../../../../src/decode/link/link.js';
import { linkTypeName } from '../../../../src/capture/link-types.js';
import { eth, nullHdr, sll, sll2 } from './frame-builders.js';

const V4 = Buffer.from([0x45, 0, 0, 20]);
const V6 = Buffer.from([0x60, 0, 0, 0]);

function run(linkType: number, frame: Buffer): { st: number; v: LinkView } {
  const v = new LinkView();
  return { st: decodeLink(linkType, frame, 0, frame.length, v), v };
}

describe('decodeLink', () => {
  it('Ethernet II: IPv4 at 14, IPv6, ARP is not IP, 802.3 length field is not IP', () => {
    expect(run(1, eth(0x0800, V4))).toMatchObject({ st: LINK_OK, v: { etherType: ETHERTYPE_IPV4, offset: 14, vlan: -1 } });
    expect(run(1, eth(0x86dd, V6))).toMatchObject({ st: LINK_OK, v: { etherType: ETHERTYPE_IPV6, offset: 14 } });
    expect(run(1, eth(0x0806, Buffer.alloc(28))).st).toBe(LINK_NOT_IP);
    expect(run(1, eth(46, Buffer.alloc(46))).st).toBe(LINK_NOT_IP);
    expect(run(1, Buffer.alloc(13)).st).toBe(LINK_TRUNCATED);
  });

  it('802.1Q, 802.1ad and QinQ tags: offset past all tags, outermost VLAN id', () => {
    expect(run(1, eth(0x0800, V4, [[0x8100, 42]]))).toMatchObject({ st: LINK_OK, v: { offset: 18, vlan: 42 } });
    expect(run(1, eth(0x86dd, V6, [[0x88a8, 100], [0x8100, 7]]))).toMatchObject({ st: LINK_OK, v: { offset: 22, vlan: 100, etherType: ETHERTYPE_IPV6 } });
    expect(run(1, eth(0x0800, V4, [[0x9100, 5], [0x88a8, 6], [0x8100, 7]]))).toMatchObject({ st: LINK_OK, v: { offset: 26, vlan: 5 } });
    // a tag cut short
    expect(run(1, eth(0x8100, Buffer.alloc(2))).st).toBe(LINK_TRUNCATED);
  });

  it('Linux cooked SLL (protocol at 14) and SLL2 (protocol at 0)', () => {
    expect(run(113, sll(0x0800, V4))).toMatchObject({ st: LINK_OK, v: { offset: 16, etherType: ETHERTYPE_IPV4 } });
    expect(run(113, sll(0x8100, Buffer.concat([Buffer.from([0, 9, 0x86, 0xdd]), V6])))).toMatchObject({ st: LINK_OK, v: { offset: 20, vlan: 9 } });
    expect(run(276, sll2(0x86dd, V6))).toMatchObject({ st: LINK_OK, v: { offset: 20, etherType: ETHERTYPE_IPV6 } });
    expect(run(276, sll2(0x0806, Buffer.alloc(28))).st).toBe(LINK_NOT_IP);
    expect(run(113, Buffer.alloc(15)).st).toBe(LINK_TRUNCATED);
    expect(run(276, Buffer.alloc(19)).st).toBe(LINK_TRUNCATED);
  });

  it('raw IP: the version nibble decides (101, 12, 14); 228/229 are fixed', () => {
    for (const lt of [101, 12, 14]) {
      expect(run(lt, V4)).toMatchObject({ st: LINK_OK, v: { offset: 0, etherType: ETHERTYPE_IPV4 } });
      expect(run(lt, V6)).toMatchObject({ st: LINK_OK, v: { etherType: ETHERTYPE_IPV6 } });
      expect(run(lt, Buffer.from([0x50])).st).toBe(LINK_NOT_IP);
      expect(run(lt, Buffer.alloc(0)).st).toBe(LINK_TRUNCATED);
    }
    expect(run(228, V4).v.etherType).toBe(ETHERTYPE_IPV4);
    expect(run(229, V6).v.etherType).toBe(ETHERTYPE_IPV6);
  });

  it('BSD null: family in either byte order (2, 24, 28, 30); LOOP (108) in network order', () => {
    for (const le of [true, false]) {
      expect(run(0, nullHdr(2, V4, le))).toMatchObject({ st: LINK_OK, v: { offset: 4, etherType: ETHERTYPE_IPV4 } });
      for (const fam of [24, 28, 30]) {
        expect(run(0, nullHdr(fam, V6, le)).v.etherType).toBe(ETHERTYPE_IPV6);
      }
    }
    expect(run(0, nullHdr(7, V4)).st).toBe(LINK_NOT_IP);
    expect(run(108, nullHdr(2, V4, false)).st).toBe(LINK_OK);
    expect(run(108, nullHdr(24, V6, false)).v.etherType).toBe(ETHERTYPE_IPV6);
    expect(run(0, Buffer.alloc(3)).st).toBe(LINK_TRUNCATED);
  });

  it('unknown link types are unsupported; names come from the table', () => {
    expect(run(105, V4).st).toBe(LINK_UNSUPPORTED);
    expect([1, 0, 108, 101, 113, 276, 228, 229].map(linkTypeName)).toEqual([
      'Ethernet', 'BSD loopback', 'OpenBSD loopback', 'Raw IP', 'Linux cooked (SLL)', 'Linux cooked v2 (SLL2)', 'Raw IPv4', 'Raw IPv6',
    ]);
    expect(linkTypeName(12)).toContain('Raw IP');
    expect(linkTypeName(147)).toBe('LINKTYPE 147');
  });
});
