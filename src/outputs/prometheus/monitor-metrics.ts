/**
 * The monitor's own liveness series: when each live source (hep, interface, stdin) last delivered a
 * packet, so that a dashboard (the overview's "Monitor health" row) and an alert can say that a
 * mirror port or the HEP senders went quiet, which no traffic metric can (no traffic looks the same
 * as a quiet network).
 */
import type { Registry } from 'prom-client';
import { ComputedGaugeFamily } from './family.js';
import { registerFamily } from './prom-bridge.js';

export function registerSourceHealth(registry: Registry, lastBySource: () => Iterable<[string, number]>): void {
  registerFamily(registry, new ComputedGaugeFamily('voipready_monitor_last_packet_timestamp_seconds',
    'when each live source (hep, interface, stdin) last delivered a packet: time() minus it is how long it has been quiet',
    () => [...lastBySource()].map(([source, ms]) => ({ labels: { source }, value: ms / 1000 }))));
}

/** what the analysis holds in memory now (Analyzer.held()), by kind */
export interface HeldObjects {
  streams: number;
  calls: number;
  records: number;
  signalledEndpoints: number;
}

/**
 * What the pipeline holds in memory, per kind: streams and calls in the tables, stream records of
 * the WebAssembly fast path, endpoints the SDP announced. Flat over weeks when retention works; a
 * kind that only grows is a leak the memory panel would show only much later.
 */
export function registerHeldObjects(registry: Registry, held: () => HeldObjects): void {
  registerFamily(registry, new ComputedGaugeFamily('voipready_monitor_held_objects',
    'objects the analysis holds in memory now, by kind: streams and calls in the tables, fast-path stream records, endpoints announced in SDP',
    () => {
      const h = held();
      return [
        { labels: { kind: 'streams' }, value: h.streams },
        { labels: { kind: 'calls' }, value: h.calls },
        { labels: { kind: 'stream_records' }, value: h.records },
        { labels: { kind: 'signalled_endpoints' }, value: h.signalledEndpoints },
      ];
    }));
}
