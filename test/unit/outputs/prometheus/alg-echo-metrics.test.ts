import { describe, expect, it } from 'vitest';
import type { EchoStats } from '../../../../src/alg-test/echo-server.js';
import { algEchoFamilies } from '../../../../src/outputs/prometheus/alg-echo-metrics.js';
import { renderTextfile } from '../../../../src/outputs/prometheus/textfile.js';
import { parseExposition } from '../../../helpers/prometheus.js';

const stats = (): EchoStats => ({
  received: 16, answered: 3, bytesIn: 9000, bytesOut: 2000, rateLimited: 4, maxReplyGrowth: 410,
  outcomes: { echoed: 2, oversized: 5, malformed: 3, 'not-test': 1, 'response-ignored': 1, 'too-large-reply': 0 }, sourcesTracked: 3, sourcesEvicted: 7, tcpConnections: 2,
});

describe('alg-echo metrics', () => {
  it('every outcome of the closed set (and rate_limited) is a series; the outcomes add up to the messages received', () => {
    const m = parseExposition(renderTextfile(algEchoFamilies(stats, null)));
    const outcomes = [...m].filter(([k]) => k.startsWith('voipready_alg_echo_messages_total|')).map(([k, v]) => [k.split('outcome=')[1], v]);
    expect(outcomes).toEqual([['echoed', 2], ['oversized', 5], ['malformed', 3], ['not_test', 1], ['response_ignored', 1], ['too_large_reply', 0], ['rate_limited', 4]]);
    expect(outcomes.reduce((a, [, v]) => a + (v as number), 0)).toBe(stats().received);
    expect(m.get('voipready_alg_echo_sources_evicted_total|')).toBe(7);
    expect(m.has('voipready_alg_echo_stun_requests_total|outcome=answered')).toBe(false);
  });

  it('values are read when scraped, not when registered; STUN counters with --stun-server', () => {
    const s = stats();
    const stun = { datagrams: 9, requests: 8, answered: 6, changedPort: 1, malformed: 1, rateLimited: 1 };
    const families = algEchoFamilies(() => s, () => stun);
    s.rateLimited = 40;
    stun.answered = 7;
    const m = parseExposition(renderTextfile(families));
    expect(m.get('voipready_alg_echo_messages_total|outcome=rate_limited')).toBe(40);
    expect(m.get('voipready_alg_echo_stun_requests_total|outcome=answered')).toBe(7);
    expect(renderTextfile(families)).toMatch(/^# TYPE voipready_alg_echo_messages_total counter$/m);
  });
});
