/**
 * Interface capture's own series, per configured interface (a closed set: the --interface values):
 * packets the capture tool got from the kernel, and packets it dropped, by where (`kernel`: the
 * kernel buffer was full, or dumpcap itself; `interface`: the NIC). The tools report cumulative counts
 * (tcpdump every few seconds while it runs, dumpcap when it stops); the counters move by what grew.
 */
import type { Registry } from 'prom-client';
import { CounterFamily } from './family.js';
import { registerFamily } from './prom-bridge.js';

export interface CaptureTotals {
  received: number;
  dropped: number;
  ifDropped: number;
}

export interface CaptureMetrics {
  /** the tool's cumulative counts for an interface, as it printed them last */
  totals(iface: string, t: CaptureTotals): void;
}

export function createCaptureMetrics(registry: Registry, interfaces: readonly string[]): CaptureMetrics {
  const dropped = new CounterFamily('voipready_capture_dropped_packets_total', 'packets the interface capture dropped, by interface and where (kernel, interface)', ['interface', 'where']);
  const received = new CounterFamily('voipready_capture_received_packets_total', 'packets the capture filter passed on an interface (libpcap ps_recv; on Linux the dropped ones included)', ['interface']);
  for (const i of interfaces) {
    dropped.zero({ interface: i, where: 'kernel' });
    dropped.zero({ interface: i, where: 'interface' });
    received.zero({ interface: i });
  }
  registerFamily(registry, dropped);
  registerFamily(registry, received);
  const known = new Set(interfaces);
  const last = new Map<string, CaptureTotals>();
  // libpcap's counts are 32-bit (u_int): at 50,000 packets/s ps_recv wraps within a day, so a count
  // that went down wrapped, and grew by the distance modulo 2^32
  const grew = (now: number, before: number): number => (now >= before ? now - before : now + 2 ** 32 - before);
  return {
    totals: (iface, t) => {
      const label = known.has(iface) ? iface : 'other';
      const before = last.get(iface) ?? { received: 0, dropped: 0, ifDropped: 0 };
      last.set(iface, { ...t });
      received.inc({ interface: label }, grew(t.received, before.received));
      dropped.inc({ interface: label, where: 'kernel' }, grew(t.dropped, before.dropped));
      dropped.inc({ interface: label, where: 'interface' }, grew(t.ifDropped, before.ifDropped));
    },
  };
}
