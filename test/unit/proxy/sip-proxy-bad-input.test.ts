/**
 * Regressions found by the bad-input e2e test (test/e2e/proxy-bad-input.test.ts): a request without
 * the mandatory headers was relayed to the upstream, and a REGISTER/INVITE flood from one host was
 * relayed in full (each INVITE a transaction and a call at the PBX).
 */
import { describe, expect, it } from 'vitest';
import type { MediaRelay, RelayCounters } from '../../../src/proxy/media/relay.js';
import { SipProxy } from '../../../src/proxy/sip/sip-proxy.js';
import type { Flow } from '../../../src/proxy/sip/transport.js';

const PROXY = '198.51.100.1';
const UPSTREAM: Flow = { transport: 'udp', address: '203.0.113.5', port: 5060 };
const PHONE: Flow = { transport: 'udp', address: '192.0.2.10', port: 5062 };
const SCANNER: Flow = { transport: 'udp', address: '192.0.2.66', port: 5099 };

const relay: MediaRelay = {
  kind: 'dgram',
  open: async () => { throw new Error('no media in these tests'); },
  counters: (): RelayCounters => ({ received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, portsInUse: 0, portsTotal: 0 }),
  close: async () => undefined,
};

function setup(requestsPerSecond: number): { proxy: SipProxy; sent: Flow[]; clock: { ms: number } } {
  const sent: Flow[] = [];
  const clock = { ms: 1_000_000 };
  const proxy = new SipProxy({
    upstreams: [{ host: 'pbx.example', port: 5060, transport: 'udp', address: UPSTREAM.address }], port: 5060,
    localAddressToward: () => PROXY, domains: [], relay, send: (flow) => sent.push(flow), requestsPerSecond, now: () => clock.ms,
  });
  return { proxy, sent, clock };
}

const register = (from: Flow, i: number): Buffer => Buffer.from([`REGISTER sip:pbx.example SIP/2.0`,
  `Via: SIP/2.0/UDP ${from.address}:${from.port};branch=z9hG4bK-r${i}`, 'Max-Forwards: 70', `From: <sip:u${i}@pbx.example>;tag=t${i}`,
  `To: <sip:u${i}@pbx.example>`, `Call-ID: r${i}@${from.address}`, 'CSeq: 1 REGISTER', `Contact: <sip:u${i}@${from.address}:${from.port}>`,
  'Content-Length: 0', '', ''].join('\r\n'));
const at = (flow: Flow, bytes: Buffer) => ({ bytes, flow, local: { address: PROXY, port: 5060 }, atMs: 0, dscp: null });

describe('SipProxy and bad requests', () => {
  it('a request without Call-ID, From, To or a usable CSeq is counted as malformed, not relayed', async () => {
    const { proxy, sent } = setup(0);
    await proxy.handle(at(PHONE, Buffer.from('REGISTER sip:pbx.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\nCall-ID:\r\nCSeq: x\r\n\r\n')));
    await proxy.handle(at(PHONE, Buffer.from('INVITE sip:bob@pbx.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK3\r\n\r\n')));
    expect(sent).toEqual([]);
    expect(proxy.counters.malformed).toBe(2);
    expect(proxy.counters.forwarded).toBe(0);
    await proxy.handle(at(PHONE, register(PHONE, 1)));
    expect(sent).toEqual([UPSTREAM]);
  });

  it('a flood from one client address is cut to the rate and counted; another client and the upstream are not limited', async () => {
    const { proxy, sent, clock } = setup(50);
    for (let i = 0; i < 1000; i++) await proxy.handle(at(SCANNER, register(SCANNER, i)));
    expect(proxy.counters.forwarded).toBe(100);
    expect(proxy.counters.rateLimited).toBe(900);
    await proxy.handle(at(PHONE, register(PHONE, 5000)));
    expect(proxy.counters.forwarded).toBe(101);
    // the upstream's requests (a BYE, an INVITE to a phone) are never rate limited
    for (let i = 0; i < 300; i++) {await proxy.handle(at(UPSTREAM, Buffer.from([`OPTIONS sip:${PROXY} SIP/2.0`, `Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-o${i}`,
      'Max-Forwards: 70', 'From: <sip:pbx@pbx.example>;tag=o', `To: <sip:${PROXY}>`, `Call-ID: o${i}@pbx`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'))));}
    expect(proxy.counters.rateLimited).toBe(900);
    // a second later the scanner gets 50 more through
    clock.ms += 1000;
    sent.length = 0;
    for (let i = 1000; i < 1100; i++) await proxy.handle(at(SCANNER, register(SCANNER, i)));
    expect(sent).toHaveLength(50);
  });
});
