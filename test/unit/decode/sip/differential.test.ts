/**
 * The lazy SIP parser against the eager one it replaced (./reference/, the oracle): for every
 * UDP/TCP payload of every capture fixture, the hand-written fixtures, the saved crash inputs and
 * fast-check mutations of real messages, both must give the same observable result: errors with
 * code, offset and reason; messages with every field, the lazily parsed ones included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../../src/decode/sip/parse.js';
import { materialize } from './materialize.js';
import { fixture } from './messages.js';
import { captureFiles, capturedPayloads } from './payloads.js';
import { parseSipMessage as referenceParse } from './reference/parse.js';

/** [where, mismatch] for buf[start, end) in both framing modes, walking on through back-to-back messages */
function compare(where: string, buf: Buffer, start: number, end: number): string[] {
  const bad: string[] = [];
  for (const stream of [false, true]) {
    let pos = start;
    for (let n = 0; n < 64 && pos < end; n++) {
      const ours = parseSipMessage(buf, pos, end, { stream });
      const ref = referenceParse(buf, pos, end, { stream });
      const a = JSON.stringify(materialize(ours));
      const b = JSON.stringify(materialize(ref));
      if (a !== b) bad.push(`${where} @${pos} stream=${stream}\n  ours ${a}\n  ref  ${b}`);
      if (!ref.ok || ref.consumed <= 0) break;
      pos += ref.consumed;
    }
  }
  return bad;
}

/** folding over several lines with tabs, UTF-8 in a display name and a header, escapes in quotes, odd spacing */
const HANDMADE = Buffer.from([
  'INVITE sip:b%C3%BCro@example.com;transport=udp SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a;rport,',
  ' \tSIP/2.0/TCP [2001:db8::1]:5070 ;branch=z9hG4bK-b ,',
  '\t SIP / 2.0 / TLS  proxy.example.com : 5061;received=198.51.100.1',
  'From: "J\\"o\\\\rg Grüße" <sip:jörg@example.com:5070;user=phone>;tag=ä1;x="q;v"',
  'To:   Bob   <sip:bob@[2001:db8::2]>  ;  TAG = b2 ',
  'Call-ID:  ünï-1@example.com  ',
  'CSeq: 7',
  '   INVITE',
  'Contact: *',
  'm: <sip:a@1.2.3.4>, "x, y" <sip:b@5.6.7.8;lr>;expires=30, sip:c@9.9.9.9;q=0.5',
  'User-Agent: Telefon ☎ 1.0',
  'X-Custom  :  some\tvalue  ',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '', 'v=0\n',
].join('\r\n'), 'utf8');

const SIP_FIXTURES = [...['invite-sdp.txt', 'compact-folded.txt'].map((f) => fixture(f)), HANDMADE];
const CRASH_DIR = 'fixtures/crashes/sip/';
const CRASHES = readdirSync(CRASH_DIR).filter((f) => f.endsWith('.bin')).map((f) => readFileSync(CRASH_DIR + f));

describe('SIP parser: same results as the eager reference parser', () => {
  it('parses the hand-made message fully (the comparison below is not only of errors)', () => {
    const r = parseSipMessage(HANDMADE, 0, HANDMADE.length);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.message.via.map((v) => v.transport)).toEqual(['UDP', 'TCP', 'TLS']);
    expect(r.message.from?.displayName).toBe('J"o\\rg Grüße');
    expect(r.message.from?.uri.user).toBe('jörg');
    expect(r.message.to?.params).toEqual({ tag: 'b2' });
    expect(r.message.callId).toBe('ünï-1@example.com');
    expect(r.message.cseq).toEqual({ seq: 7, method: 'INVITE' });
    expect(r.message.contact.map((c) => c.uri.host)).toEqual(['1.2.3.4', '5.6.7.8', '9.9.9.9']);
    expect(r.message.contactStar).toBe(true);
    expect(r.message.userAgent).toBe('Telefon ☎ 1.0');
  });

  it('on the hand-written fixtures and saved crash inputs', () => {
    const inputs = [...SIP_FIXTURES, ...CRASHES];
    expect(inputs.length).toBeGreaterThan(2);
    const bad = inputs.flatMap((b, i) => compare(`input ${i}`, b, 0, b.length));
    expect(bad).toEqual([]);
  });

  const files = captureFiles();
  it.each(files)('on every UDP/TCP payload of %s', (file) => {
    const payloads = capturedPayloads(file);
    const bad = payloads.flatMap((p) => compare(`${file}#${p.num}`, p.payload, 0, p.payload.length));
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('found SIP in the captures (the comparison is not vacuous)', () => {
    let sip = 0;
    for (const file of files) {
      for (const p of capturedPayloads(file)) if (parseSipMessage(p.payload, 0, p.payload.length).ok) sip++;
    }
    expect(sip).toBeGreaterThan(50);
  });

  it('on mutated real messages (bytes set, deleted, inserted, cut; UTF-8 and quoting characters)', () => {
    const seeds = [...SIP_FIXTURES];
    for (const file of files.slice(0, 12)) {
      for (const p of capturedPayloads(file)) {
        if (seeds.length < 40 && parseSipMessage(p.payload, 0, p.payload.length).ok) seeds.push(p.payload);
      }
    }
    const mutated = fc.record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('set', 'delete', 'insert'),
        bytes: fc.constantFrom<number[]>([0x00], [0x0d], [0x0a], [0x20], [0x09], [0x3a], [0x2c], [0x22], [0x5c], [0x3c], [0x3e],
          [0x3b], [0x3d], [0x40], [0x30], [0x39], [0xff], [0xc3, 0xa9], [0xe2, 0x98, 0x8e], [0xc3], [0xa0], [0x0d, 0x0a], [0x0d, 0x0a, 0x20]),
      }), { maxLength: 8 }),
      cut: fc.option(fc.nat()),
    }).map(({ seed, edits, cut }) => {
      const bytes = [...seed];
      for (const e of edits) {
        const i = e.at % (bytes.length + 1);
        if (e.kind === 'set' && i < bytes.length) bytes.splice(i, 1, ...e.bytes);
        else if (e.kind === 'delete') bytes.splice(i, 1);
        else bytes.splice(i, 0, ...e.bytes);
      }
      const n = cut === null ? bytes.length : cut % (bytes.length + 1);
      return Buffer.from(bytes.slice(0, n));
    });
    fc.assert(fc.property(mutated, (buf) => {
      expect(compare('mutated', buf, 0, buf.length)).toEqual([]);
    }), { numRuns: 3000 });
  });
});
