/**
 * The SDP rewrite against parseSdp: no rewrite gives the same bytes; a rewrite reads back with the
 * new values while every line it was not asked to change stays byte-identical, with CRLF, LF and
 * mixed line breaks, several media sections, a=rtcp with and without an address, non-ASCII text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSdp, type ParsedSessionDescription } from '../../../src/decode/sdp.js';
import { rewriteSdp, type SdpRewrite } from '../../../src/encode/sdp-rewrite.js';

function parsed(buf: Buffer): ParsedSessionDescription {
  const r = parseSdp(buf);
  if (!r.ok) throw new Error(r.reason);
  return r.sdp;
}

const LINES = [
  'v=0', 'o=alice 2890844526 2890844527 IN IP4 192.0.2.10', 's=Gespräch', 'c=IN IP4 192.0.2.10', 't=0 0',
  'm=audio 49170 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=rtcp:49171', 'a=sendrecv',
  'm=video 51372 RTP/AVP 99', 'c=IN IP4 192.0.2.11/127', 'a=rtcp:51373 IN IP4 192.0.2.12', 'a=rtpmap:99 h263-1998/90000',
  'm=audio 0 RTP/AVP 8',
];
const sdpOf = (eol: string): Buffer => Buffer.from(LINES.join(eol) + eol, 'utf8');

/** lines of the two buffers that differ, as [before, after] (same line count expected) */
function changed(a: Buffer, b: Buffer): Array<[string, string]> {
  const la = parsed(a).source.lines.map((l) => a.subarray(l.start, l.next).toString('utf8'));
  const lb = parsed(b).source.lines.map((l) => b.subarray(l.start, l.next).toString('utf8'));
  expect(lb.length).toBe(la.length);
  return la.flatMap((l, i) => (l === lb[i] ? [] : [[l, lb[i]!] as [string, string]]));
}

describe('rewriteSdp', () => {
  for (const [name, eol] of [['CRLF', '\r\n'], ['LF', '\n']] as const) {
    it(`with nothing to do gives the same bytes (${name})`, () => {
      const buf = sdpOf(eol);
      expect(rewriteSdp(buf, parsed(buf), {})).toEqual(buf);
      expect(rewriteSdp(buf, parsed(buf), { media: [{}, undefined, {}] })).toEqual(buf);
    });

    it(`rewrites c= (both levels), o=, m= ports and a=rtcp, and nothing else (${name})`, () => {
      const buf = sdpOf(eol);
      const rw: SdpRewrite = {
        origin: { address: '2001:db8::1', version: 'bump' },
        connection: { address: '203.0.113.5' },
        media: [{ port: 30000, rtcp: { port: 30001, address: '203.0.113.5' } }, { port: 30002, connection: { address: '203.0.113.6' }, rtcp: { port: 30003 } }],
      };
      const out = rewriteSdp(buf, parsed(buf), rw);
      const sdp = parsed(out);
      expect(sdp.origin).toEqual({ username: 'alice', sessionId: '2890844526', sessionVersion: '2890844528', address: '2001:db8::1', addressType: 'IP6' });
      expect(sdp.connection).toEqual({ address: '203.0.113.5', ipVersion: 4 });
      const [a, v, off] = sdp.media;
      expect(a).toMatchObject({ port: 30000, rtcpPort: 30001, rtcpAddress: '203.0.113.5', connection: { address: '203.0.113.5', ipVersion: 4 } });
      expect(v).toMatchObject({ port: 30002, rtcpPort: 30003, rtcpAddress: '192.0.2.12', connection: { address: '203.0.113.6', ipVersion: 4 } });
      expect(off?.port).toBe(0);
      expect(changed(buf, out)).toEqual([
        [`o=alice 2890844526 2890844527 IN IP4 192.0.2.10${eol}`, `o=alice 2890844526 2890844528 IN IP6 2001:db8::1${eol}`],
        [`c=IN IP4 192.0.2.10${eol}`, `c=IN IP4 203.0.113.5${eol}`],
        [`m=audio 49170 RTP/AVP 0 101${eol}`, `m=audio 30000 RTP/AVP 0 101${eol}`],
        [`a=rtcp:49171${eol}`, `a=rtcp:30001 IN IP4 203.0.113.5${eol}`],
        [`m=video 51372 RTP/AVP 99${eol}`, `m=video 30002 RTP/AVP 99${eol}`],
        // the TTL stays
        [`c=IN IP4 192.0.2.11/127${eol}`, `c=IN IP4 203.0.113.6/127${eol}`],
        [`a=rtcp:51373 IN IP4 192.0.2.12${eol}`, `a=rtcp:51373 IN IP4 192.0.2.12${eol}`.replace('51373', '30003')],
      ]);
    });
  }

  it('adds c= after m= and i=, and a=rtcp at the section end, when a section has none (break as used)', () => {
    const text = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'i=Ton', 'a=sendrecv', '',
      'm=audio 4002 RTP/AVP 8'].join('\n');
    const buf = Buffer.from(text, 'utf8');
    const out = rewriteSdp(buf, parsed(buf), {
      media: [{ connection: { address: '2001:db8::7' }, rtcp: { port: 5001, address: '2001:db8::7' } }, { connection: { address: '203.0.113.9' }, rtcp: { port: 5003 } }],
    });
    expect(out.toString('utf8')).toBe(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'i=Ton',
      'c=IN IP6 2001:db8::7', 'a=sendrecv', 'a=rtcp:5001 IN IP6 2001:db8::7', '', 'm=audio 4002 RTP/AVP 8', 'c=IN IP4 203.0.113.9', 'a=rtcp:5003'].join('\n'));
    const [a, b] = parsed(out).media;
    expect(a).toMatchObject({ connection: { address: '2001:db8::7', ipVersion: 6 }, rtcpPort: 5001, rtcpAddress: '2001:db8::7' });
    expect(b).toMatchObject({ connection: { address: '203.0.113.9', ipVersion: 4 }, rtcpPort: 5003 });
  });

  it('keeps mixed line breaks and an offset body; bumps versions beyond 2^53; refuses bad values', () => {
    const text = 'v=0\r\no=- 1 18446744073709551615 IN IP4 192.0.2.1\ns=-\rc=IN IP4 192.0.2.1\r\nt=0 0\nm=audio 4000 RTP/AVP 0';
    const buf = Buffer.from(text, 'latin1');
    const out = rewriteSdp(buf, parsed(buf), { origin: { version: 'bump' }, connection: { address: '198.51.100.1' }, media: [{ port: 4100 }] });
    expect(out.toString('latin1')).toBe(text.replace('18446744073709551615', '18446744073709551616').replace('c=IN IP4 192.0.2.1', 'c=IN IP4 198.51.100.1').replace('4000', '4100'));
    expect(() => rewriteSdp(buf, parsed(buf), { media: [{ port: 70000 }] })).toThrow(RangeError);
    expect(() => rewriteSdp(buf, parsed(buf), { connection: { address: '1.2.3.4\r\na=evil' } })).toThrow(RangeError);
    expect(() => rewriteSdp(buf, parsed(buf), { connection: { address: 'a b' } })).toThrow(RangeError);
  });

  it('on random descriptions: reads back the new values, every other line byte-identical', () => {
    const addr = fc.constantFrom('192.0.2.1', '198.51.100.7', '2001:db8::1', 'host.example.com');
    const port = fc.integer({ min: 1, max: 65535 });
    const section = fc.record({
      type: fc.constantFrom('audio', 'video'), port, conn: fc.option(addr, { nil: undefined }),
      rtcp: fc.option(fc.tuple(port, fc.option(addr, { nil: undefined })), { nil: undefined }),
      extra: fc.array(fc.constantFrom('a=sendonly', 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'b=AS:64', 'a=fmtp:101 0-15', 'i=ü'), { maxLength: 3 }),
    });
    const desc = fc.record({
      sessionConn: fc.option(addr, { nil: undefined }), sections: fc.array(section, { minLength: 1, maxLength: 4 }),
      eol: fc.constantFrom('\r\n', '\n'), tail: fc.boolean(),
    });
    const rewrite = fc.record({
      sessionAddr: fc.option(addr, { nil: undefined }),
      media: fc.array(fc.record({ port: fc.option(port, { nil: undefined }), conn: fc.option(addr, { nil: undefined }), rtcpPort: fc.option(port, { nil: undefined }) }), { maxLength: 4 }),
    });
    fc.assert(fc.property(desc, rewrite, (d, r) => {
      const lines = ['v=0', 'o=- 7 7 IN IP4 192.0.2.1', 's=Grüße', ...(d.sessionConn === undefined ? [] : [`c=IN IP4 ${d.sessionConn}`]), 't=0 0'];
      for (const s of d.sections) {
        lines.push(`m=${s.type} ${s.port} RTP/AVP 0`, ...s.extra.filter((x) => x.startsWith('i=')));
        if (s.conn !== undefined) lines.push(`c=IN IP4 ${s.conn}`);
        if (s.rtcp !== undefined) lines.push(`a=rtcp:${s.rtcp[0]}${s.rtcp[1] === undefined ? '' : ` IN IP4 ${s.rtcp[1]}`}`);
        lines.push(...s.extra.filter((x) => !x.startsWith('i=')));
      }
      const buf = Buffer.from(lines.join(d.eol) + (d.tail ? d.eol : ''), 'utf8');
      const before = parsed(buf);
      expect(rewriteSdp(buf, before, {})).toEqual(buf);
      const rw: SdpRewrite = {
        ...(r.sessionAddr === undefined ? {} : { connection: { address: r.sessionAddr } }),
        media: r.media.map((m) => ({
          ...(m.port === undefined ? {} : { port: m.port }),
          // a section without its own c= gets one only when asked; keep that apart from the line comparison
          ...(m.conn === undefined ? {} : { connection: { address: m.conn } }),
          ...(m.rtcpPort === undefined ? {} : { rtcp: { port: m.rtcpPort } }),
        })),
      };
      const out = rewriteSdp(buf, before, rw);
      const after = parsed(out);
      expect(after.media).toHaveLength(before.media.length);
      before.media.forEach((m, i) => {
        const mr = rw.media?.[i];
        const n = after.media[i]!;
        expect(n.port).toBe(mr?.port ?? m.port);
        const wantConn = mr?.connection?.address ?? (m.source.connections.length > 0 || before.source.connections.length > 0 ? rw.connection?.address : undefined);
        expect(n.connection?.address).toBe(wantConn ?? m.connection?.address);
        expect(n.rtcpPort).toBe(mr?.rtcp?.port ?? m.rtcpPort);
        expect(n.rtcpAddress).toBe(m.rtcpAddress);
        expect({ ...n, port: 0, connection: null, rtcpPort: 0 }).toEqual({ ...m, port: 0, connection: null, rtcpPort: 0 });
      });
      // every line that is no c=, m= or a=rtcp line is carried over byte for byte, in order
      const other = (b: Buffer, s: ParsedSessionDescription): string[] =>
        s.source.lines.filter((l) => !/^(c=|m=|a=rtcp:)/.test(l.raw)).map((l) => b.toString('utf8', l.start, l.next).replace(/\r?\n$/, ''));
      expect(other(out, after)).toEqual(other(buf, before));
    }), { numRuns: 500 });
  });
});
