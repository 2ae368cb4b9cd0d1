import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCaptureMetrics } from '../../../../src/outputs/prometheus/capture-metrics.js';
import { sampleValue } from '../../../helpers/monitor.js';

describe('capture metrics', () => {
  it('turns the tool\'s cumulative counts into counters, per configured interface (others are "other")', async () => {
    const registry = new Registry();
    const m = createCaptureMetrics(registry, ['eth0', 'eth1']);
    const read = async (name: string, labels: Record<string, string>): Promise<number> => sampleValue(await registry.metrics(), name, labels);
    expect(await registry.metrics()).toContain('voipready_capture_dropped_packets_total{interface="eth1",where="interface"} 0');
    m.totals('eth0', { received: 100, dropped: 10, ifDropped: 1 });
    m.totals('eth0', { received: 250, dropped: 10, ifDropped: 3 });
    // a count repeated adds nothing
    m.totals('eth0', { received: 250, dropped: 10, ifDropped: 3 });
    expect(await read('voipready_capture_received_packets_total', { interface: 'eth0' })).toBe(250);
    expect(await read('voipready_capture_dropped_packets_total', { interface: 'eth0', where: 'kernel' })).toBe(10);
    expect(await read('voipready_capture_dropped_packets_total', { interface: 'eth0', where: 'interface' })).toBe(3);
    expect(await read('voipready_capture_received_packets_total', { interface: 'eth1' })).toBe(0);
    m.totals('wlan9', { received: 5, dropped: 2, ifDropped: 0 });
    expect(await read('voipready_capture_dropped_packets_total', { interface: 'other', where: 'kernel' })).toBe(2);
    // libpcap's 32-bit counts wrap (within a day at 50,000 packets/s): the counter goes on by the distance mod 2^32
    m.totals('eth0', { received: 2 ** 32 - 50, dropped: 12, ifDropped: 3 });
    m.totals('eth0', { received: 40, dropped: 12, ifDropped: 3 });
    expect(await read('voipready_capture_received_packets_total', { interface: 'eth0' })).toBe(2 ** 32 + 40);
    expect(await read('voipready_capture_dropped_packets_total', { interface: 'eth0', where: 'kernel' })).toBe(12);
  });
});
