import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import { SipStreamFramer, frameSipMessage } from '../../../src/reassembly/sip-framing.js';
import { BASIC_HEADERS, sipMessage } from '../decode/sip/messages.js';

const invite = sipMessage('INVITE sip:bob@example.com SIP/2.0', BASIC_HEADERS, 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');
const ok = sipMessage('SIP/2.0 200 OK', [...BASIC_HEADERS, 'Server: Bäckerei-PBX'], 'Grüße ☎');
const bye = sipMessage('BYE sip:alice@example.com SIP/2.0', [...BASIC_HEADERS.slice(0, 4), 'CSeq: 2 BYE']);
/** compact "l" and no body */
const ack = Buffer.from('ACK sip:bob@example.com SIP/2.0\r\ni: abc\r\nCSeq: 1 ACK\r\nl: 0\r\n\r\n');
const STREAM = Buffer.concat([invite, Buffer.from('\r\n\r\n'), ok, ack, Buffer.from('\r\n'), bye]);
const EXPECTED = [invite, ok, ack, bye].map((b) => b.toString('hex'));

/** push `chunks` one by one (each in a reused scratch buffer, as a reader would) and collect the messages */
function frame(chunks: Buffer[], framer = new SipStreamFramer()): { framer: SipStreamFramer; out: string[] } {
  const out: string[] = [];
  const scratch = Buffer.alloc(chunks.reduce((n, c) => Math.max(n, c.length), 1));
  for (const c of chunks) {
    c.copy(scratch);
    framer.push(scratch.subarray(0, c.length), (m) => out.push(m.toString('hex')));
    scratch.fill(0x58, 0, c.length); // the caller reuses its buffer: kept bytes must be copies
  }
  return { framer, out };
}

describe('frameSipMessage', () => {
  it('answers message / need-more / invalid', () => {
    expect(frameSipMessage(invite, 0, invite.length)).toEqual({ kind: 'message', length: invite.length });
    expect(frameSipMessage(invite, 0, invite.length - 1)).toEqual({ kind: 'need-more', needed: invite.length });
    expect(frameSipMessage(invite, 0, 20)).toEqual({ kind: 'need-more', needed: 0 });
    expect(frameSipMessage(Buffer.from('\x16\x03\x01 TLS hello\r\n'), 0, 16)).toMatchObject({ kind: 'invalid', code: 'SIP_FRAME_NOT_SIP' });
    const bad = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: ten\r\n\r\n');
    expect(frameSipMessage(bad, 0, bad.length)).toMatchObject({ kind: 'invalid', code: 'SIP_BAD_CONTENT_LENGTH', offset: 0 });
  });
});

describe('SipStreamFramer', () => {
  it('frames several messages in one segment and skips CRLF keep-alives', () => {
    const { framer, out } = frame([STREAM]);
    expect(out).toEqual(EXPECTED);
    expect(framer.errors).toBe(0);
    expect(framer.keepAlives).toBe(2); // a CRLFCRLF ping and a CRLF pong (RFC 5626 4.4.1)
    expect(framer.messages).toBe(4);
  });

  it('gives the same messages whatever the split position (every 1- and 2-cut split)', () => {
    let checked = 0;
    for (let i = 1; i < STREAM.length; i++) {
      const { out, framer } = frame([STREAM.subarray(0, i), STREAM.subarray(i)]);
      expect(out).toEqual(EXPECTED);
      expect(framer.errors).toBe(0);
      checked++;
    }
    for (let i = 1; i < STREAM.length; i += 11) {
      for (let j = i + 1; j < STREAM.length; j += 17) {
        expect(frame([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]).out).toEqual(EXPECTED);
      }
    }
    expect(checked).toBe(STREAM.length - 1);
  });

  it('frames byte by byte', () => {
    const chunks = [...STREAM].map((b) => Buffer.from([b]));
    expect(frame(chunks).out).toEqual(EXPECTED);
  });

  it('rebuilds a 65 KB body from many segments; Content-Length counts bytes', () => {
    const body = 'ü'.repeat(32_768) + 'end'; // 65 539 bytes, 32 771 characters
    const big = sipMessage('MESSAGE sip:bob@example.com SIP/2.0', [...BASIC_HEADERS.slice(0, 4), 'CSeq: 5 MESSAGE'], body);
    const all = Buffer.concat([big, bye]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < all.length; i += 1460) chunks.push(all.subarray(i, i + 1460));
    const { out, framer } = frame(chunks);
    expect(out).toEqual([big.toString('hex'), bye.toString('hex')]);
    expect(framer.errors).toBe(0);
    const parsed = parseSipMessage(Buffer.from(out[0]!, 'hex'), 0, big.length, { stream: true });
    expect(parsed.ok && parsed.message.body.toString('utf8')).toBe(body);
  });

  it('resynchronises after garbage at the next line that starts a SIP message, counting one error', () => {
    const garbage = Buffer.from('this is not sip\r\n\x00\x01\x02 binary junk\r\nmore junk\r\n');
    const { out, framer } = frame([Buffer.concat([invite, garbage, ok])]);
    expect(out).toEqual([invite.toString('hex'), ok.toString('hex')]);
    expect(framer.errors).toBe(1);
    expect(framer.lastErrorCode).toBe('SIP_FRAME_NOT_SIP');
  });

  it('drops a message larger than the cap, counts an error and frames what follows', () => {
    const body = 'x'.repeat(5000);
    const big = sipMessage('MESSAGE sip:bob@example.com SIP/2.0', [...BASIC_HEADERS.slice(0, 4), 'CSeq: 6 MESSAGE'], body);
    const all = Buffer.concat([bye, big, ok]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < all.length; i += 500) chunks.push(all.subarray(i, i + 500));
    const { out, framer } = frame(chunks, new SipStreamFramer({ maxBufferedBytes: 2048 }));
    expect(out).toEqual([bye.toString('hex'), ok.toString('hex')]);
    expect(framer.errors).toBe(1);
    expect(framer.lastErrorCode).toBe('SIP_FRAME_TOO_LARGE');
  });

  it('caps a header block that never ends, then treats the rest of it as one garbage run', () => {
    const framer = new SipStreamFramer({ maxBufferedBytes: 1024 });
    const line = Buffer.from('X-Filler: ' + 'a'.repeat(90) + '\r\n'); // 102 bytes
    frame([Buffer.from('SIP/2.0 200 OK\r\n'), ...Array.from({ length: 9 }, () => line)], framer);
    expect(framer.errors).toBe(0); // 16 + 9 * 102 = 934 bytes held, under the cap
    frame([line], framer); // 1036 > 1024: dropped
    expect(framer.errors).toBe(1);
    expect(framer.lastErrorCode).toBe('SIP_FRAME_TOO_LARGE');
    frame(Array.from({ length: 5 }, () => line), framer);
    expect(framer.errors).toBe(2);
    expect(framer.lastErrorCode).toBe('SIP_FRAME_NOT_SIP');
    const { out } = frame([bye], framer);
    expect(out).toEqual([bye.toString('hex')]);
  });
});
