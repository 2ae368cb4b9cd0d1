/**
 * The call tracker on a real SIP-over-TCP call from ../shared (skipped when absent): the SDP's
 * expected media must be the RTP endpoints tshark finds, and setup/ring/duration must follow from
 * tshark's own frame timestamps.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import { SipStreamFramer } from '../../../src/reassembly/sip-framing.js';
import { CallTracker, type ExpectedMedia } from '../../../src/track/calls.js';
import { tcpSegments } from '../decode/sip/pcap-walk.js';

const FILE = '../shared/pcaps/public/heplify-sip-tcp-g711-rtcp.pcap';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function tshark(args: string[]): string[][] {
  const out = execFileSync('tshark', ['-n', '-r', FILE, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+|\|/));
}

describe.skipIf(!existsSync(FILE))('CallTracker on heplify-sip-tcp-g711-rtcp.pcap (needs ../shared)', () => {
  const media: ExpectedMedia[] = [];
  const tracker = new CallTracker({ onMedia: (m) => media.push(m) });
  const framers = new Map<string, SipStreamFramer>();
  // describe.skipIf still runs this body to collect the tests: read only when the file is there
  for (const seg of existsSync(FILE) ? tcpSegments(FILE) : []) {
    let fr = framers.get(seg.dir);
    if (fr === undefined) framers.set(seg.dir, (fr = new SipStreamFramer()));
    fr.push(seg.payload, (msg) => {
      const r = parseSipMessage(msg, 0, msg.length, { stream: true });
      if (r.ok) {
        tracker.push(r.message, {
          num: seg.num, epochMs: seg.epochMs, srcAddr: seg.src, srcPort: seg.srcPort,
          dstAddr: seg.dst, dstPort: seg.dstPort, transport: 'tcp', dscp: seg.dscp,
        });
      }
    });
  }
  tracker.flush(Number.MAX_SAFE_INTEGER);
  const calls = tracker.toJSON();

  it('finds one answered-then-ended call over TCP with 7 messages', () => {
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ state: 'ended', finalStatus: 200, transport: 'tcp', messages: 7, retransmissions: 0 });
  });

  it.skipIf(!hasTshark())('announces exactly the RTP endpoints tshark reports, with g711A and CN in the payload map', () => {
    const streams = tshark(['-q', '-z', 'rtp,streams'])
      .filter((c) => /^0x[0-9A-F]{8}$/.test(c[6] ?? ''))
      .map((c) => `${c[2]}:${c[3]}`);
    const ours = media.map((m) => `${m.address}:${m.port}`);
    expect([...new Set(ours)].sort()).toEqual([...new Set(streams)].sort());
    for (const m of media) {
      expect(m.payloads.get(8)).toEqual({ codec: 'g711A', clockRate: 8000, ptime: 20 }); // a=ptime:20 of the SDP
    }
    expect(media.some((m) => m.payloads.get(13)?.codec === 'CN')).toBe(true);
  });

  it.skipIf(!hasTshark())('derives setup, ring and duration from the frame times tshark shows', () => {
    const rows = tshark(['-Y', 'sip', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.CSeq.method']);
    const at = (pred: (r: string[]) => boolean): number => Number(rows.find(pred)![1]) * 1000;
    const invite = at((r) => r[2] === 'INVITE');
    const ring = at((r) => r[3] === '180');
    const answer = at((r) => r[3] === '200' && r[4] === 'INVITE');
    const bye = at((r) => r[2] === 'BYE');
    const c = calls[0]!;
    expect(c.setupMs).toBeCloseTo(answer - invite, 2);
    expect(c.ringMs).toBeCloseTo(ring - invite, 2);
    expect(c.durationSeconds).toBeCloseTo((bye - answer) / 1000, 2);
    expect(c.firstPacket).toBe(Number(rows[0]![0]));
  });
});
