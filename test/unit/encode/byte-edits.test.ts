import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEdits, lineBreakAt } from '../../../src/encode/byte-edits.js';

describe('applyEdits', () => {
  it('replaces, inserts (in the order given at one offset) and removes, within [from, to)', () => {
    const buf = Buffer.from('0123456789');
    expect(applyEdits(buf, [{ start: 8, end: 9, bytes: 'X' }, { start: 2, end: 2, bytes: 'a' }, { start: 2, end: 2, bytes: 'b' }, { start: 2, end: 4, bytes: '' }], 1, 9).toString())
      .toBe('1ab4567X');
    expect(applyEdits(buf, [{ start: 0, end: 0, bytes: 'ä' }]).toString('utf8')).toBe('ä0123456789');
    expect(() => applyEdits(buf, [{ start: 2, end: 5, bytes: '' }, { start: 4, end: 6, bytes: '' }])).toThrow(RangeError);
    expect(() => applyEdits(buf, [{ start: 0, end: 1, bytes: '' }], 1)).toThrow(RangeError);
  });

  it('with no edits copies the range; with random disjoint edits keeps every byte between them', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
      const buf = Buffer.from(bytes);
      expect(applyEdits(buf, [])).toEqual(buf);
      const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
      // replace every second gap between cut points by its own bytes reversed: same length, known content
      const edits = [];
      for (let i = 0; i + 1 < points.length; i += 2) edits.push({ start: points[i]!, end: points[i + 1]!, bytes: Buffer.from(buf.subarray(points[i]!, points[i + 1]!)).reverse() });
      const out = applyEdits(buf, edits);
      let want = Buffer.from(buf);
      for (const e of edits) want = Buffer.concat([want.subarray(0, e.start), e.bytes, want.subarray(e.end)]);
      expect(out).toEqual(want);
    }));
  });

  it('lineBreakAt tells CRLF, LF, bare CR and none apart', () => {
    const b = Buffer.from('a\r\nb\nc\rd');
    expect([1, 4, 6, 7].map((i) => lineBreakAt(b, i))).toEqual([2, 1, 1, 0]);
  });
});
