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
