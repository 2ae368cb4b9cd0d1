/**
 * Issue 15's examples on the real public captures (../shared/pcaps/public; skipped when absent or
 * without tshark), each held against tshark's own dissection of the same file:
 *  - lab-sipp-loss2: the answer's SDP lists PT 0 only while PT 8 flows (CODEC_NOT_NEGOTIATED, once per
 *    call); PT 101 is the caller's telephone-event/8000; the DTMF streams' DSCP finding is their voice
 *    stream's (listed once per cause);
 *  - rtpproxy-g729-reorder: the sender restarts its sequence twice: loss 0, not -22.94 %, and
 *    RTP_SEQUENCE_RESET at the frame where tshark shows the sequence number fall back;
 *  - ndpi-skinny-g711: every packet of two streams captured twice: loss 0, not -100 %, RTP_DUPLICATES
 *    at the first frame tshark shows a repeated sequence number;
 *  - ndpi-webrtc-meet-ipv6-multiif: interfaces 113 days apart: CAPTURE_CLOCKS_APART, a duration that is
 *    the interfaces' own time, not 9,783,934 s;
 *  - heplify-rawip-sip: a 403 is the far end's answer: CALL_FAILED info, as the README says.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, analyzeJson } from '../helpers/cli.js';
import { hasTshark, tshark } from '../unit/synth/tshark.js';

const DIR = join(ROOT, '..', 'shared', 'pcaps', 'public');
const file = (name: string) => join(DIR, name);
const present = existsSync(file('lab-sipp-loss2.pcapng'));

/** tshark -T fields rows */
function fields(path: string, filter: string, names: string[], heuristic = false): string[][] {
  const pre = heuristic ? ['-o', 'rtp.heuristic_rtp:TRUE'] : [];
  return tshark([...pre, '-r', path, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n])]).trim().split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

describe.skipIf(!present || !hasTshark)('issue 15 on the public captures, against tshark (skipped without ../shared or tshark)', () => {
  it('lab-sipp-loss2: PT 8 flows where the answer took PT 0: one CODEC_NOT_NEGOTIATED per call; DTMF named and folded', () => {
    const path = file('lab-sipp-loss2.pcapng');
    const { report } = analyzeJson(path);
    // tshark: every 200's SDP offers its media formats; the RTP's payload types
    const answers = fields(path, 'sip.Status-Code == 200 && sdp', ['frame.number', 'sdp.media.format']);
    const rtpTypes = new Set(fields(path, 'rtp', ['rtp.p_type']).map(([pt]) => pt));
    expect(answers.length).toBe(2);
    for (const [, formats] of answers) expect(formats).not.toMatch(/\b8\b|PCMA/);
    expect(rtpTypes.has('8')).toBe(true);
    const mismatch = report.findings.filter((f: any) => f.code === 'CODEC_NOT_NEGOTIATED');
    expect(mismatch.map((f: any) => f.packet).sort((a: number, b: number) => a - b)).toEqual(answers.map(([n]) => Number(n)).sort((a, b) => a - b));
    expect(new Set(mismatch.map((f: any) => f.callId)).size).toBe(report.calls.length);
    // PT 101: what the caller's rtpmap says, not "PT101"
    const dtmf = report.streams.filter((s: any) => s.payloadType === 101);
    expect(dtmf.length).toBe(4);
    for (const s of dtmf) expect(s.codec).toBe('telephone-event');
    // the DTMF streams share their voice streams' path and marking: their DSCP finding is the voice stream's
    const dscp = report.findings.filter((f: any) => f.code === 'DSCP_RTP_NOT_EF');
    expect(dscp.every((f: any) => !dtmf.some((s: any) => s.id === f.streamId))).toBe(true);
    expect(dscp.flatMap((f: any) => f.evidence).filter((e: string) => /DTMF stream/.test(e))).toHaveLength(2);
    for (const s of report.streams) expect(s.lostCounted).toBeGreaterThanOrEqual(0);
  });

  it('rtpproxy-g729-reorder: two sequence restarts: loss 0 %, the finding at tshark\'s frame', () => {
    const path = file('rtpproxy-g729-reorder.pcap');
    const { report } = analyzeJson(path);
    const rows = fields(path, 'rtp', ['frame.number', 'rtp.seq'], true);
    const falls = rows.filter(([, seq], i) => i > 0 && Number(seq) < Number(rows[i - 1]![1])).map(([n]) => Number(n));
    expect(falls.length).toBe(2);
    const s = report.streams[0];
    expect(s.lost).toBe(-475); // tshark's figure, kept for comparison
    expect([s.lostCounted, s.lossPercent, s.sequenceResets, s.sequenceResetPacket]).toEqual([0, 0, 2, falls[0]]);
    expect(report.summary.find((r: any) => r.criterion === 'loss').measured).toBe('0.00 % (s1)');
    expect(report.findings.find((f: any) => f.code === 'RTP_SEQUENCE_RESET')?.packet).toBe(falls[0]);
  });

  it('ndpi-skinny-g711: duplicated streams: loss 0 %, RTP_DUPLICATES at the first repeated sequence number', () => {
    const path = file('ndpi-skinny-g711.pcap');
    const { report } = analyzeJson(path);
    const rows = fields(path, 'rtp', ['frame.number', 'rtp.ssrc', 'rtp.seq', 'ip.src', 'ip.dst'], true);
    for (const s of report.streams.filter((x: any) => x.duplicates > 0)) {
      const seen = new Set<string>();
      const mine = rows.filter(([, ssrc, , src, dst]) => Number(ssrc) === Number(s.ssrc) && s.src.startsWith(`${src}:`) && s.dst.startsWith(`${dst}:`));
      const first = mine.find(([, , seq]) => (seen.has(seq!) ? true : (seen.add(seq!), false)));
      expect(s.lost).toBeLessThan(0);
      expect([s.lostCounted, s.lossPercent]).toEqual([0, 0]);
      expect(s.firstDuplicatePacket).toBe(Number(first![0]));
      expect(report.findings.find((f: any) => f.code === 'RTP_DUPLICATES' && f.streamId === s.id)?.packet).toBe(Number(first![0]));
    }
    expect(report.streams.filter((x: any) => x.duplicates > 0)).toHaveLength(2);
  });

  it('ndpi-webrtc-meet-ipv6-multiif: interfaces 113 days apart: a finding and the interfaces\' own duration', () => {
    const path = file('ndpi-webrtc-meet-ipv6-multiif.pcapng');
    const { report } = analyzeJson(path);
    const rows = fields(path, 'frame', ['frame.interface_id', 'frame.time_epoch']);
    const span = (id: string) => {
      const t = rows.filter(([i]) => i === id).map(([, e]) => Number(e));
      return Math.max(...t) - Math.min(...t);
    };
    expect(report.input.durationSeconds).toBeCloseTo(span('0') + span('1'), 3);
    const f = report.findings.find((x: any) => x.code === 'CAPTURE_CLOCKS_APART');
    expect(f?.message).toMatch(/113 days apart/);
  });

  it('heplify-rawip-sip: the 403 is informational (README "Verdicts": only 5xx and 408 warn)', () => {
    const path = file('heplify-rawip-sip.pcap');
    const { report } = analyzeJson(path);
    expect(fields(path, 'sip.Status-Code == 403', ['frame.number']).length).toBeGreaterThan(0);
    const failed = report.findings.find((x: any) => x.code === 'CALL_FAILED');
    expect([failed?.severity, failed?.measured]).toEqual(['info', 403]);
  });
});
