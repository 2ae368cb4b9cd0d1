/**
 * The bus as detectors use it: one event per SIP message and per RTCP packet (with packet number,
 * addresses, transport, DSCP, source), findings raised by listeners in the report and in
 * voipready_findings_total, every report finding counted once, and a throwing listener isolated.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import type { Finding } from '../../../src/model/report.js';
import { createMetrics } from '../../../src/outputs/prometheus/metrics.js';
import { renderRegistry } from '../../../src/outputs/prometheus/prom-bridge.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import type { AnalysisListener, ListenerContext, RtcpEvent, SipEvent } from '../../../src/pipeline/events.js';
import { datagramsOf } from '../../helpers/frames-to-datagrams.js';
import { parseExposition } from '../../helpers/prometheus.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/captures');
const SAMPLE = join(FIXTURES, 'sample-call.pcapng');

function analyse(file: string, listeners: AnalysisListener[]): ReturnType<Analyzer['end']> {
  const a = new Analyzer({ file, settings: loadSettings(), listeners });
  return a.end(readCaptureFile(file, (r) => a.push(r), a.readOptions()));
}

/** findings_total by "code severity" from a scrape */
async function countedFindings(metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of parseExposition(await renderRegistry(metrics.registry, false))) {
    if (!k.startsWith('voipready_findings_total|') || v === 0) continue;
    const code = /code=([^,]+)/.exec(k)![1]!;
    const sev = /severity=([^,]+)/.exec(k)![1]!;
    out[`${code} ${sev}`] = v;
  }
  return out;
}

function byCode(findings: Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[`${f.code} ${f.severity}`] = (out[`${f.code} ${f.severity}`] ?? 0) + 1;
  return out;
}

describe('pipeline events', () => {
  it('one onSip per SIP message with its packet number, addresses, transport and DSCP', () => {
    const sips: SipEvent[] = [];
    const r = analyse(SAMPLE, [{ onSip: (e) => sips.push({ ...e, bytes: Buffer.from(e.bytes) }) }]);
    const messages = r.calls.reduce((n, c) => n + c.messages, 0);
    expect(sips.length).toBe(messages);
    const invite = sips.find((e) => e.message.kind === 'request' && e.message.method === 'INVITE')!;
    const call = r.calls.find((c) => c.callId === invite.message.callId)!;
    expect(invite.packet).toBe(call.firstPacket);
    expect(`${invite.src}:${invite.srcPort}`).toBe(call.sipSrc);
    expect(`${invite.dst}:${invite.dstPort}`).toBe(call.sipDst);
    expect(invite.transport).toBe('udp');
    expect(invite.source).toBe('capture');
    expect(Object.keys(call.sipDscp)).toContain(String(invite.dscp));
    expect(invite.bytes.toString('latin1')).toMatch(/^INVITE sip:/);
  });

  it('one onRtcp per RTCP compound; datagram sources carry their label and an unknown DSCP as null', () => {
    const file = join(FIXTURES, 'clean-call.pcap');
    const fromFrames: RtcpEvent[] = [];
    const r = analyse(file, [{ onRtcp: (e) => fromFrames.push(e) }]);
    const rtcp = r.streams.reduce((n, s) => n + (s.rtcp?.packets ?? 0), 0);
    expect(fromFrames.length).toBeGreaterThan(0);
    expect(fromFrames.length).toBeLessThanOrEqual(rtcp);
    expect(fromFrames.every((e) => e.packets.length > 0 && e.packets.some((p) => p.type === 'sr' || p.type === 'rr'))).toBe(true);

    const fromDatagrams: RtcpEvent[] = [];
    const sips: SipEvent[] = [];
    const a = new Analyzer({ file, settings: loadSettings(), listeners: [{ onRtcp: (e) => fromDatagrams.push(e), onSip: (e) => sips.push(e) }] });
    for (const d of datagramsOf(file, { dscp: false, source: 'hep:agent-7' })) a.pushDatagram(d);
    a.finish('hep');
    expect(fromDatagrams.map((e) => [e.src, e.srcPort, e.dst, e.dstPort, e.epochMs])).toEqual(fromFrames.map((e) => [e.src, e.srcPort, e.dst, e.dstPort, e.epochMs]));
    expect(new Set([...fromDatagrams, ...sips].map((e) => `${e.source} ${e.dscp}`))).toEqual(new Set(['hep:agent-7 null']));
  });

  it('a finding raised by a detector reaches the report, onFinding and voipready_findings_total', async () => {
    const settings = loadSettings();
    const metrics = createMetrics({ settings });
    const seen: Finding[] = [];
    let ctx: ListenerContext | null = null;
    const detector: AnalysisListener = {
      onAttach: (c) => {
        ctx = c;
      },
      onSip: (e) => {
        if (e.message.kind === 'request' && e.message.method === 'INVITE') {
          ctx!.raise({ severity: 'warn', code: 'SIP_ALG_REWRITE', message: `test detector saw the INVITE in packet ${e.packet}`, packet: e.packet, evidence: [e.message.callId ?? ''] });
        }
      },
    };
    const a = new Analyzer({ file: SAMPLE, settings, listeners: [metrics.listener, detector, { onFinding: (f) => seen.push(f) }] });
    metrics.attach(a.view);
    const r = a.end(readCaptureFile(SAMPLE, (rec) => a.push(rec), a.readOptions()));
    const raised = r.findings.filter((f) => f.code === 'SIP_ALG_REWRITE');
    expect(raised.length).toBe(r.calls.length);
    expect(raised[0]!.message).toMatch(/packet \d+/);
    expect(seen.filter((f) => f.code === 'SIP_ALG_REWRITE').length).toBe(r.calls.length);
    const counted = await countedFindings(metrics);
    expect(counted['SIP_ALG_REWRITE warn']).toBe(r.calls.length);
    const alg = parseExposition(await renderRegistry(metrics.registry, false));
    expect(alg.get('voipready_sip_alg_findings_total|code=SIP_ALG_REWRITE,profile=default,site=default')).toBe(r.calls.length);
    // the raising changed the verdict like any finding
    expect(r.verdict).not.toBe('pass');
  });

  it('voipready_findings_total counts every finding of the report once (the bundled sample, and every fixture)', async () => {
    for (const name of ['sample-call.pcapng', 'port-violation.pcap', 'only-sip.pcap', 'no-signalling.pcap', 'many-streams.pcap']) {
      const settings = loadSettings({ profile: name === 'port-violation.pcap' ? 'starface' : 'default' });
      const metrics = createMetrics({ settings });
      const seen: Finding[] = [];
      const file = join(FIXTURES, name);
      const a = new Analyzer({ file, settings, listeners: [metrics.listener, { onFinding: (f) => seen.push(f) }] });
      metrics.attach(a.view);
      const r = a.end(readCaptureFile(file, (rec) => a.push(rec), a.readOptions()));
      if (name === 'sample-call.pcapng') expect(r.findings.length).toBeGreaterThanOrEqual(3);
      expect(await countedFindings(metrics), name).toEqual(byCode(r.findings));
      expect(seen.length, name).toBe(r.findings.length);
    }
  });

  it('a throwing listener is isolated: reported once per hook, the others and the report unaffected', async () => {
    const settings = loadSettings();
    const metrics = createMetrics({ settings });
    const clean = analyse(SAMPLE, []);
    const after: string[] = [];
    const broken: AnalysisListener = {
      onSip: () => {
        throw new Error('detector bug');
      },
      onStream: () => {
        throw new Error('stream bug');
      },
    };
    const a = new Analyzer({ file: SAMPLE, settings, listeners: [broken, metrics.listener, { onSip: (e) => after.push(String(e.packet)) }] });
    metrics.attach(a.view);
    const r = a.end(readCaptureFile(SAMPLE, (rec) => a.push(rec), a.readOptions()));
    const failed = r.findings.filter((f) => f.code === 'LISTENER_FAILED');
    expect(failed.length).toBe(2);
    expect(failed.some((f) => /onSip.*detector bug/.test(f.message))).toBe(true);
    expect(failed.some((f) => /onStream.*stream bug/.test(f.message))).toBe(true);
    // the listener after the broken one still heard every message; the figures are those of a clean run
    expect(after.length).toBe(clean.calls.reduce((n, c) => n + c.messages, 0));
    expect(r.streams).toEqual(clean.streams);
    expect(r.calls).toEqual(clean.calls);
    expect((await countedFindings(metrics))['LISTENER_FAILED warn']).toBe(2);
  });
});
