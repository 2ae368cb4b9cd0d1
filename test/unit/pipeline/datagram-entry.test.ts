/**
 * The datagram entry: the same capture pushed as frames and as datagrams (what the proxy, HEP or a
 * probe deliver) gives the same streams, calls and figures; DSCP unknown is never a DSCP failure.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import type { AnalysisReport } from '../../../src/model/report.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { datagramsOf } from '../../helpers/frames-to-datagrams.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/captures');

function viaFrames(file: string): AnalysisReport {
  const a = new Analyzer({ file, settings: loadSettings() });
  const summary = readCaptureFile(file, (r) => a.push(r), a.readOptions());
  return a.end(summary);
}

function viaDatagrams(file: string, dscp = true): { report: AnalysisReport; pushed: number } {
  const a = new Analyzer({ file, settings: loadSettings() });
  let pushed = 0;
  for (const d of datagramsOf(file, { dscp })) if (a.pushDatagram(d)) pushed++;
  return { report: a.finish('test'), pushed };
}

/** what must agree: everything measured, not the packet numbering (datagrams count only UDP/TCP payloads) */
function figures(r: AnalysisReport): { verdict: string; streams: unknown[]; calls: unknown[]; findings: string[] } {
  const round = (v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v);
  const strip = (o: Record<string, unknown>): Record<string, unknown> => {
    const { firstPacket, lastPacket, packet, series, jitterMaxPacket, firstDuplicatePacket, sequenceResetPacket, ...rest } = o;
    void firstPacket; void lastPacket; void packet; void series; void jitterMaxPacket; void firstDuplicatePacket; void sequenceResetPacket;
    // the SDP lines carry the frame of their message: the same lines, numbered differently
    if (Array.isArray(rest.sdp)) rest.sdp = (rest.sdp as Array<Record<string, unknown>>).map(({ packet: p, ...line }) => (void p, line));
    return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, round(v)]));
  };
  return {
    verdict: r.verdict,
    streams: r.streams.map((s) => strip({ ...s, rtcp: s.rtcp === null ? null : strip(s.rtcp as unknown as Record<string, unknown>) })),
    calls: r.calls.map((c) => strip(c as unknown as Record<string, unknown>)),
    findings: r.findings.filter((f) => f.code !== 'DECODE_ERRORS').map((f) => `${f.severity} ${f.code} ${f.streamId ?? ''} ${f.callId ?? ''}`).sort(),
  };
}

const CAPTURES = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('sll-fragments'));

describe('datagram entry', () => {
  it.each(CAPTURES)('%s: datagrams give the same streams, calls and findings as frames', (name) => {
    const file = join(FIXTURES, name);
    const frames = viaFrames(file);
    const { report, pushed } = viaDatagrams(file);
    expect(pushed).toBeGreaterThan(0);
    expect(figures(report)).toEqual(figures(frames));
    expect(report.input.format).toBe('live');
    expect(report.input.packets).toBe(pushed);
  });

  it('IP fragments rebuilt by the source arrive whole: same figures as the fragmented frames', () => {
    const file = join(FIXTURES, 'sll-fragments.pcap');
    expect(figures(viaDatagrams(file).report)).toEqual(figures(viaFrames(file)));
  });

  it('without DSCP (a source that cannot read it) no stream fails on DSCP and none is counted', () => {
    const file = join(FIXTURES, 'sample-call.pcapng');
    const withDscp = viaDatagrams(file).report;
    const without = viaDatagrams(file, false).report;
    expect(withDscp.findings.some((f) => f.code === 'DSCP_RTP_NOT_EF')).toBe(true);
    expect(without.findings.some((f) => f.code.startsWith('DSCP'))).toBe(false);
    for (const s of without.streams) expect(s.dscp).toEqual({});
    for (const c of without.calls) expect(c.sipDscp).toEqual({});
    // everything else is measured alike
    expect(without.streams.map((s) => [s.packets, s.lost, s.jitterMaxMs])).toEqual(withDscp.streams.map((s) => [s.packets, s.lost, s.jitterMaxMs]));
  });

  it('a datagram whose address is not IP is refused, counted as a decode error, and the rest goes on', () => {
    const file = join(FIXTURES, 'clean-call.pcap');
    const a = new Analyzer({ file, settings: loadSettings() });
    const ds = datagramsOf(file);
    expect(a.pushDatagram({ ...ds[0]!, src: 'not-an-address' })).toBe(false);
    for (const d of ds) a.pushDatagram(d);
    const r = a.finish('test');
    expect(r.input.decodeErrors).toBe(1);
    expect(r.findings.find((f) => f.code === 'DECODE_ERRORS')?.evidence?.[0]).toMatch(/not-an-address/);
    expect(figures(r)).toEqual(figures(viaDatagrams(file).report));
  });

  it('SIP over a TCP byte stream cut anywhere is framed like captured TCP', () => {
    const file = join(FIXTURES, 'sip-tcp-vlan.pcap');
    const whole = viaDatagrams(file).report;
    // the same bytes, each TCP payload split in two at a different place
    const a = new Analyzer({ file, settings: loadSettings() });
    let i = 0;
    for (const d of datagramsOf(file)) {
      if (d.transport === 'udp' || d.payload.length < 2) {
        a.pushDatagram(d);
        continue;
      }
      const cut = 1 + (i++ * 7919) % (d.payload.length - 1);
      a.pushDatagram({ ...d, payload: d.payload.subarray(0, cut) });
      a.pushDatagram({ ...d, payload: d.payload.subarray(cut) });
    }
    const split = a.finish('test');
    expect(whole.calls.length).toBeGreaterThan(0);
    expect(whole.calls.every((c) => c.transport === 'tcp')).toBe(true);
    expect(split.calls.map((c) => [c.callId, c.state, c.setupMs, c.messages])).toEqual(whole.calls.map((c) => [c.callId, c.state, c.setupMs, c.messages]));
    expect(figures(split).streams).toEqual(figures(whole).streams);
  });
});
