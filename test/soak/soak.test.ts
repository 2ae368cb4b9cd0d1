/**
 * Soak, CI-sized: 50,000 short calls (100,000 RTP streams, ~2.5 M RTP datagrams) pushed through the
 * datagram entry with the clock driven on accelerated seconds, as a proxy or HEP source would. What
 * the pipeline holds, and its heap, stay flat after warm-up; every call and stream reaches the
 * metrics; the report stays bounded and says what it no longer lists.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/outputs/prometheus/metrics.js';
import { renderRegistry } from '../../src/outputs/prometheus/prom-bridge.js';
import { Analyzer, type HeldCounts } from '../../src/pipeline/analyzer.js';
import { loadSettings } from '../../src/config/load-settings.js';
import { runLiveCalls } from '../helpers/live-calls.js';
import { parseExposition } from '../helpers/prometheus.js';

const CALLS = Number(process.env.SOAK_CALLS ?? 50_000);
const KEEP = 1000;

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  // the JavaScript heap: the WebAssembly records are counted by held().recordsAllocated, and Buffers
  // (arrayBuffers) swing with the generator's one second of pending datagrams
  return process.memoryUsage().heapUsed / 1e6;
}

describe('soak: many short calls through the datagram entry', () => {
  it(`${CALLS} calls: held streams, calls, records and heap flat after warm-up; all counted`, async () => {
    const settings = loadSettings();
    const metrics = createMetrics({ settings });
    const a = new Analyzer({
      file: 'soak', settings, listeners: [metrics.listener],
      retention: { streamIdleSeconds: 5, callGraceSeconds: 2, keepStreams: KEEP, keepCalls: KEEP },
    });
    metrics.attach(a.view);
    const samples: Array<{ started: number; held: HeldCounts; heap: number }> = [];
    let scrapes = 0;
    let seconds = 0;
    const truth = runLiveCalls(a, {
      calls: CALLS, perSecond: 200, packetsPerCall: 25, tailSeconds: 10,
      onSecond: (_sec, started) => {
        seconds++;
        if (seconds % 5 === 0 && started < CALLS) samples.push({ started, held: a.held(), heap: heapMb() });
        // a scrape now and then as the server renders it, as Prometheus would (gauges are computed from the live view)
        if (seconds % 15 === 0) {
          void renderRegistry(metrics.registry, false);
          scrapes++;
        }
      },
    });
    expect(truth.calls).toBe(CALLS);
    expect(scrapes).toBeGreaterThan(0);
    // warm-up: the first fifth of the calls; from there on nothing grows
    const warm = samples.filter((s) => s.started >= CALLS / 5);
    expect(warm.length).toBeGreaterThanOrEqual(3);
    const first = warm[0]!;
    for (const s of warm) {
      expect(s.held.streams).toBeLessThanOrEqual(first.held.streams * 1.2 + 10);
      expect(s.held.calls).toBeLessThanOrEqual(first.held.calls * 1.2 + 10);
      expect(s.held.signalledEndpoints).toBeLessThanOrEqual(first.held.signalledEndpoints * 1.2 + 10);
      // WebAssembly records are reused: the memory holds no more than the busiest moment needed
      expect(s.held.recordsAllocated).toBeLessThanOrEqual(first.held.recordsAllocated * 1.2 + 10);
      expect(s.heap).toBeLessThan(first.heap + 15);
    }
    // the busiest moment holds a few seconds of calls, not the run
    expect(first.held.streams).toBeLessThan(4000);
    expect(first.held.recordsAllocated).toBeLessThan(5000);

    // after the tail everything retired
    const end = a.held();
    expect(end.streams).toBe(0);
    expect(end.calls).toBe(0);
    expect(end.retiredStreams).toBe(truth.streams);
    expect(end.retiredCalls).toBe(CALLS);

    const report = a.finish('soak');
    expect(report.streams.length).toBe(KEEP);
    expect(report.calls.length).toBe(KEEP);
    expect(report.retention.streamsRetired).toBe(truth.streams);
    expect(report.retention.streamsNotListed).toBe(truth.streams - KEEP);
    expect(report.retention.callsNotListed).toBe(CALLS - KEEP);
    expect(report.retention.notListedStreamVerdicts.pass).toBe(truth.streams - KEEP);
    // the newest are the ones listed, in order
    expect(report.streams[KEEP - 1]!.id).toBe(`s${truth.streams}`);
    expect(report.findings.find((f) => f.code === 'EARLIER_NOT_LISTED')?.measured).toBe(truth.streams - KEEP);
    expect(JSON.stringify(report).length).toBeLessThan(4_000_000);
    for (const s of report.streams) {
      expect(s.packets).toBe(25);
      expect(s.lost).toBe(0);
    }

    const m = parseExposition(await renderRegistry(metrics.registry, false));
    const base = 'site=default';
    const stream = 'codec=PCMA,direction=unknown,peer=other,profile=default,site=default';
    expect(m.get(`voipready_sip_calls_started_total|profile=default,${base}`)).toBe(CALLS);
    expect(m.get(`voipready_sip_calls_ended_total|profile=default,${base},state=ended,status_class=2xx`)).toBe(CALLS);
    expect(m.get(`voipready_rtp_streams_started_total|${stream}`)).toBe(truth.streams);
    expect(m.get(`voipready_rtp_packets_received_total|${stream}`)).toBe(truth.rtpPackets);
    expect(m.get(`voipready_rtp_packets_lost_total|${stream}`)).toBe(0);
    expect(m.get(`voipready_streams|profile=default,${base},verdict=pass`)).toBe(truth.streams);
    expect(m.get(`voipready_streams_active|codec=none,direction=unknown,peer=none,profile=default,${base}`)).toBe(0);
    // SIP sent as best effort (DSCP EF here) warns once per call, counted when each call retired
    expect(m.get(`voipready_findings_total|code=DSCP_SIP_NOT_CS3_AF31,profile=default,severity=warn,${base}`)).toBe(CALLS);
  }, 240_000);
});
