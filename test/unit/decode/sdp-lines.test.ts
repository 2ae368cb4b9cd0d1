/**
 * The line offsets parseSdp keeps (src/decode/sdp-lines.ts): every o=, c=, m= and a=rtcp line it read
 * points at that exact line of the input, in bytes for a Buffer (non-ASCII text before it included),
 * in UTF-16 indices for a string; `lines` covers the input without gaps; the values are unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSdp, type ParsedSessionDescription, type SdpLine } from '../../../src/decode/sdp.js';

const lines = [
  'v=0', 'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5', 's=Gespräch über SDP', 'c=IN IP4 224.2.17.12/127', 't=0 0',
  'm=audio 49170 RTP/AVP 0 101', 'c=IN IP4 192.0.2.7', 'a=rtcp:49175 IN IP4 192.0.2.8', 'a=rtpmap:101 telephone-event/8000',
  'm=video 51372 RTP/AVP 99', 'i=Kamera Ü', 'a=rtcp:51377', 'a=rtcp:51379', 'a=rtpmap:99 h263-1998/90000',
];

function parsed(body: Buffer | string): ParsedSessionDescription {
  const r = parseSdp(body);
  if (!r.ok) throw new Error(r.reason);
  return r.sdp;
}

/** the line's bytes are exactly `text`, and a line break (or the end) follows */
function pointsAt(buf: Buffer, l: SdpLine, text: string): void {
  expect(buf.toString('utf8', l.start, l.end)).toBe(text);
  expect(l.raw).toBe(text);
  const brk = buf.toString('latin1', l.end, l.next);
  expect(['\r\n', '\n', '\r', ''].includes(brk)).toBe(true);
}

describe('parseSdp line offsets', () => {
  for (const [name, eol] of [['CRLF', '\r\n'], ['LF', '\n']] as const) {
    it(`point at the o=, c=, m= and a=rtcp lines (${name}, non-ASCII before them)`, () => {
      const buf = Buffer.from(lines.join(eol) + eol, 'utf8');
      const sdp = parsed(buf);
      pointsAt(buf, sdp.source.origin, lines[1]!);
      expect(sdp.source.connections.map((l) => l.raw)).toEqual([lines[3]]);
      pointsAt(buf, sdp.source.connections[0]!, lines[3]!);
      const [audio, video] = sdp.media;
      pointsAt(buf, audio!.source.media, lines[5]!);
      pointsAt(buf, audio!.source.connections[0]!, lines[6]!);
      pointsAt(buf, audio!.source.rtcp[0]!, lines[7]!);
      expect(audio!.source.end).toBe(video!.source.media.start);
      pointsAt(buf, video!.source.media, lines[9]!);
      expect(video!.source.connections).toHaveLength(0);
      expect(video!.source.rtcp.map((l) => l.raw)).toEqual([lines[11], lines[12]]);
      for (const l of video!.source.rtcp) expect(buf.toString('utf8', l.start, l.end)).toBe(l.raw);
      expect(video!.source.end).toBe(buf.length);
      expect(sdp.source.end).toBe(buf.length);
      // the byte offset, not the character index: "ä", "ü" and "Ü" take two bytes each
      expect(sdp.source.connections[0]!.start).toBe(buf.indexOf('c=IN IP4 224'));
      expect(sdp.source.connections[0]!.start).toBeGreaterThan(lines.join(eol).indexOf('c=IN IP4 224'));
    });
  }

  it('are UTF-16 indices for a string', () => {
    const text = lines.join('\r\n');
    const sdp = parsed(text);
    const m = sdp.media[1]!.source.media;
    expect(text.slice(m.start, m.end)).toBe(lines[9]);
    expect(m.raw).toBe(lines[9]);
    const last = sdp.source.lines.at(-1)!;
    expect(last.raw).toBe(lines.at(-1));
    expect(last.next).toBe(last.end); // no final line break
  });

  it('lines covers every byte: each line starts where the previous one\'s break ends', () => {
    const buf = Buffer.from('\r\nv=0\r\no=- 1 1 IN IP4 192.0.2.1\n\ns=x\rc=IN IP4 192.0.2.1\r\n\r\nm=audio 1 RTP/AVP 0\r\n', 'utf8');
    const sdp = parsed(buf);
    const ls = sdp.source.lines;
    expect(ls.map((l) => l.raw)).toEqual(['', 'v=0', 'o=- 1 1 IN IP4 192.0.2.1', '', 's=x', 'c=IN IP4 192.0.2.1', '', 'm=audio 1 RTP/AVP 0']);
    expect(ls[0]!.start).toBe(0);
    for (let i = 1; i < ls.length; i++) expect(ls[i]!.start).toBe(ls[i - 1]!.next);
    expect(ls.at(-1)!.next).toBe(buf.length);
    pointsAt(buf, sdp.source.connections[0]!, 'c=IN IP4 192.0.2.1');
  });

  it('keep the line that gave the value: the last o= of the session, every c= (with unusable ones)', () => {
    const text = ['v=0', 'o=a 1 1 IN IP4 192.0.2.1', 'o=broken', 'o=b 2 2 IN IP4 192.0.2.2', 'c=IN IP4 12', 'c=IN IP4 192.0.2.3', 'c=OUT IP4 x',
      'm=audio 5004 RTP/AVP 0', 'o=c 3 3 IN IP4 192.0.2.9', 'a=rtcp:', 'a=rtcp-mux', 'a=rtcp:x'].join('\r\n');
    const sdp = parsed(text);
    expect(sdp.origin.username).toBe('b');
    expect(sdp.source.origin.raw).toBe('o=b 2 2 IN IP4 192.0.2.2');
    expect(sdp.source.connections.map((l) => l.raw)).toEqual(['c=IN IP4 12', 'c=IN IP4 192.0.2.3']);
    // the grammar (sdp-transform's) takes "a=rtcp:" and "a=rtcp:x" with an empty, unusable port; not a=rtcp-mux
    expect(sdp.media[0]!.source.rtcp.map((l) => l.raw)).toEqual(['a=rtcp:', 'a=rtcp:x']);
    expect(sdp.media[0]!.rtcpPort).toBeUndefined();
  });

  it('are not part of the value: not enumerable, not in JSON', () => {
    const sdp = parsed(lines.join('\r\n'));
    expect(Object.keys(sdp)).not.toContain('source');
    expect(Object.keys(sdp.media[0]!)).not.toContain('source');
    expect(JSON.stringify(sdp)).not.toContain('start');
  });

  it('a Buffer and its text give the same values, and every kept line is the bytes it names', () => {
    const piece = fc.constantFrom('v=0', 'o=ü 1 2 IN IP4 192.0.2.1', 's=Grüße', 'c=IN IP4 198.51.100.1', 'c=IN IP6 2001:db8::ä', 'm=audio 4000 RTP/AVP 0',
      'm=video 4002 RTP/AVP 96', 'a=rtcp:4001', 'a=rtcp:4003 IN IP4 192.0.2.9', 'a=sendonly', 'i=€', '', 'x');
    const body = fc.tuple(fc.array(piece, { maxLength: 16 }), fc.constantFrom('\r\n', '\n', '\r'), fc.boolean())
      .map(([ps, eol, tail]) => ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', ...ps].join(eol) + (tail ? eol : ''));
    fc.assert(fc.property(body, (text) => {
      const buf = Buffer.from(text, 'utf8');
      const a = parseSdp(buf);
      const b = parseSdp(text);
      expect(a).toEqual(b);
      if (!a.ok) return;
      const kept = [a.sdp.source.origin, ...a.sdp.source.connections,
        ...a.sdp.media.flatMap((m) => [m.source.media, ...m.source.connections, ...m.source.rtcp])];
      for (const l of kept) {
        expect(buf.toString('utf8', l.start, l.end)).toBe(l.raw);
        expect(/^[ocma]=/.test(l.raw)).toBe(true);
      }
      const ls = a.sdp.source.lines;
      expect(Buffer.concat(ls.map((l) => buf.subarray(l.start, l.next)))).toEqual(buf);
    }), { numRuns: 500 });
  });

  it('read a body with bytes that are not UTF-8 as its UTF-8 decode reads (the behaviour before offsets)', () => {
    const bytes = fc.array(fc.constantFrom(0xff, 0xc3, 0xa4, 0x80, 0xe2, 0x0d, 0x0a, 0x20, 0x61, 0x3d), { maxLength: 12 });
    fc.assert(fc.property(bytes, bytes, (a, b) => {
      const buf = Buffer.concat([Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n'), Buffer.from(a), Buffer.from('\r\nm=audio 5 RTP/AVP 0\r\nc=IN IP4 '), Buffer.from(b)]);
      expect(parseSdp(buf)).toEqual(parseSdp(buf.toString('utf8')));
    }), { numRuns: 500 });
    // a UTF-8 byte order mark before v=0 is leading white space, as \s reads U+FEFF
    expect(parseSdp(Buffer.from('\ufeffv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n', 'utf8')).ok).toBe(true);
  });
});
