/**
 * The forwarded copies of relayed packets: from the relay's port on the other side, to where the
 * relay sends (the other side's latched source, else its SDP address; RTCP on its own port or
 * muxed), at receive stamp + added delay, with the marking DSCP; sessions learnt by wrapping the relay.
 */
import { describe, expect, it } from 'vitest';
import type { Datagram } from '../../../../src/pipeline/datagram.js';
import type { Endpoint, MediaRelay, MediaSession, RelayedPacket, Side } from '../../../../src/proxy/media/relay.js';
import { RelayCopies } from '../../../../src/outputs/record/relay-copies.js';

function fakeRelay(kind: MediaRelay['kind'] = 'loop'): { relay: MediaRelay; peers: Array<[Side, Endpoint]>; closed: number[] } {
  const peers: Array<[Side, Endpoint]> = [];
  const closed: number[] = [];
  let next = 1;
  const relay: MediaRelay = {
    kind,
    open: async () => {
      const id = next++;
      const base = 40000 + (id - 1) * 4;
      const s: MediaSession = {
        id, localPort: { a: base, b: base + 2 },
        setPeer: (side, rtp) => peers.push([side, rtp]),
        close: () => closed.push(id),
        latched: () => ({ a: null, b: null }),
      };
      return s;
    },
    counters: () => ({ received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, portsInUse: 0, portsTotal: 0 }),
    close: async () => undefined,
  };
  return { relay, peers, closed };
}

function pkt(over: Partial<RelayedPacket>): RelayedPacket {
  return {
    sessionId: 1, from: 'a', rtcp: false, src: { address: '192.0.2.10', port: 20000 }, dst: { address: '0.0.0.0', port: 40000 },
    tsSec: 100, tsNsec: 999_999_000, dscp: 46, payload: Buffer.alloc(172), length: 172, forwarded: true, addedNs: 5000, ...over,
  };
}

describe('RelayCopies', () => {
  it('a copy per forwarded packet, on the other leg: SDP address until that side sends, then its source', async () => {
    const out: Datagram[] = [];
    const copies = new RelayCopies({ localAddress: (peer) => (peer.startsWith('198.') ? '198.51.100.1' : '192.0.2.1'), dscp: 46, sink: (d) => out.push(d) });
    const { relay, peers } = fakeRelay();
    const wrapped = copies.wrapRelay(relay);
    const s = await wrapped.open({ label: 'c1 m=0', rtcpMux: false });
    s.setPeer('a', { address: '192.0.2.10', port: 20000 }, { address: '192.0.2.10', port: 20001 }, false);
    s.setPeer('b', { address: '198.51.100.20', port: 16000 }, { address: '198.51.100.20', port: 16001 }, false);
    // the wrapper passes every call on
    expect(peers.map(([side, e]) => `${side} ${e.address}:${e.port}`)).toEqual(['a 192.0.2.10:20000', 'b 198.51.100.20:16000']);
    copies.packet(pkt({}));
    // b sends from elsewhere (NAT): the relay latches and sends there from now on
    copies.packet(pkt({ from: 'b', src: { address: '198.51.100.99', port: 7078 }, dst: { address: '0.0.0.0', port: 40002 } }));
    copies.packet(pkt({}));
    // RTCP on the RTCP port, a packet not forwarded (no copy)
    copies.packet(pkt({ rtcp: true, src: { address: '192.0.2.10', port: 20001 }, dst: { address: '0.0.0.0', port: 40001 }, addedNs: null }));
    copies.packet(pkt({ forwarded: false, addedNs: null }));
    expect(out.map((d) => [d.source, `${d.src}:${d.srcPort}`, `${d.dst}:${d.dstPort}`, d.tsSec, d.tsNsec, d.dscp, d.wireBytes])).toEqual([
      ['proxy:b-leg-out', '198.51.100.1:40002', '198.51.100.20:16000', 101, 4000, 46, 200],
      ['proxy:a-leg-out', '192.0.2.1:40000', '192.0.2.10:20000', 101, 4000, 46, 200],
      ['proxy:b-leg-out', '198.51.100.1:40002', '198.51.100.99:7078', 101, 4000, 46, 200],
      ['proxy:b-leg-out', '198.51.100.1:40003', '198.51.100.20:16001', 100, 999_999_000, 46, 200],
    ]);
  });

  it('rtcp-mux: RTCP goes from and to the RTP ports; a new offer forgets the learnt source; closed sessions are forgotten', async () => {
    const out: Datagram[] = [];
    const copies = new RelayCopies({ localAddress: () => '10.0.0.1', dscp: 46, sink: (d) => out.push(d) });
    const { relay, closed } = fakeRelay();
    const s = await copies.wrapRelay(relay).open({ label: 'c1 m=0', rtcpMux: true });
    s.setPeer('b', { address: '10.0.0.20', port: 16000 }, null, true);
    copies.packet(pkt({ from: 'b', src: { address: '10.0.0.99', port: 5000 }, dst: { address: '10.0.0.1', port: 40002 } }));
    s.setPeer('b', { address: '10.0.0.20', port: 16000 }, null, true);
    copies.packet(pkt({ rtcp: true, dst: { address: '10.0.0.1', port: 40000 } }));
    expect(out.slice(-1).map((d) => [`${d.src}:${d.srcPort}`, `${d.dst}:${d.dstPort}`])).toEqual([['10.0.0.1:40002', '10.0.0.20:16000']]);
    s.close();
    expect(closed).toEqual([1]);
    const n = out.length;
    copies.packet(pkt({}));
    expect(out.length).toBe(n);
  });

  it('a dgram relay cannot mark: the copies say DSCP unknown (written as 0); no destination known: counted, no copy', async () => {
    const out: Datagram[] = [];
    const copies = new RelayCopies({ localAddress: () => '10.0.0.1', dscp: 46, sink: (d) => out.push(d) });
    const { relay } = fakeRelay('dgram');
    const s = await copies.wrapRelay(relay).open({ label: 'x', rtcpMux: false });
    copies.packet(pkt({ sessionId: s.id }));
    expect(out).toHaveLength(0);
    expect(copies.unknownDestination).toBe(1);
    s.setPeer('b', { address: '10.0.0.20', port: 16000 }, null, false);
    copies.packet(pkt({ sessionId: s.id }));
    expect(out.map((d) => d.dscp)).toEqual([null]);
  });
});
