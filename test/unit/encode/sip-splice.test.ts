/**
 * SIP serialising and splicing against the SIP parser: built messages parse back to their parts,
 * a splice without edits gives the message's bytes, each edit changes only its lines, and a new
 * body is announced in bytes (UTF-8), with CRLF and LF messages and compact header names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipMessage } from '../../../src/decode/sip/types.js';
import { recordRoute, rewriteHeaders, spliceSip, topVia } from '../../../src/encode/sip-splice.js';
import { requestLine, serialiseSip, statusLine } from '../../../src/encode/sip-serialise.js';
import { fixture } from '../decode/sip/messages.js';

function parse(buf: Buffer): SipMessage {
  const r = parseSipMessage(buf, 0, buf.length);
  if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
  return r.message;
}

const HEADERS = [
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1', 'From: "Jörg" <sip:j@example.com>;tag=1', 'To: <sip:bob@example.com>',
  'Call-ID: c1@example.com', 'CSeq: 1 INVITE', 'Contact: <sip:j@192.0.2.1:5060>',
];
const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=Grüße\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

describe('serialiseSip', () => {
  it('builds a request that parses back: start line, headers in order, Content-Length in bytes', () => {
    const buf = serialiseSip({ startLine: requestLine('INVITE', 'sip:bob@example.com'), headers: [...HEADERS, { name: 'Content-Type', value: 'application/sdp' }], body: SDP });
    const m = parse(buf);
    expect(m.kind === 'request' && m.method).toBe('INVITE');
    expect(m.headers.map((h) => h.raw)).toEqual([...HEADERS, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(SDP)}`]);
    expect(m.contentLength).toBe(Buffer.byteLength(SDP));
    expect(m.contentLength).toBeGreaterThan(SDP.length); // "ü" and "ß" are two bytes each
    expect(m.body.toString('utf8')).toBe(SDP);
  });

  it('fills a given Content-Length (compact "l" too) in place; LF line breaks; no body', () => {
    const buf = serialiseSip({ startLine: statusLine(200, 'OK'), headers: ['l: 99', ...HEADERS], lineBreak: '\n' });
    expect(buf.toString('utf8')).toBe(`SIP/2.0 200 OK\nl: 0\n${HEADERS.join('\n')}\n\n`);
    const m = parse(buf);
    expect(m.kind === 'response' && m.status).toBe(200);
    expect(m.contentLength).toBe(0);
  });

  it('refuses header injection', () => {
    expect(() => serialiseSip({ startLine: statusLine(200, 'OK'), headers: [{ name: 'X', value: 'a\r\nVia: evil' }] })).toThrow(RangeError);
    expect(() => serialiseSip({ startLine: 'SIP/2.0 200 OK\r\nX: y', headers: [] })).toThrow(RangeError);
    expect(() => serialiseSip({ startLine: statusLine(200, 'OK'), headers: ['no colon'] })).toThrow(RangeError);
  });

  it('round-trips random header values and UTF-8 bodies (Content-Length = bytes)', () => {
    const value = fc.string({ minLength: 1, maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' ').trim()).filter((s) => s.length > 0);
    fc.assert(fc.property(fc.array(value, { maxLength: 8 }), fc.string({ maxLength: 200 }), (values, body) => {
      const headers = values.map((v, i) => ({ name: `X-H${i}`, value: v }));
      const m = parse(serialiseSip({ startLine: requestLine('MESSAGE', 'sip:a@b'), headers, body }));
      expect(m.headers.slice(0, -1).map((h) => h.value)).toEqual(values);
      expect(m.contentLength).toBe(Buffer.byteLength(body, 'utf8'));
      expect(m.body).toEqual(Buffer.from(body, 'utf8'));
    }), { numRuns: 300 });
  });
});

describe('spliceSip', () => {
  const messages = (): Array<[string, Buffer]> => [
    ['CRLF fixture', fixture('invite-sdp.txt')],
    ['compact and folded', fixture('compact-folded.txt')],
    ['LF', serialiseSip({ startLine: requestLine('INVITE', 'sip:bob@example.com'), headers: HEADERS, body: SDP, lineBreak: '\n' })],
  ];

  it('without edits gives the message\'s bytes (and drops leading CRLF keep-alives)', () => {
    for (const [, buf] of messages()) {
      expect(spliceSip(buf, parse(buf), [])).toEqual(buf);
      const lead = Buffer.concat([Buffer.from('\r\n\r\n'), buf]);
      const r = parseSipMessage(lead, 0, lead.length);
      expect(r.ok && spliceSip(lead, r.message, [])).toEqual(buf);
    }
  });

  it('adds a Via on top, a Record-Route, rewrites Contact: the other lines stay byte-identical', () => {
    for (const [name, buf] of messages()) {
      const m = parse(buf);
      const via = 'SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-proxy';
      const out = spliceSip(buf, m, [topVia(m, via), recordRoute(m, '<sip:203.0.113.1;lr>'), ...rewriteHeaders(m, 'contact', '<sip:j@203.0.113.1:5062>')]);
      const n = parse(out);
      expect(n.via[0]?.host, name).toBe('203.0.113.1');
      expect(n.via.slice(1)).toEqual(m.via);
      expect(n.headers.filter((h) => h.key === 'record-route').map((h) => h.value)).toEqual(['<sip:203.0.113.1;lr>']);
      // one value per Contact line: a line with a comma list becomes one entry
      const contactLines = m.headers.filter((h) => h.key === 'contact').length;
      expect(contactLines).toBeGreaterThan(0);
      expect(n.contact.map((c) => c.uri.host)).toEqual(new Array<string>(contactLines).fill('203.0.113.1'));
      // every other line exactly as before, in the same order
      const untouched = (x: SipMessage): string[] => x.headers.filter((h) => h.key !== 'contact' && h.raw !== `Via: ${via}` && h.key !== 'record-route').map((h) => h.raw);
      expect(untouched(n)).toEqual(untouched(m));
      expect(n.body).toEqual(m.body);
      // a compact "m:" stays compact
      for (const h of n.headers.filter((x) => x.key === 'contact')) {
        expect(h.raw.slice(0, 2)).toBe(m.headers.find((x) => x.key === 'contact')!.raw.slice(0, 2));
      }
      expect(out.includes(Buffer.from('\r\n')), name).toBe(buf.includes(Buffer.from('\r\n')));
    }
  });

  it('removes, inserts after, replaces the start line', () => {
    const buf = fixture('invite-sdp.txt');
    const m = parse(buf);
    const ua = m.headers.find((h) => h.key === 'user-agent')!;
    const cseq = m.headers.find((h) => h.key === 'cseq')!;
    const out = spliceSip(buf, m, [{ op: 'remove', header: ua }, { op: 'insertAfter', header: cseq, line: 'X-Tag: 1' },
      { op: 'startLine', line: 'INVITE sip:bob@192.0.2.99 SIP/2.0' }]);
    const n = parse(out);
    expect(n.kind === 'request' && n.requestUri).toBe('sip:bob@192.0.2.99');
    expect(n.userAgent).toBeNull();
    const keys = n.headers.map((h) => h.key);
    expect(keys[keys.indexOf('cseq') + 1]).toBe('x-tag');
    expect(out.length).toBe(buf.length - (ua.end + 2 - ua.offset) + 'X-Tag: 1\r\n'.length + ('sip:bob@192.0.2.99'.length - 'sip:bob@biloxi.example.com'.length));
  });

  it('replaces the body and recomputes Content-Length in bytes, also compact "l:", or adds one', () => {
    const body = SDP.replace('Grüße', 'Grüße aus Köln €');
    for (const [name, buf] of messages()) {
      const m = parse(buf);
      const out = spliceSip(buf, m, [], { body });
      const n = parse(out);
      expect(n.contentLength, name).toBe(Buffer.byteLength(body));
      expect(n.body.toString('utf8')).toBe(body);
      const before = m.headers.filter((h) => h.key !== 'content-length').map((h) => h.raw);
      expect(n.headers.filter((h) => h.key !== 'content-length').map((h) => h.raw)).toEqual(before);
    }
    const noLength = Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nhi', 'latin1');
    const out = spliceSip(noLength, parse(noLength), [], { body: 'Grüß' });
    expect(out.toString('utf8')).toBe('MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 6\r\n\r\nGrüß');
    const compact = Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nl:2\r\n\r\nhi', 'latin1');
    expect(spliceSip(compact, parse(compact), [], { body: 'hello' }).toString('latin1')).toBe('MESSAGE sip:a@b SIP/2.0\r\nl:5\r\n\r\nhello');
  });

  it('refuses injected line breaks and overlapping edits', () => {
    const buf = fixture('invite-sdp.txt');
    const m = parse(buf);
    const h = m.headers[0]!;
    expect(() => spliceSip(buf, m, [{ op: 'append', line: 'X: 1\r\nVia: evil' }])).toThrow(RangeError);
    expect(() => spliceSip(buf, m, [{ op: 'remove', header: h }, { op: 'replace', header: h, line: 'X: 1' }])).toThrow(RangeError);
  });
});
