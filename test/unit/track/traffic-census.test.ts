/** TrafficCensus: counts by kind and number, most first, bounded (the rest under "other"), SIP TCP ports left out. */
import { describe, expect, it } from 'vitest';
import { U_ETHERTYPE, U_IP_PROTOCOL, U_TCP, U_UDP } from '../../../src/decode/protocol-names.js';
import { servicePort, TrafficCensus } from '../../../src/track/traffic-census.js';

describe('TrafficCensus', () => {
  it('names and counts each kind, most packets first, with its first packet (runs and interleaving alike)', () => {
    const c = new TrafficCensus();
    for (let i = 1; i <= 10; i++) c.add(i % 2 === 0 ? U_IP_PROTOCOL : U_ETHERTYPE, i % 2 === 0 ? 50 : 0x0806, i);
    for (let i = 11; i <= 30; i++) c.add(U_UDP, 53, i);
    c.add(U_IP_PROTOCOL, 50, 31, 5);
    expect(c.toJSON()).toEqual([
      { what: 'UDP port 53 (DNS)', packets: 20, firstPacket: 11 },
      { what: 'IPsec ESP', packets: 10, firstPacket: 2 },
      { what: 'ARP', packets: 5, firstPacket: 1 },
    ]);
  });

  it('keeps at most 128 kinds (and other); packets of further kinds are counted under "other"', () => {
    const c = new TrafficCensus();
    for (let port = 1000; port < 1200; port++) c.add(U_UDP, port, port);
    c.add(U_UDP, 1150, 5000);
    const list = c.toJSON();
    expect(c.size).toBe(128 + 1);
    expect(list.find((u) => u.what === 'other')).toEqual({ what: 'other', packets: 200 - 128 + 1, firstPacket: 1128 });
    expect(list.reduce((n, u) => n + u.packets, 0)).toBe(201);
  });

  it('leaves out TCP ports that carried SIP; the service port is the lower one', () => {
    const c = new TrafficCensus();
    c.add(U_TCP, servicePort(40000, 5060), 1);
    c.add(U_TCP, servicePort(443, 51000), 2);
    expect(c.toJSON(new Set([5060, 40000])).map((u) => u.what)).toEqual(['TCP port 443 (HTTPS)']);
  });
});
