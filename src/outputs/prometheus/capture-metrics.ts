/**
 * Interface capture's own series: packets the capture dropped, per configured interface (a closed
 * set: the --interface values) and where (`kernel`: the kernel buffer or dumpcap; `interface`: the
 * NIC). dumpcap reports its counts when it stops, so the counters move at the end of a capture.
 */
import type { Registry } from 'prom-client';
import { CounterFamily } from './family.js';
import { registerFamily } from './prom-bridge.js';

export interface CaptureMetrics {
  drops(iface: string, kernel: number, ifDropped: number): void;
}

export function createCaptureMetrics(registry: Registry, interfaces: readonly string[]): CaptureMetrics {
  const dropped = new CounterFamily('voipready_capture_dropped_packets_total', 'packets the interface capture dropped, by interface and where (kernel, interface)', ['interface', 'where']);
  for (const i of interfaces) {
    dropped.zero({ interface: i, where: 'kernel' });
    dropped.zero({ interface: i, where: 'interface' });
  }
  registerFamily(registry, dropped);
  const known = new Set(interfaces);
  return {
    drops: (iface, kernel, ifDropped) => {
      const label = known.has(iface) ? iface : 'other';
      dropped.inc({ interface: label, where: 'kernel' }, kernel);
      dropped.inc({ interface: label, where: 'interface' }, ifDropped);
    },
  };
}
