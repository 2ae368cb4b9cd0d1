import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EndpointTable } from '../../../../src/decode/ip/endpoint-table.js';

/** endpoint keys as the pipeline makes them: addrKey * 65536 + port, IPv6 keys above 2^32 * 65536 */
const endpoint = fc.tuple(fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 2 ** 32, max: 2 ** 32 + 5000 })), fc.nat({ max: 0xffff }))
  .map(([addr, port]) => addr * 65536 + port);
const key3 = fc.tuple(endpoint, endpoint, fc.nat({ max: 0xffffffff }));

describe('EndpointTable', () => {
  it('finds what was stored through the scratch key and through get/set', () => {
    const t = new EndpointTable(16);
    t.key[0] = 0xc0a80001 * 65536 + 5004;
    t.key[1] = 0x0a000001 * 65536 + 40000;
    t.key[2] = 0xdeadbeef;
    expect(t.find()).toBe(-1);
    t.insert(7);
    expect(t.find()).toBe(7);
    expect(t.get(0xc0a80001 * 65536 + 5004, 0x0a000001 * 65536 + 40000, 0xdeadbeef)).toBe(7);
    expect(t.get(0xc0a80001 * 65536 + 5004, 0x0a000001 * 65536 + 40000, 0xdeadbeee)).toBe(-1);
    t.set(0xc0a80001 * 65536 + 5004, 0x0a000001 * 65536 + 40000, 0xdeadbeef, 9);
    expect(t.size).toBe(1);
    expect(t.find()).toBe(9);
  });

  it('keeps every key through growth (10 000 flows from a 16-slot start)', () => {
    const t = new EndpointTable(16);
    for (let i = 0; i < 10_000; i++) t.set(0x0a000000 * 65536 + i, 2 ** 48 + i * 2, i & 0xff, i);
    expect(t.size).toBe(10_000);
    let found = 0;
    for (let i = 0; i < 10_000; i++) if (t.get(0x0a000000 * 65536 + i, 2 ** 48 + i * 2, i & 0xff) === i) found++;
    expect(found).toBe(10_000);
  });

  it('behaves like a Map under random set/delete/get (backward-shift deletion keeps probe runs intact)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'get'), key3, fc.nat({ max: 1000 })), { maxLength: 400 }), (ops) => {
      const t = new EndpointTable(16);
      const m = new Map<string, number>();
      for (const [op, [a, b, c], v] of ops) {
        const k = `${a}/${b}/${c}`;
        if (op === 'set') {
          t.set(a, b, c, v);
          m.set(k, v);
        } else if (op === 'delete') {
          expect(t.delete(a, b, c)).toBe(m.delete(k));
        } else {
          expect(t.get(a, b, c)).toBe(m.get(k) ?? -1);
        }
      }
      expect(t.size).toBe(m.size);
      for (const [k, v] of m) {
        const [a, b, c] = k.split('/').map(Number) as [number, number, number];
        expect(t.get(a, b, c)).toBe(v);
      }
    }), { numRuns: 200 });
  });

  it('deletes from the middle of a collision run in a tiny table', () => {
    const t = new EndpointTable(16);
    for (let i = 0; i < 7; i++) t.set(i, 0, 0, i);
    for (let i = 0; i < 7; i += 2) expect(t.delete(i, 0, 0)).toBe(true);
    expect(t.delete(0, 0, 0)).toBe(false);
    for (let i = 0; i < 7; i++) expect(t.get(i, 0, 0)).toBe(i % 2 === 0 ? -1 : i);
  });
});
