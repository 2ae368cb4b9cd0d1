/**
 * The socket relay on loopback, with both socket kinds this build has (the udp_tos addon when it
 * is built, Node's dgram always): two "phones" relay RTP and RTCP through a session, a third party
 * spraying the relay ports gets nothing back and hijacks nothing (CVE-2017-14114), junk is counted,
 * and each accepted packet is reported once with what the socket could read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadAddon, openSocket, type ProbeSocket, type Received } from '../../../src/probe/socket.js';
import type { MediaRelay, MediaSession, RelayedPacket } from '../../../src/proxy/media/relay.js';
import { SocketRelay } from '../../../src/proxy/media/socket-relay.js';
import { NativeRelay, loadRelayAddon } from '../../../src/proxy/media/native-relay.js';
import type { MediaRelayOptions } from '../../../src/proxy/media/relay.js';
import { createMediaRelay } from '../../../src/proxy/media/create-relay.js';

// every relay this build has: the native forwarding loop, JavaScript on the addon's sockets, dgram
type Kind = 'loop' | 'native' | 'dgram';
const kinds: Kind[] = [...(loadRelayAddon() !== null ? ['loop' as const] : []), ...(loadAddon() !== null ? ['native' as const] : []), 'dgram'];
const phoneKind = (k: Kind): 'native' | 'dgram' => (k === 'dgram' ? 'dgram' : 'native');
function makeRelay(opts: MediaRelayOptions, kind: Kind): MediaRelay {
  return kind === 'loop' ? new NativeRelay(loadRelayAddon()!, opts) : new SocketRelay(opts, kind);
}

interface Phone {
  sock: ProbeSocket;
  port: number;
  got: Received[];
}

const open: Array<{ close(): unknown }> = [];

async function phone(kind: 'native' | 'dgram', address = '127.0.0.1'): Promise<Phone> {
  const got: Received[] = [];
  const sock = openSocket(4, (m) => got.push(m), kind);
  const port = await sock.bind(address, 0);
  open.push(sock);
  return { sock, port, got };
}

function rtp(seq: number, pt = 0): Buffer {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0x1234abcd, 8);
  return b;
}

function rtcpRr(): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(0x1234abcd, 4);
  return b;
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
};
const settle = (ms = 60): Promise<void> => new Promise((r) => setTimeout(r, ms));

function range(): { portMin: number; portMax: number } {
  const base = 20000 + 2 * Math.floor(Math.random() * 15000);
  return { portMin: base, portMax: base + 40 };
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe.each(kinds)('media relay: %s', (kind) => {
  async function setup(opts: { mux?: boolean; dscp?: number | null } = {}): Promise<{ relay: MediaRelay; s: MediaSession; a: Phone; b: Phone; reported: RelayedPacket[] }> {
    const reported: RelayedPacket[] = [];
    const relay = makeRelay({ bindAddress: '127.0.0.1', ...range(), dscp: opts.dscp === undefined ? 46 : opts.dscp, learnMs: 3000, onPackets: (batch) => reported.push(...batch.map((p) => ({ ...p, payload: Buffer.from(p.payload) }))) }, kind);
    open.push({ close: () => relay.close() });
    const s = await relay.open({ label: 'call-1 m=0', rtcpMux: opts.mux === true });
    const a = await phone(phoneKind(kind));
    const b = await phone(phoneKind(kind));
    s.setPeer('a', { address: '127.0.0.1', port: a.port }, null, opts.mux === true);
    s.setPeer('b', { address: '127.0.0.1', port: b.port }, null, opts.mux === true);
    return { relay, s, a, b, reported };
  }

  it('relays RTP both ways between the two sides, each packet reported once', async () => {
    const { relay, s, a, b, reported } = await setup();
    expect(s.localPort.a % 2).toBe(0);
    expect(s.localPort.b).not.toBe(s.localPort.a);
    for (let i = 0; i < 20; i++) a.sock.send(rtp(i), '127.0.0.1', s.localPort.a, 46);
    for (let i = 0; i < 15; i++) b.sock.send(rtp(1000 + i, 8), '127.0.0.1', s.localPort.b, 0);
    await until(() => b.got.length >= 20 && a.got.length >= 15);
    await settle();
    expect(b.got.length).toBe(20);
    expect(a.got.length).toBe(15);
    // b hears it from side b's port, a from side a's: each phone talks to one relay port only
    expect(new Set(b.got.map((m) => m.port))).toEqual(new Set([s.localPort.b]));
    expect(new Set(a.got.map((m) => m.port))).toEqual(new Set([s.localPort.a]));
    expect(b.got.map((m) => m.data.readUInt16BE(2))).toEqual([...Array(20).keys()]);
    expect(reported.filter((p) => p.from === 'a').length).toBe(20);
    expect(reported.filter((p) => p.from === 'b').length).toBe(15);
    expect(reported.every((p) => p.forwarded && !p.rtcp)).toBe(true);
    const c = relay.counters();
    expect(c.received).toBe(35);
    expect(c.forwarded).toBe(35);
    expect(s.latched()).toEqual({ a: { address: '127.0.0.1', port: a.port }, b: { address: '127.0.0.1', port: b.port } });
    if (kind !== 'dgram') {
      // the DSCP each phone sent is what the relay read; what it forwarded carries the configured EF
      expect(reported.filter((p) => p.from === 'a').every((p) => p.dscp === 46)).toBe(true);
      expect(reported.filter((p) => p.from === 'b').every((p) => p.dscp === 0)).toBe(true);
      expect(a.got.every((m) => m.dscp === 46)).toBe(true);
      expect(reported.every((p) => p.addedNs !== null && p.addedNs >= 0 && p.addedNs < 1e9)).toBe(true);
      const now = Date.now() / 1000;
      expect(reported.every((p) => Math.abs(p.tsSec - now) < 10)).toBe(true);
    } else {
      expect(reported.every((p) => p.dscp === null && p.addedNs === null)).toBe(true);
    }
  });

  it('RTCP goes port+1 to port+1, and on the RTP port with rtcp-mux', async () => {
    const plain = await setup();
    const a1 = await phone(phoneKind(kind));
    const b1 = await phone(phoneKind(kind));
    plain.s.setPeer('a', { address: '127.0.0.1', port: plain.a.port }, { address: '127.0.0.1', port: a1.port }, false);
    plain.s.setPeer('b', { address: '127.0.0.1', port: plain.b.port }, { address: '127.0.0.1', port: b1.port }, false);
    a1.sock.send(rtcpRr(), '127.0.0.1', plain.s.localPort.a + 1, 0);
    await until(() => b1.got.length >= 1);
    expect(b1.got.length).toBe(1);
    expect(b1.got[0]!.port).toBe(plain.s.localPort.b + 1);
    expect(plain.reported.some((p) => p.rtcp && p.from === 'a')).toBe(true);

    const mux = await setup({ mux: true });
    mux.a.sock.send(rtcpRr(), '127.0.0.1', mux.s.localPort.a, 0);
    mux.a.sock.send(rtp(1), '127.0.0.1', mux.s.localPort.a, 0);
    await until(() => mux.b.got.length >= 2);
    expect(mux.b.got.map((m) => m.data[1])).toEqual([201, 0]);
    expect(mux.reported.map((p) => p.rtcp)).toEqual([true, false]);
  });

  it('RTP bleed: a third party spraying the relay ports gets nothing back and hijacks nothing', async () => {
    const { relay, s, a, b } = await setup();
    // another host (all of 127/8 is loopback): RTCP learns only from its RTP's host
    const attacker = await phone(phoneKind(kind), '127.0.0.3');
    for (let i = 0; i < 5; i++) a.sock.send(rtp(i), '127.0.0.1', s.localPort.a, 0);
    for (let i = 0; i < 5; i++) b.sock.send(rtp(100 + i), '127.0.0.1', s.localPort.b, 0);
    await until(() => a.got.length >= 5 && b.got.length >= 5);
    for (let i = 0; i < 50; i++) {
      for (const port of [s.localPort.a, s.localPort.a + 1, s.localPort.b, s.localPort.b + 1]) attacker.sock.send(rtp(5000 + i), '127.0.0.1', port, 0);
    }
    for (let i = 5; i < 10; i++) a.sock.send(rtp(i), '127.0.0.1', s.localPort.a, 0);
    for (let i = 5; i < 10; i++) b.sock.send(rtp(100 + i), '127.0.0.1', s.localPort.b, 0);
    await until(() => a.got.length >= 10 && b.got.length >= 10);
    await settle(100);
    expect(attacker.got.length).toBe(0);
    // the phones hear only each other: no attacker packet was forwarded to them
    expect(b.got.map((m) => m.data.readUInt16BE(2))).toEqual([...Array(10).keys()]);
    expect(a.got.map((m) => m.data.readUInt16BE(2))).toEqual([...Array(10).keys()].map((i) => 100 + i));
    expect(relay.counters().strictDrops).toBeGreaterThanOrEqual(100);
    expect(s.latched()).toEqual({ a: { address: '127.0.0.1', port: a.port }, b: { address: '127.0.0.1', port: b.port } });
  });

  it('junk (not RTP version 2) is dropped and counted, never forwarded', async () => {
    const { relay, s, a, b } = await setup();
    a.sock.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'), '127.0.0.1', s.localPort.a, 0);
    a.sock.send(Buffer.alloc(3, 0x80), '127.0.0.1', s.localPort.a, 0);
    a.sock.send(rtp(1), '127.0.0.1', s.localPort.a, 0);
    await until(() => b.got.length >= 1);
    await settle();
    expect(b.got.length).toBe(1);
    expect(relay.counters().junkDrops).toBe(2);
  });

  it('a side with no peer yet drops and counts; close frees the ports; a full range says E_LISTEN', async () => {
    const reported: RelayedPacket[] = [];
    const r = range();
    const relay = makeRelay({ bindAddress: '127.0.0.1', portMin: r.portMin, portMax: r.portMin + 7, dscp: null, learnMs: 3000, onPackets: (bt) => reported.push(...bt) }, kind);
    open.push({ close: () => relay.close() });
    const s = await relay.open({ label: 'x', rtcpMux: false });
    const a = await phone(phoneKind(kind));
    a.sock.send(rtp(1), '127.0.0.1', s.localPort.a, 0);
    await until(() => reported.length >= 1);
    expect(reported[0]!.forwarded).toBe(false);
    expect(relay.counters().noPeerDrops).toBe(1);
    expect(relay.counters().portsInUse).toBe(4);
    const s2 = await relay.open({ label: 'y', rtcpMux: false });
    await expect(relay.open({ label: 'z', rtcpMux: false })).rejects.toMatchObject({ code: 'E_LISTEN' });
    s.close();
    s2.close();
    expect(relay.counters().portsInUse).toBe(0);
    // many sessions opened and closed: no port leaks
    for (let i = 0; i < 30; i++) (await relay.open({ label: `n${i}`, rtcpMux: false })).close();
    expect(relay.counters().portsInUse).toBe(0);
  });
});

describe('createMediaRelay', () => {
  it('says why it is not native when asked for dgram', async () => {
    const { relay, why } = createMediaRelay({ bindAddress: '127.0.0.1', ...range(), dscp: 46, learnMs: 3000, onPackets: () => undefined }, 'dgram');
    expect(relay.kind).toBe('dgram');
    expect(why).toMatch(/dgram/);
    await relay.close();
  });
});
