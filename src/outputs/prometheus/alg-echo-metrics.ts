/**
 * alg-echo's own counters on `/metrics` (`alg-echo --listen-http`): what reached the echo and what it
 * did with it, bad input above all (oversized, malformed, rate-limited), so an echo on a VPS that is
 * being flooded shows it. Values are read from the servers' stats when scraped (habit 14: computed on
 * scrape); no labels beyond `outcome`, a closed set.
 *
 *   voipready_alg_echo_messages_total{outcome}       messages by what the echo did: echoed, oversized, malformed,
 *                                                    not_test (a bare 400), response_ignored, too_large_reply (a bare 413), rate_limited
 *   voipready_alg_echo_answered_messages_total       replies sent
 *   voipready_alg_echo_received_bytes_total / voipready_alg_echo_sent_bytes_total
 *   voipready_alg_echo_max_reply_growth_bytes        the largest reply minus its request (the no-amplification bound)
 *   voipready_alg_echo_sources                       source addresses in the rate table now
 *   voipready_alg_echo_sources_evicted_total         sources evicted from the full rate table
 *   voipready_alg_echo_tcp_connections_total         TCP connections accepted
 *   voipready_alg_echo_stun_requests_total{outcome}  with --stun-server: answered, rate_limited, malformed
 */
import type { Registry } from 'prom-client';
import type { EchoStats } from '../../alg-test/echo-server.js';
import type { StunServerStats } from '../../alg-test/stun-server.js';
import type { Family, FamilySnapshot, FamilyType, Sample } from './family.js';
import { registerFamily } from './prom-bridge.js';

/** the outcome label of each EchoStats outcome (underscores, as label values are written here) */
const OUTCOMES: Record<keyof EchoStats['outcomes'], string> = {
  echoed: 'echoed', oversized: 'oversized', malformed: 'malformed', 'not-test': 'not_test', 'response-ignored': 'response_ignored', 'too-large-reply': 'too_large_reply',
};

function computed(name: string, help: string, type: FamilyType, values: () => Sample[]): Family {
  return { name, help, type, snapshot: (): FamilySnapshot => ({ name, help, type, values: values(), aggregator: 'sum' }) };
}

const one = (value: number): Sample[] => [{ labels: {}, value }];

export function algEchoFamilies(echo: () => EchoStats, stun: (() => StunServerStats) | null): Family[] {
  const families = [
    computed('voipready_alg_echo_messages_total', 'alg-echo: messages received, by what the echo did with them (rate_limited: dropped unanswered)', 'counter', () => {
      const s = echo();
      const out: Sample[] = (Object.keys(OUTCOMES) as Array<keyof typeof OUTCOMES>).map((k) => ({ labels: { outcome: OUTCOMES[k] }, value: s.outcomes[k] }));
      out.push({ labels: { outcome: 'rate_limited' }, value: s.rateLimited });
      return out;
    }),
    computed('voipready_alg_echo_answered_messages_total', 'alg-echo: replies sent', 'counter', () => one(echo().answered)),
    computed('voipready_alg_echo_received_bytes_total', 'alg-echo: bytes received', 'counter', () => one(echo().bytesIn)),
    computed('voipready_alg_echo_sent_bytes_total', 'alg-echo: bytes sent', 'counter', () => one(echo().bytesOut)),
    computed('voipready_alg_echo_max_reply_growth_bytes', 'alg-echo: the largest reply minus the request it answered (no amplification: at most the fixed reply overhead)', 'gauge', () => one(echo().maxReplyGrowth)),
    computed('voipready_alg_echo_sources', 'alg-echo: source addresses in the rate table', 'gauge', () => one(echo().sourcesTracked)),
    computed('voipready_alg_echo_sources_evicted_total', 'alg-echo: sources evicted from the full rate table (least recently seen first)', 'counter', () => one(echo().sourcesEvicted)),
    computed('voipready_alg_echo_tcp_connections_total', 'alg-echo: TCP connections accepted', 'counter', () => one(echo().tcpConnections)),
  ];
  if (stun !== null) {
    families.push(computed('voipready_alg_echo_stun_requests_total', 'alg-echo --stun-server: STUN requests by outcome (malformed: not a STUN message)', 'counter', () => {
      const s = stun();
      return [{ labels: { outcome: 'answered' }, value: s.answered }, { labels: { outcome: 'rate_limited' }, value: s.rateLimited }, { labels: { outcome: 'malformed' }, value: s.malformed }];
    }));
  }
  return families;
}

export function registerAlgEchoMetrics(registry: Registry, echo: () => EchoStats, stun: (() => StunServerStats) | null): void {
  for (const f of algEchoFamilies(echo, stun)) registerFamily(registry, f);
}
