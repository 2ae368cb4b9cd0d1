import { describe, expect, it } from 'vitest';
import { headerValue, headerValues, parseSipMessage } from '../../../../src/decode/sip/parse.js';
import type { SipMessage, SipParseResult } from '../../../../src/decode/sip/types.js';
import { BASIC_HEADERS, fixture, sipMessage } from './messages.js';

function ok(r: SipParseResult): SipMessage {
  if (!r.ok) throw new Error(`expected a message, got ${r.code} at ${r.offset}: ${r.reason}`);
  return r.message;
}

describe('parseSipMessage: requests and responses', () => {
  it('parses an INVITE with SDP: start line, From/To/Via/CSeq/Contact, body as a view', () => {
    const buf = fixture('invite-sdp.txt');
    const r = parseSipMessage(buf, 0, buf.length);
    const m = ok(r);
    expect(m.kind).toBe('request');
    if (m.kind !== 'request') return;
    expect(m.method).toBe('INVITE');
    expect(m.requestUri).toBe('sip:bob@biloxi.example.com');
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.from?.displayName).toBe('Alice "A" Liddell');
    expect(m.from?.tag).toBe('1928301774');
    expect(m.from?.uri.user).toBe('alice');
    expect(m.from?.uri.host).toBe('atlanta.example.com');
    expect(m.from?.uri.params).toEqual({ transport: 'udp' });
    expect(m.to?.displayName).toBe('Bob');
    expect(m.to?.tag).toBeNull();
    expect(m.via).toHaveLength(1);
    expect(m.via[0]).toMatchObject({ transport: 'UDP', host: 'pc33.atlanta.example.com', port: 5060, branch: 'z9hG4bK776asdhds', rport: true });
    expect(m.contact[0]?.uri).toMatchObject({ user: 'alice', host: '192.0.2.10', port: 5060 });
    expect(m.userAgent).toBe('TestPhone/1.0');
    expect(m.contentLength).toBe(194);
    expect(m.body.length).toBe(194);
    expect(m.body.toString('latin1').startsWith('v=0\r\n')).toBe(true);
    // zero copy: the body shares memory with the input
    expect(m.body.buffer).toBe(buf.buffer);
    expect(m.bodyOffset + 194).toBe(buf.length);
    expect(r.ok && r.consumed).toBe(buf.length);
  });

  it('parses a response with compact forms, folding and comma-separated Via/Contact', () => {
    const buf = fixture('compact-folded.txt');
    const m = ok(parseSipMessage(buf, 0, buf.length));
    expect(m.kind).toBe('response');
    if (m.kind !== 'response') return;
    expect(m.status).toBe(180);
    expect(m.reason).toBe('Ringing');
    expect(m.callId).toBe('folded-call-1@example.net');
    expect(m.cseq).toEqual({ seq: 7, method: 'INVITE' }); // folded across two lines
    expect(m.via.map((v) => [v.transport, v.host, v.port, v.branch])).toEqual([
      ['UDP', '192.0.2.1', 5060, 'z9hG4bK-1'],
      ['TCP', '[2001:db8::5]', 5070, 'z9hG4bK-2'],
      ['TLS', 'proxy.example.com', null, 'z9hG4bK-3'],
    ]);
    expect(m.via[0]?.received).toBe('198.51.100.7');
    expect(m.via[0]?.rport).toBe(40123);
    expect(m.from?.uri.user).toBe('carol');
    expect(m.from?.tag).toBe('abc'); // addr-spec form: ;tag belongs to the header
    expect(m.to?.displayName).toBe('Dave, Jr.');
    expect(m.contact.map((c) => c.uri.host)).toEqual(['198.51.100.7', '[2001:db8::9]']);
    expect(m.contact[0]?.displayName).toBe('Dave, Jr.'); // comma inside quotes did not split
    expect(m.server).toBe('PBX 1.2');
    expect(m.contentLength).toBe(0);
    expect(m.body.length).toBe(0);
    // header lines kept in order with canonical names and raw text (folding included)
    expect(m.headers.map((h) => h.name)).toEqual(['Via', 'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Server', 'Content-Length']);
    expect(m.headers[0]?.raw).toBe('v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;received=198.51.100.7;rport=40123,\r\n  SIP/2.0/TCP [2001:db8::5]:5070;branch=z9hG4bK-2');
    expect(m.headers[0]?.offset).toBe(buf.indexOf('v: '));
    expect(headerValues(m, 'VIA')).toHaveLength(2);
    expect(headerValue(m, 'i')).toBe('folded-call-1@example.net');
  });

  it('counts Content-Length in bytes, not characters (UTF-8 body)', () => {
    const body = 'Grüße aus Köln — ☎\r\n'; // multi-byte characters
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    const one = sipMessage('MESSAGE sip:bob@example.com SIP/2.0', [...BASIC_HEADERS.slice(0, 4), 'CSeq: 2 MESSAGE', 'Content-Type: text/plain;charset=utf-8'], body);
    // two messages back to back: the first must end exactly where the second starts
    const two = Buffer.concat([one, one]);
    const r = parseSipMessage(two, 0, two.length, { stream: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.consumed).toBe(one.length);
    expect(r.message.body.toString('utf8')).toBe(body);
    const second = parseSipMessage(two, r.consumed, two.length, { stream: true });
    expect(second.ok && second.consumed).toBe(one.length);
  });

  it('takes the rest of the datagram as body when Content-Length is missing over UDP, none on a stream', () => {
    const buf = sipMessage('OPTIONS sip:example.com SIP/2.0', [...BASIC_HEADERS.slice(0, 4), 'CSeq: 3 OPTIONS'], 'hello', false);
    const udp = ok(parseSipMessage(buf, 0, buf.length));
    expect(udp.contentLength).toBeNull();
    expect(udp.body.toString()).toBe('hello');
    const tcp = parseSipMessage(buf, 0, buf.length, { stream: true });
    expect(tcp.ok && tcp.message.body.length).toBe(0);
    expect(tcp.ok && tcp.consumed).toBe(buf.length - 5);
  });

  it('honours offset and end: parses a message in the middle of a larger buffer', () => {
    const msg = sipMessage('BYE sip:bob@example.com SIP/2.0', [...BASIC_HEADERS.slice(0, 4), 'CSeq: 2 BYE']);
    const padded = Buffer.concat([Buffer.from('XXXXXXXX'), msg, Buffer.from('garbage after end')]);
    const r = parseSipMessage(padded, 8, 8 + msg.length);
    expect(r.ok && r.consumed).toBe(msg.length);
    expect(r.ok && r.message.kind === 'request' && r.message.method).toBe('BYE');
  });

  it('skips leading CRLFs (RFC 3261 7.5) and accepts bare LF line ends', () => {
    const lf = Buffer.from('\r\n\r\nSIP/2.0 200 OK\nCall-ID: x\nCSeq: 1 BYE\nContent-Length: 0\n\n');
    const r = parseSipMessage(lf, 0, lf.length);
    expect(r.ok && r.message.kind === 'response' && r.message.status).toBe(200);
    expect(r.ok && r.consumed).toBe(lf.length);
  });

  it('accepts an unknown method and a SIP-Version in lower case', () => {
    const buf = Buffer.from('NEWMETHOD sip:x@example.com sip/2.0\r\nCall-ID: y\r\nCSeq: 8 NEWMETHOD\r\nl: 0\r\n\r\n');
    const m = ok(parseSipMessage(buf, 0, buf.length));
    expect(m.kind === 'request' && m.method).toBe('NEWMETHOD');
  });
});

describe('parseSipMessage: the three failure outcomes', () => {
  const cases: Array<[string, string, string, number]> = [
    ['HTTP response', 'HTTP/1.1 200 OK\r\n\r\n', 'SIP_NOT_SIP', 0],
    ['HTTP request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'SIP_NOT_SIP', 0],
    ['binary RTP', '\x80\x00\x12\x34', 'SIP_NOT_SIP', 0],
    ['keep-alive', '\r\n\r\n', 'SIP_NOT_SIP', 4],
    ['text without a line end', 'hello world', 'SIP_NOT_SIP', 0],
    ['start line cut by the snap length', 'INVITE sip:bob@exam', 'SIP_TRUNCATED', 19],
    ['header block cut', 'SIP/2.0 200 OK\r\nCall-ID: abc\r\nCSeq: 1 IN', 'SIP_TRUNCATED', 40],
    ['body shorter than Content-Length', 'SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'SIP_TRUNCATED', 41],
    ['status not 3 digits', 'SIP/2.0 20 OK\r\n\r\n', 'SIP_MALFORMED', 0],
    ['status out of range', 'SIP/2.0 999 Huh\r\n\r\n', 'SIP_MALFORMED', 0],
    ['two spaces in the request line', 'INVITE  sip:bob@example.com SIP/2.0\r\n\r\n', 'SIP_MALFORMED', 0],
    ['header without colon', 'SIP/2.0 200 OK\r\nCall-ID abc\r\n\r\n', 'SIP_MALFORMED', 16],
    ['continuation before any header', 'SIP/2.0 200 OK\r\n folded\r\n\r\n', 'SIP_MALFORMED', 16],
    ['Content-Length not a number', 'SIP/2.0 200 OK\r\nCall-ID: a\r\nContent-Length: 1O\r\n\r\n', 'SIP_BAD_CONTENT_LENGTH', 28],
    ['negative Content-Length', 'SIP/2.0 200 OK\r\nl: -5\r\n\r\n', 'SIP_BAD_CONTENT_LENGTH', 16],
    ['conflicting Content-Length', 'SIP/2.0 200 OK\r\nl: 0\r\nContent-Length: 3\r\n\r\nabc', 'SIP_BAD_CONTENT_LENGTH', 22],
  ];
  it.each(cases)('%s -> %s at %i', (_name, text, code, offset) => {
    const buf = Buffer.from(text, 'latin1');
    const r = parseSipMessage(buf, 0, buf.length);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    expect(r.offset).toBe(offset);
    expect(r.reason.length).toBeGreaterThan(0);
  });

  it('never reads past end: a complete message after end does not rescue a cut one', () => {
    const msg = sipMessage('SIP/2.0 200 OK', BASIC_HEADERS, 'body!');
    const r = parseSipMessage(msg, 0, msg.length - 1);
    expect(!r.ok && r.code).toBe('SIP_TRUNCATED');
  });
});
