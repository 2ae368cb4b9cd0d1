/** One-way delay from RTCP: hand-computed SR/RR examples (RFC 3550 6.4.1) and the clock test of rtcp-ntp. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RtcpStreamStats } from '../../../src/measure/rtcp-stats.js';
import { NTP_UNIX_OFFSET, ntpMiddle32 } from '../../../src/measure/ntp.js';
import { ntpClockProblem, rtcpDelay, RTT_RELIABILITY } from '../../../src/measure/delay.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import { loadSettings } from '../../../src/config/load-settings.js';

/** an SR sent at epoch ms `sentMs` on the sender's clock, captured at `capturedMs` */
function sr(st: RtcpStreamStats, sentMs: number, capturedMs: number): number {
  const sec = Math.floor(sentMs / 1000) + NTP_UNIX_OFFSET;
  const frac = Math.round(((sentMs % 1000) / 1000) * 2 ** 32) >>> 0;
  st.onSenderReport(ntpMiddle32(sec, frac), capturedMs, (sec - NTP_UNIX_OFFSET) * 1000 + (frac / 2 ** 32) * 1000);
  return ntpMiddle32(sec, frac);
}

const T0 = 1_700_000_000_000;

describe('RTCP round trip and one-way delay', () => {
  it('RTT = report capture time - SR capture time - DLSR; one-way = RTT / 2 (rtcp-rtt)', () => {
    const st = new RtcpStreamStats();
    st.packets = 2;
    // SR captured at T0; the receiver holds it 250 ms (DLSR = 0.25 * 65536) and its RR is captured at T0 + 330 ms
    const lsr = sr(st, T0 - 3, T0);
    st.onReportBlock({ ssrc: 1, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lsr, dlsr: 0.25 * 65536 }, 8000, T0 + 330);
    expect(st.rttMs).toBeCloseTo(80, 9);
    const d = rtcpDelay(st);
    expect(d?.method).toBe('rtcp-rtt');
    expect(d?.oneWayMs).toBeCloseTo(40, 9);
    expect(d?.reliability).toBe(RTT_RELIABILITY);
    expect(d?.reason).toMatch(/only 1 sender report/);
  });

  it('mean of the round trips, and the reverse direction\'s when the stream has none', () => {
    const st = new RtcpStreamStats();
    st.packets = 3;
    for (const [at, rtt] of [[0, 60], [5000, 100]] as const) {
      const lsr = sr(st, T0 + at - 2000, T0 + at);
      st.onReportBlock({ ssrc: 1, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lsr, dlsr: 65536 }, 8000, T0 + at + 1000 + rtt);
    }
    expect(rtcpDelay(st)?.rttMs).toBeCloseTo(80, 9);
    const none = new RtcpStreamStats();
    const rev = rtcpDelay(null, 50);
    expect(rev?.oneWayMs).toBe(25);
    expect(rev?.reliability).toMatch(/reverse direction/);
    expect(rtcpDelay(none)?.oneWayMs ?? null).toBeNull();
    expect(rtcpDelay(none)?.reason).toMatch(/no RTCP sender report/);
  });

  it('rtcp-ntp when the SR clock is synchronised: the mean of capture - SR time', () => {
    const st = new RtcpStreamStats();
    st.packets = 3;
    // the sender's clock is synchronised; the SRs take 31, 33, 32 ms to the capture point
    sr(st, T0, T0 + 31);
    sr(st, T0 + 5000, T0 + 5033);
    sr(st, T0 + 10000, T0 + 10032);
    expect(ntpClockProblem(st)).toBeNull();
    const d = rtcpDelay(st);
    expect(d?.method).toBe('rtcp-ntp');
    expect(d?.oneWayMs).toBeCloseTo(32, 2);
  });

  it('no rtcp-ntp, with the reason, when the clock is off, drifting, ahead, or at the sender', () => {
    const off = new RtcpStreamStats();
    sr(off, T0, T0 + 3_600_000);
    sr(off, T0 + 5000, T0 + 3_605_000);
    expect(ntpClockProblem(off)).toMatch(/not synchronised/);
    const drift = new RtcpStreamStats();
    sr(drift, T0, T0 + 20);
    sr(drift, T0 + 5000, T0 + 5040);
    expect(ntpClockProblem(drift)).toMatch(/varies by 20/);
    const ahead = new RtcpStreamStats();
    sr(ahead, T0, T0 - 30);
    sr(ahead, T0 + 5000, T0 + 4970);
    expect(ntpClockProblem(ahead)).toMatch(/ahead of the capture clock/);
    const atSender = new RtcpStreamStats();
    sr(atSender, T0, T0 + 0.2);
    sr(atSender, T0 + 5000, T0 + 5000.3);
    expect(ntpClockProblem(atSender)).toMatch(/captured at the sender/);
  });

  const pub = join(import.meta.dirname, '../../../../shared/pcaps/public/heplify-sip-tcp-g711-rtcp.pcap');
  it.skipIf(!existsSync(pub))('heplify-sip-tcp-g711-rtcp.pcap (RTCP SR with LSR/DLSR): one-way = RTT / 2 on both directions (skipped when ../shared is absent)', () => {
    const a = new Analyzer({ file: pub, settings: loadSettings({}) });
    const report = a.end(readCaptureFile(pub, (r) => a.push(r), a.readOptions()));
    const withRtt = report.streams.filter((s) => s.rtcp?.rttMs !== null && s.rtcp !== null);
    expect(withRtt.length).toBeGreaterThan(0);
    for (const s of withRtt) {
      expect(s.delay?.method).toBe('rtcp-rtt');
      // one RTT sample here: the mean is the latest
      expect(s.delay?.rttMs).toBeCloseTo(s.rtcp!.rttMs!, 3);
      expect(s.delay?.oneWayMs).toBeCloseTo(s.rtcp!.rttMs! / 2, 3);
    }
    // every stream gets a one-way figure: its own round trip, or the reverse direction's
    for (const s of report.streams) expect(s.delay?.oneWayMs).toBeGreaterThan(0);
    const m = report.streams[0]!.mouthToEar!;
    expect(m.networkMeasured).toBe(true);
    expect(m.totalMs).toBeCloseTo(m.networkMs + m.packetisationMs + m.lookAheadMs + m.jitterBufferMs, 6);
  });
});
