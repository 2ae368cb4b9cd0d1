/**
 * The proxy section of the text report lists every upstream with its state and counts (the same
 * figures as the JSON report's proxy.upstreams and the per-upstream metrics).
 */
import { describe, expect, it } from 'vitest';
import type { ProxyReport } from '../../../src/model/report.js';
import { renderText } from '../../../src/outputs/text-report.js';
import { passReport } from '../../helpers/sample-report.js';

function proxySection(): ProxyReport {
  return {
    listen: '0.0.0.0:5060', upstream: 'udp:10.0.0.5:5060, tcp:10.0.0.6:5060', relay: 'loop', calls: 3,
    sip: { forwarded: 10, absorbedRetransmissions: 0, rejectedForbidden: 0, rejectedNotFound: 0, tooManyHops: 0, noRtpPorts: 0, malformed: 0, rateLimited: 0, strayResponses: 0, largeOverTcp: 0, tcpFallbackToUdp: 0 },
    media: { received: 0, forwarded: 0, droppedStrictSource: 0, droppedJunk: 0, droppedNoPeer: 0, sendErrors: 0, notAnalysed: 0 },
    addedDelayMs: { 'a-leg': null, 'b-leg': null },
    upstreams: [
      { upstream: '10.0.0.5:5060', transport: 'udp', domain: null, up: false, requests: 2, failovers: { timeout: 1, unreachable: 0, unavailable: 1 }, probesSent: 9, probesAnswered: 4 },
      { upstream: '10.0.0.6:5060', transport: 'tcp', domain: 'pbx-b.example', up: true, requests: 2, failovers: { timeout: 0, unreachable: 0, unavailable: 0 }, probesSent: 9, probesAnswered: 9 },
    ],
  };
}

describe('text report: proxy upstreams', () => {
  it('lists each upstream in order: transport, domain, up or down, requests, failovers by reason, probes', () => {
    const text = renderText({ ...passReport(), proxy: proxySection() }, { color: false });
    const lines = text.split('\n').filter((l) => l.startsWith('  upstream '));
    expect(lines).toEqual([
      '  upstream udp 10.0.0.5:5060: down, 2 request(s) sent, 2 failed over (1 timeout, 0 unreachable, 1 503), 4 of 9 probe(s) answered',
      '  upstream tcp 10.0.0.6:5060 (pbx-b.example): up, 2 request(s) sent, 0 failed over (0 timeout, 0 unreachable, 0 503), 9 of 9 probe(s) answered',
    ]);
    expect(text).toContain('Proxy 0.0.0.0:5060 -> udp:10.0.0.5:5060, tcp:10.0.0.6:5060: 3 call(s)');
  });

  it('a report from before several upstreams (no list) renders as before', () => {
    const { upstreams: _, ...old } = proxySection();
    const text = renderText({ ...passReport(), proxy: old }, { color: false });
    expect(text).not.toMatch(/^ {2}upstream /m);
    expect(text).toContain('Proxy 0.0.0.0:5060 -> udp:10.0.0.5:5060, tcp:10.0.0.6:5060');
  });
});
