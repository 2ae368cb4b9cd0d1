/** Test helpers: build SIP messages with CRLF line ends and a byte-exact Content-Length. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../../../fixtures/packets/sip/', import.meta.url));

/** A text fixture, stored with LF line ends, returned with CRLF (the wire format). */
export function fixture(name: string): Buffer {
  return Buffer.from(readFileSync(FIXTURES + name, 'utf8').replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** start line + headers + body; Content-Length is added (in bytes) unless `contentLength` is false */
export function sipMessage(startLine: string, headers: string[], body = '', contentLength = true): Buffer {
  const bodyBytes = Buffer.from(body, 'utf8');
  const all = contentLength ? [...headers, `Content-Length: ${bodyBytes.length}`] : headers;
  return Buffer.concat([Buffer.from(`${startLine}\r\n${all.join('\r\n')}\r\n\r\n`, 'utf8'), bodyBytes]);
}

export const BASIC_HEADERS = [
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9',
  'From: <sip:alice@example.com>;tag=9fxced76sl',
  'To: <sip:bob@example.com>',
  'Call-ID: 3848276298220188511@example.com',
  'CSeq: 1 INVITE',
];

export function sdpBody(addr: string, port: number, pts = '0 8 101', extra: string[] = []): string {
  return [
    'v=0', `o=- 1 1 IN IP4 ${addr}`, 's=-', `c=IN IP4 ${addr}`, 't=0 0',
    `m=audio ${port} RTP/AVP ${pts}`, 'a=rtpmap:101 telephone-event/8000', ...extra, '',
  ].join('\r\n');
}
