/**
 * The parser against real SIP from ../shared/pcaps (skipped when that folder is absent), checked
 * against tshark 4.0's own SIP dissection when tshark is on PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../../src/decode/sip/parse.js';
import { udpPayloads } from './pcap-walk.js';

const FILE = '../shared/pcaps/public/heplify-rawip-sip.pcap';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!existsSync(FILE))('SIP parser on heplify-rawip-sip.pcap (needs ../shared)', () => {
  // describe.skipIf still runs this body to collect the tests: read only when the file is there
  const parsed = (existsSync(FILE) ? udpPayloads(FILE) : []).map((u) => ({ num: u.num, r: parseSipMessage(u.payload, 0, u.payload.length) }));
  const ok = parsed.flatMap(({ num, r }) => (r.ok ? [{ num, m: r.message }] : []));

  it('parses every UDP payload of the capture as SIP', () => {
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.filter(({ r }) => !r.ok).map(({ num, r }) => [num, !r.ok && r.code])).toEqual([]);
  });

  it.skipIf(!hasTshark())('finds the same messages, methods, status codes and Call-IDs as tshark', () => {
    const out = execFileSync('tshark', ['-n', '-r', FILE, '-Y', 'sip', '-T', 'fields', '-E', 'separator=|',
      '-e', 'frame.number', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.seq'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const expected = out.trim().split('\n').map((l) => l.split('|'));
    const ours = ok.map(({ num, m }) => [
      String(num),
      m.kind === 'request' ? m.method : '',
      m.kind === 'response' ? String(m.status) : '',
      m.callId ?? '',
      String(m.cseq?.seq ?? ''),
    ]);
    expect(ours).toEqual(expected);
  });
});
