/**
 * Fuzzing the SIP parser (style.md #12): random and mutated real bytes never throw, never hang,
 * and never look past `end` (the same bytes followed by different tails parse the same way).
 * Inputs that once broke it live in fixtures/crashes/sip/ and are replayed here forever.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../../src/decode/sip/parse.js';
import type { SipParseResult } from '../../../../src/decode/sip/types.js';
import { materialize } from './materialize.js';
import { fixture } from './messages.js';

const CRASHES = fileURLToPath(new URL('../../../../fixtures/crashes/sip/', import.meta.url));

/** everything observable about a result (lazy fields included), with the body as bytes (not as a view) */
function fingerprint(r: SipParseResult): string {
  if (!r.ok) return JSON.stringify([r.code, r.offset]);
  return JSON.stringify(materialize(r));
}

/** parse `data` placed at an offset inside a larger buffer, with two different tails after end */
function checkBounded(data: Uint8Array, stream: boolean): void {
  const lead = 3;
  const a = Buffer.alloc(lead + data.length + 64, 0x41);
  const b = Buffer.alloc(lead + data.length + 64, 0x0a);
  a.set(data, lead);
  b.set(data, lead);
  const end = lead + data.length;
  const ra = parseSipMessage(a, lead, end, { stream });
  const rb = parseSipMessage(b, lead, end, { stream });
  expect(fingerprint(ra)).toBe(fingerprint(rb));
  if (ra.ok) {
    expect(ra.consumed).toBeGreaterThan(0);
    expect(lead + ra.consumed).toBeLessThanOrEqual(end);
    expect(ra.message.bodyOffset + ra.message.body.length).toBeLessThanOrEqual(end);
  } else {
    expect(ra.offset).toBeGreaterThanOrEqual(lead);
    expect(ra.offset).toBeLessThanOrEqual(end);
  }
}

const SEEDS = [fixture('invite-sdp.txt'), fixture('compact-folded.txt')];

/** a seed with a few bytes replaced, removed, or inserted, and possibly cut short */
const mutated = fc
  .record({
    seed: fc.constantFrom(...SEEDS),
    edits: fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('set', 'delete', 'insert'),
        byte: fc.constantFrom(0x00, 0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x2c, 0x22, 0x3c, 0x3e, 0x3b, 0x30, 0x39, 0xff, 0xc3),
      }),
      { maxLength: 6 },
    ),
    cut: fc.option(fc.nat()),
  })
  .map(({ seed, edits, cut }) => {
    const bytes = [...seed];
    for (const e of edits) {
      const i = e.at % (bytes.length + 1);
      if (e.kind === 'set' && i < bytes.length) bytes[i] = e.byte;
      else if (e.kind === 'delete') bytes.splice(i, 1);
      else bytes.splice(i, 0, e.byte);
    }
    const n = cut === null ? bytes.length : cut % (bytes.length + 1);
    return Uint8Array.from(bytes.slice(0, n));
  });

describe('SIP parser fuzzing', () => {
  it('random bytes never throw and stay inside [offset, end)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (data, stream) => checkBounded(data, stream)),
      { numRuns: 1500 },
    );
  });

  it('SIP-looking random text never throws', () => {
    const sipish = fc
      .array(fc.constantFrom('INVITE ', 'SIP/2.0 ', '200 ', 'sip:a@b', ' ', '\r\n', ':', ';tag=', ',', '"', '<', '>', 'Via', 'l: ', '5', 'v=0\r\n', '\t'), { maxLength: 60 })
      .map((parts) => Buffer.from(parts.join(''), 'latin1'));
    fc.assert(fc.property(sipish, fc.boolean(), (data, stream) => checkBounded(data, stream)), { numRuns: 1500 });
  });

  it('mutated real messages never throw and stay inside [offset, end)', () => {
    fc.assert(fc.property(mutated, fc.boolean(), (data, stream) => checkBounded(data, stream)), { numRuns: 1500 });
  });
});

describe.skipIf(!existsSync(CRASHES))('SIP parser: replay of saved crash inputs', () => {
  const files = existsSync(CRASHES) ? readdirSync(CRASHES).filter((f) => f.endsWith('.bin')) : [];
  it.each(files.length > 0 ? files : ['(none saved)'])('%s', (file) => {
    if (file === '(none saved)') {
      expect(files).toEqual([]);
      return;
    }
    const data = readFileSync(CRASHES + file);
    checkBounded(data, false);
    checkBounded(data, true);
  });
});

describe('SipMessage.topViaBranch', () => {
  /** Via lines: several headers, comma lists, malformed entries before good ones, quoted commas */
  const viaEntry = fc.constantFrom(
    'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa', 'SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKb;rport',
    'SIP/2.0/UDP host;received=1.2.3.4;branch="z9hG4bKq"', 'garbage', 'SIP/2.0/UDP :5060;branch=x', 'SIP/2.0/UDP h:99999;branch=y',
    'SIP/2.0/UDP h;maddr="a,b";branch=z9hG4bKc', 'SIP/2.0/UDP h', 'SIP/2.0 / UDP  h : 7 ;BRANCH=z9hG4bKd', '',
  );
  const viaLines = fc.array(fc.array(viaEntry, { minLength: 1, maxLength: 3 }).map((es) => es.join(', ')), { maxLength: 4 });

  it('equals via[0]?.branch for any Via lines (the full parse is the reference)', () => {
    fc.assert(
      fc.property(viaLines, fc.constantFrom('v', 'Via', 'VIA'), (lines, name) => {
        const text = `OPTIONS sip:a@b SIP/2.0\r\n${lines.map((l) => `${name}: ${l}\r\n`).join('')}Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n`;
        const a = parseSipMessage(Buffer.from(text, 'latin1'), 0, text.length);
        const b = parseSipMessage(Buffer.from(text, 'latin1'), 0, text.length);
        if (!a.ok || !b.ok) return;
        // topViaBranch first (before the via getter caches), and after it
        const top = a.message.topViaBranch;
        expect(top).toBe(b.message.via[0]?.branch ?? null);
        expect(b.message.topViaBranch).toBe(top);
      }),
      { numRuns: 1000 },
    );
  });
});
