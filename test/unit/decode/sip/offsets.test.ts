/**
 * The byte offsets the SIP parser keeps for splicing (src/encode/sip-splice.ts) and for quoting
 * evidence: each header's [offset, end) is exactly its line(s) as received, the start line and the
 * empty line are where they say, for CRLF and LF messages, with leading CRLFs and non-ASCII text.
 */
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../../src/decode/sip/parse.js';
import type { SipMessage } from '../../../../src/decode/sip/types.js';
import { fixture } from './messages.js';

function parse(buf: Buffer, offset = 0): SipMessage {
  const r = parseSipMessage(buf, offset, buf.length);
  if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
  return r.message;
}

function checkOffsets(buf: Buffer, m: SipMessage): void {
  expect(buf.toString('utf8', m.startOffset, m.startLineEnd)).toBe(m.startLine);
  for (const h of m.headers) {
    expect(buf.toString('utf8', h.offset, h.end)).toBe(h.raw);
    expect([0x0d, 0x0a]).toContain(buf[h.end]);
  }
  // the empty line: CRLF or LF, right before the body
  const blank = buf.toString('latin1', m.headerBlockEnd, m.bodyOffset);
  expect(['\r\n', '\n']).toContain(blank);
}

describe('SIP header and start line offsets', () => {
  it('name the exact bytes of every line of a CRLF message, folded headers included', () => {
    for (const name of ['invite-sdp.txt', 'compact-folded.txt']) {
      const buf = fixture(name);
      const m = parse(buf);
      checkOffsets(buf, m);
      expect(m.startOffset).toBe(0);
      expect(m.headerBlockEnd).toBe(m.bodyOffset - 2);
    }
    const folded = parse(fixture('compact-folded.txt')).headers[0]!;
    expect(folded.raw).toContain('\r\n  ');
  });

  it('are bytes, not characters, past non-ASCII text; LF line ends; leading CRLFs and an offset', () => {
    const text = 'MESSAGE sip:bob@example.com SIP/2.0\nFrom: "Jörg Müller" <sip:j@example.com>;tag=1\nTo: <sip:bob@example.com>\n' +
      'Call-ID: ü1\nCSeq: 1 MESSAGE\nContact: <sip:j@192.0.2.1>\nContent-Length: 6\n\nGrüß';
    const buf = Buffer.concat([Buffer.from('xx\r\n\r\n'), Buffer.from(text, 'utf8')]);
    const m = parse(buf, 2);
    expect(m.startOffset).toBe(6);
    checkOffsets(buf, m);
    const contact = m.headers.find((h) => h.key === 'contact')!;
    expect(contact.offset).toBe(buf.indexOf('Contact:'));
    expect(contact.offset).toBeGreaterThan(text.indexOf('Contact:') + 6); // ö, ü, ü count twice
    expect(m.headerBlockEnd).toBe(m.bodyOffset - 1);
    expect(m.body.toString('utf8')).toBe('Grüß');
  });
});
