/**
 * The proxy with several upstreams, on messages and a fake clock (vitest's fake timers drive the
 * attempt timers, the probe interval and Date.now): what goes to which upstream, when it moves on
 * to the next one (timeout, 503, TCP connect failure) and with which branch, how CANCEL and ACK
 * follow the current attempt, how a failed upstream is held down and comes back by an answered
 * OPTIONS probe, and that in-dialog requests stay with the upstream that took the dialog.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipMessage, SipRequest } from '../../../src/decode/sip/types.js';
import type { MediaRelay, MediaSession, RelayCounters } from '../../../src/proxy/media/relay.js';
import { SipProxy } from '../../../src/proxy/sip/sip-proxy.js';
import type { Flow } from '../../../src/proxy/sip/transport.js';
import type { Upstream } from '../../../src/proxy/sip/upstreams.js';
import { sipInvite, type SipDialog } from '../../../src/synth/sip.js';

const PROXY = '198.51.100.1';
const A: Flow = { transport: 'udp', address: '203.0.113.5', port: 5060 };
const B: Flow = { transport: 'udp', address: '203.0.113.6', port: 5060 };
const PHONE: Flow = { transport: 'udp', address: '192.0.2.10', port: 5062 };
const TIMEOUT = 1000;
const HOLD = 5000;

class FakeRelay implements MediaRelay {
  readonly kind = 'dgram' as const;
  private next = 40000;
  async open(): Promise<MediaSession> {
    const ports = { a: this.next, b: this.next + 2 };
    this.next += 4;
    return { id: this.next, localPort: ports, setPeer: () => undefined, close: () => undefined, latched: () => ({ a: null, b: null }) };
  }
  counters(): RelayCounters {
    return { received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, portsInUse: 0, portsTotal: 0 };
  }
  async close(): Promise<void> {}
}

const upstream = (f: Flow, domain: string | null = null): Upstream => ({ host: f.address, port: f.port, transport: 'udp', address: f.address, domain });

function setup(upstreams: Upstream[] = [upstream(A), upstream(B)], probeIntervalMs = 0): { proxy: SipProxy; sent: Array<{ flow: Flow; bytes: Buffer }> } {
  const sent: Array<{ flow: Flow; bytes: Buffer }> = [];
  const proxy = new SipProxy({
    upstreams, upstreamTimeoutMs: TIMEOUT, holdDownMs: HOLD, probeIntervalMs,
    port: 5060, localAddressToward: () => PROXY, domains: [], relay: new FakeRelay(), send: (flow, bytes) => sent.push({ flow, bytes }),
  });
  return { proxy, sent };
}

const dialog = (callId = 'c1@test', host = A.address, branch = 'z9hG4bKabc'): SipDialog => ({
  callId, fromTag: 'ft', toTag: 'tt', branch, transport: 'UDP', codec: 'PCMA', sessionId: 7,
  caller: { user: 'alice', addr: PHONE.address, ipVersion: 4, sipPort: PHONE.port, rtpPort: 4000 },
  callee: { user: 'bob', addr: host, ipVersion: 4, sipPort: 5060, rtpPort: 6000 } as never,
});

function parse(b: Buffer): SipMessage {
  const r = parseSipMessage(b, 0, b.length);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}
const req = (b: Buffer): SipRequest => parse(b) as SipRequest;

const at = (flow: Flow, bytes: Buffer) => ({ bytes, flow, local: { address: PROXY, port: 5060 }, atMs: Date.now(), dscp: null });

/** an upstream's answer to a request it got: Vias, Record-Route, tags copied as a UAS does */
function answer(forwarded: Buffer, status: number, sdp: string | null = null): Buffer {
  const r = parse(forwarded);
  const keep = r.headers.filter((h) => ['via', 'from', 'call-id', 'cseq', 'record-route'].includes(h.key)).map((h) => h.raw);
  const to = r.headers.find((h) => h.key === 'to')!.raw + (status > 100 ? ';tag=uas1' : '');
  const body = sdp ?? '';
  const lines = [`SIP/2.0 ${status} X`, ...keep, to, 'Contact: <sip:bob@203.0.113.6:5060>'];
  if (sdp !== null) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return Buffer.from(lines.join('\r\n'));
}

const UAS_SDP = 'v=0\r\no=- 9 1 IN IP4 203.0.113.6\r\ns=-\r\nc=IN IP4 203.0.113.6\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n';

/** a client request of the INVITE's transaction (CANCEL, or the ACK of a non-2xx): same top Via, CSeq number */
function sameTransaction(invite: Buffer, method: 'CANCEL' | 'ACK', toTag: string | null = null): Buffer {
  const r = req(invite);
  const h = (k: string): string => r.headers.find((x) => x.key === k)!.value;
  return Buffer.from([`${method} ${r.requestUri} SIP/2.0`, `Via: ${r.via[0]!.raw}`, 'Max-Forwards: 70', `From: ${h('from')}`,
    `To: ${h('to')}${toTag === null ? '' : `;tag=${toTag}`}`, `Call-ID: ${r.callId}`, `CSeq: ${r.cseq!.seq} ${method}`, 'Content-Length: 0', '', ''].join('\r\n'));
}

const branchOf = (b: Buffer): string => req(b).via[0]!.branch!;
const flows = (sent: Array<{ flow: Flow }>): Flow[] => sent.map((s) => s.flow);

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SipProxy with several upstreams: failover', () => {
  it('an INVITE unanswered past the timeout goes to the next upstream with a new branch; A is held down and counted', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    expect(flows(sent)).toEqual([A]);
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(flows(sent)).toEqual([A, B]);
    const [first, second] = [req(sent[0]!.bytes), req(sent[1]!.bytes)];
    expect(second.callId).toBe(first.callId);
    expect(second.via[0]!.branch).not.toBe(first.via[0]!.branch);
    expect(second.via[0]!.branch!.startsWith(first.via[0]!.branch!)).toBe(true);
    // the Record-Route now names B as the dialog's upstream
    expect(second.headers.find((h) => h.key === 'record-route')!.value).not.toBe(first.headers.find((h) => h.key === 'record-route')!.value);
    const [a, b] = proxy.upstreams.all;
    expect(a).toMatchObject({ up: false, requests: 1, failovers: { timeout: 1, unreachable: 0, unavailable: 0 } });
    expect(b).toMatchObject({ up: true, requests: 1 });
    expect(proxy.counters.failovers).toBe(1);
    // B answers: to the client, with the proxy's Via gone
    await proxy.handle(at(B, answer(sent[1]!.bytes, 200, UAS_SDP)));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 200 });
    // no further failover once answered
    await vi.advanceTimersByTimeAsync(5 * TIMEOUT);
    expect(sent).toHaveLength(3);
  });

  it('a provisional answer stops the INVITE\'s timer: no failover while it rings', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(A, answer(sent[0]!.bytes, 100)));
    await vi.advanceTimersByTimeAsync(10 * TIMEOUT);
    expect(flows(sent)).toEqual([A, PHONE]);
    expect(proxy.upstreams.all[0]!.up).toBe(true);
  });

  it('a client retransmission during failover goes to the current upstream, as sent there', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    expect(flows(sent)).toEqual([A, A]);
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    expect(flows(sent)).toEqual([A, A, B, B]);
    expect(sent[3]!.bytes.equals(sent[2]!.bytes)).toBe(true);
    expect(proxy.upstreams.all[1]!.requests).toBe(1);
  });

  it('a 503 moves the INVITE on at once; the proxy ACKs the 503 itself, hop by hop; the client never sees it', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(A, answer(sent[0]!.bytes, 503)));
    expect(flows(sent)).toEqual([A, A, B]);
    const ack = req(sent[1]!.bytes);
    const invite = req(sent[0]!.bytes);
    expect(ack).toMatchObject({ method: 'ACK', requestUri: invite.requestUri, callId: invite.callId, cseq: { seq: invite.cseq!.seq, method: 'ACK' } });
    expect(ack.via.map((v) => v.raw)).toEqual([invite.via[0]!.raw]);
    expect(ack.to?.tag).toBe('uas1');
    expect(proxy.upstreams.all[0]).toMatchObject({ up: false, failovers: { unavailable: 1 } });
    await proxy.handle(at(B, answer(sent[2]!.bytes, 180)));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ status: 180 });
  });

  it('a 503 with Retry-After holds the upstream down that long when it is longer than the hold-down (RFC 3261 21.5.4)', async () => {
    const { proxy, sent } = setup([upstream(A), upstream(B)], 1000);
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    const busy = answer(sent[0]!.bytes, 503).toString('latin1').replace('Content-Length', 'Retry-After: 20 (overloaded)\r\nContent-Length');
    await proxy.handle(at(A, Buffer.from(busy, 'latin1')));
    expect(proxy.upstreams.all[0]!.downUntilMs).toBe(Date.now() + 20_000);
    await proxy.handle(at(B, answer(sent[2]!.bytes, 180)));
    // probes answered from the hold-down's end (5 s) on do not bring it back before 20 s
    for (let t = 1; t <= 21; t++) {
      await vi.advanceTimersByTimeAsync(1000);
      const last = sent.filter((x) => x.flow.address === A.address && req(x.bytes).method === 'OPTIONS').at(-1);
      if (last !== undefined) await proxy.handle(at(A, answer(last.bytes, 200)));
      expect(proxy.upstreams.all[0]!.up).toBe(t >= 20);
    }
    proxy.close();
  });

  it('503 from every upstream: the last 503 reaches the client', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(A, answer(sent[0]!.bytes, 503)));
    await proxy.handle(at(B, answer(sent[2]!.bytes, 503)));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 503 });
    expect(proxy.upstreams.all.map((u) => u.up)).toEqual([false, false]);
    expect(proxy.counters.failovers).toBe(1);
  });

  it('no upstream answers at all: 408 to the client, and a retransmission gets that 408 again', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await vi.advanceTimersByTimeAsync(2 * TIMEOUT);
    expect(flows(sent)).toEqual([A, B, PHONE]);
    expect(parse(sent[2]!.bytes)).toMatchObject({ kind: 'response', status: 408 });
    expect(proxy.counters).toMatchObject({ upstreamsExhausted: 1, callsActive: 0 });
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    expect(sent.at(-1)!.bytes.equals(sent[2]!.bytes)).toBe(true);
    expect(proxy.counters.absorbed).toBe(1);
  });

  it('a late answer from the upstream given up is not relayed: a late error is ACKed to it with its own branch, a late 180 dropped', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(flows(sent)).toEqual([A, B]);
    await proxy.handle(at(A, answer(sent[0]!.bytes, 180)));
    expect(sent).toHaveLength(2);
    await proxy.handle(at(A, answer(sent[0]!.bytes, 486)));
    expect(flows(sent)).toEqual([A, B, A]);
    const ack = req(sent[2]!.bytes);
    expect(ack.method).toBe('ACK');
    expect(ack.via.map((v) => v.branch)).toEqual([branchOf(sent[0]!.bytes)]);
    expect(ack.to?.tag).toBe('uas1');
    // the INVITE's CSeq number and Call-ID (RFC 3261 17.1.1.3), as the ACK of the current attempt has them
    const invite = req(sent[0]!.bytes);
    expect(ack.cseq).toEqual({ seq: invite.cseq!.seq, method: 'ACK' });
    expect(ack.callId).toBe(invite.callId);
    expect(ack.requestUri).toBe(invite.requestUri);
    expect(proxy.counters.stray).toBe(2);
    // B's answers still go through
    await proxy.handle(at(B, answer(sent[1]!.bytes, 200, UAS_SDP)));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ status: 200 });
  });

  it('a TCP connect failure toward the current upstream moves its attempts on at once', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    proxy.unreachable(A);
    expect(flows(sent)).toEqual([A, B]);
    expect(proxy.upstreams.all[0]).toMatchObject({ up: false, failovers: { unreachable: 1 } });
  });

  it('a UDP upstream that takes no TCP (a large request tried over TCP first) is not failed over: the request goes over UDP, retransmissions too', async () => {
    const sent: Array<{ flow: Flow; bytes: Buffer }> = [];
    const tried: Array<{ flow: Flow; failed: () => void }> = [];
    const proxy = new SipProxy({
      upstreams: [upstream(A), upstream(B)], upstreamTimeoutMs: TIMEOUT, holdDownMs: HOLD,
      port: 5060, localAddressToward: () => PROXY, domains: [], relay: new FakeRelay(), send: (flow, bytes) => sent.push({ flow, bytes }),
      sendOrElse: (flow, _bytes, failed) => tried.push({ flow, failed }),
    });
    const large = Buffer.from(sipInvite(dialog()).toString('latin1').replace('\r\nCall-ID', `\r\nX-Padding: ${'p'.repeat(1400)}\r\nCall-ID`), 'latin1');
    await proxy.handle(at(PHONE, large));
    expect(tried.map((t) => t.flow)).toEqual([{ ...A, transport: 'tcp' }]);
    // the transport reports the refused connection, then the UDP version goes after all
    proxy.unreachable({ ...A, transport: 'tcp' });
    tried[0]!.failed();
    expect(flows(sent)).toEqual([A]);
    expect(proxy.upstreams.all[0]!.up).toBe(true);
    await proxy.handle(at(PHONE, large));
    expect(flows(sent)).toEqual([A, A]);
    expect(sent[1]!.bytes.equals(sent[0]!.bytes)).toBe(true);
    expect(proxy.counters.failovers).toBe(0);
  });

  it('CANCEL follows the current attempt: to B with B\'s branch; an upstream that never answers gets no further try, the client gets 487', async () => {
    const { proxy, sent } = setup();
    const invite = sipInvite(dialog());
    await proxy.handle(at(PHONE, invite));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    await proxy.handle(at(PHONE, sameTransaction(invite, 'CANCEL')));
    expect(flows(sent)).toEqual([A, B, B]);
    const cancel = req(sent[2]!.bytes);
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.via[0]!.branch).toBe(branchOf(sent[1]!.bytes));
    // B's 200 to the CANCEL goes back to the client
    await proxy.handle(at(B, answer(sent[2]!.bytes, 200)));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 200, cseq: { method: 'CANCEL' } });
    // B never answers the INVITE: when its timer runs out, no third try, a 487 to the client
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 487, cseq: { method: 'INVITE' } });
    expect(proxy.upstreams.all[1]!.requests).toBe(1);
  });

  it('a CANCEL after the 200 changes nothing: answered 200 by the proxy, the call and its media stay', async () => {
    const { proxy, sent } = setup();
    const invite = sipInvite(dialog());
    await proxy.handle(at(PHONE, invite));
    await proxy.handle(at(A, answer(sent[0]!.bytes, 200, UAS_SDP)));
    expect(proxy.counters.callsActive).toBe(1);
    await proxy.handle(at(PHONE, sameTransaction(invite, 'CANCEL')));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 200, cseq: { method: 'CANCEL' } });
    expect(proxy.counters.callsActive).toBe(1);
  });

  it('the ACK of a non-2xx follows the attempt that answered (B, B\'s branch)', async () => {
    const { proxy, sent } = setup();
    const invite = sipInvite(dialog());
    await proxy.handle(at(PHONE, invite));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    await proxy.handle(at(B, answer(sent[1]!.bytes, 486)));
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ status: 486 });
    await proxy.handle(at(PHONE, sameTransaction(invite, 'ACK', 'uas1')));
    expect(sent.at(-1)!.flow).toEqual(B);
    expect(req(sent.at(-1)!.bytes)).toMatchObject({ method: 'ACK' });
    expect(branchOf(sent.at(-1)!.bytes)).toBe(branchOf(sent[1]!.bytes));
  });

  it('in-dialog requests stay with the upstream that took the dialog (its Record-Route names it), even once A is back', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    const rr = req(sent[1]!.bytes).headers.find((h) => h.key === 'record-route')!.value;
    await proxy.handle(at(B, answer(sent[1]!.bytes, 200, UAS_SDP)));
    const bye = Buffer.from(['BYE sip:bob@203.0.113.6:5060 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKbye', `Route: ${rr}`, 'Max-Forwards: 70',
      'From: <sip:alice@x>;tag=ft', 'To: <sip:bob@x>;tag=uas1', 'Call-ID: c1@test', 'CSeq: 3 BYE', 'Content-Length: 0', '', ''].join('\r\n'));
    // a user agent that ignores Record-Route (sipp's uac): a re-INVITE addressed to the proxy, no Route
    const reinvite = Buffer.from(['INVITE sip:bob@198.51.100.1:5060 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKre', 'Max-Forwards: 70',
      'From: <sip:alice@x>;tag=ft', 'To: <sip:bob@x>;tag=uas1', 'Call-ID: c1@test', 'CSeq: 2 INVITE', 'Content-Length: 0', '', ''].join('\r\n'));
    proxy.upstreams.answered(proxy.upstreams.all[0]!, Date.now() + HOLD);
    expect(proxy.upstreams.all[0]!.up).toBe(true);
    await proxy.handle(at(PHONE, reinvite));
    expect(sent.at(-1)!.flow).toEqual(B);
    await proxy.handle(at(PHONE, bye));
    expect(sent.at(-1)!.flow).toEqual(B);
    expect(req(sent.at(-1)!.bytes).headers.some((h) => h.key === 'route')).toBe(false);
  });

  it('a Route of its own naming an upstream that is not configured is refused (403), never relayed there', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    const rr = req(sent[0]!.bytes).headers.find((h) => h.key === 'record-route')!.value;
    const forged = rr.replace(/vrup=[0-9a-f]+/, `vrup=${Buffer.from('udp|192.0.2.99|5060').toString('hex')}`);
    const bye = Buffer.from(['BYE sip:x@192.0.2.99 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKbye2', `Route: ${forged}`, 'Max-Forwards: 70',
      'From: <sip:alice@x>;tag=ft', 'To: <sip:bob@x>;tag=uas1', 'Call-ID: c9@test', 'CSeq: 3 BYE', 'Content-Length: 0', '', ''].join('\r\n'));
    await proxy.handle(at(PHONE, bye));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 403 });
  });

  it('a call from the second upstream to a phone is accepted as upstream-side; the same from a stranger is a client\'s request for a domain not served: 403', async () => {
    const { proxy, sent } = setup();
    // the phone is known (it sent SIP); the PBX behind B calls it
    await proxy.handle(at(PHONE, Buffer.from(['OPTIONS sip:198.51.100.1 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKo', 'From: <sip:alice@x>;tag=1',
      'To: <sip:198.51.100.1>', 'Call-ID: o@test', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'))));
    const call = (from: Flow, id: string): Buffer => Buffer.from([`INVITE sip:alice@${PHONE.address}:${PHONE.port} SIP/2.0`, `Via: SIP/2.0/UDP ${from.address}:${from.port};branch=z9hG4bK${id}`,
      'From: <sip:pbx@x>;tag=p1', `To: <sip:alice@${PHONE.address}>`, `Call-ID: ${id}@test`, 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n'));
    await proxy.handle(at(B, call(B, 'fromb')));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(req(sent.at(-1)!.bytes).method).toBe('INVITE');
    const stranger: Flow = { transport: 'udp', address: '192.0.2.77', port: 5060 };
    await proxy.handle(at(stranger, call(stranger, 'fromx')));
    expect(sent.at(-1)!.flow).toEqual(stranger);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 403 });
  });
});

describe('SipProxy with several upstreams: hold-down and probes', () => {
  it('a failed upstream is skipped for new calls; an OPTIONS probe answered after the hold-down brings it back', async () => {
    const { proxy, sent } = setup([upstream(A), upstream(B)], 1000);
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(A, answer(sent[0]!.bytes, 503)));
    expect(proxy.upstreams.all[0]!.up).toBe(false);
    expect(flows(sent)).toEqual([A, A, B]);
    await proxy.handle(at(B, answer(sent[2]!.bytes, 180)));
    // a new call goes straight to B
    await proxy.handle(at(PHONE, sipInvite(dialog('c2@test', A.address, 'z9hG4bKc2'))));
    expect(sent.at(-1)!.flow).toEqual(B);
    await proxy.handle(at(B, answer(sent.at(-1)!.bytes, 180)));
    // probes: each upstream gets an OPTIONS every second; A answers 200 during the hold-down: still down
    const probes = (): Array<{ flow: Flow; bytes: Buffer }> => sent.filter((s) => { const m = parse(s.bytes); return m.kind === 'request' && m.method === 'OPTIONS'; });
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes().map((p) => p.flow)).toEqual([A, B]);
    const probeToA = req(probes()[0]!.bytes);
    expect(probeToA.requestUri).toBe(`sip:${A.address}:${A.port}`);
    await proxy.handle(at(A, answer(probes()[0]!.bytes, 200)));
    await proxy.handle(at(B, answer(probes()[1]!.bytes, 200)));
    expect(proxy.upstreams.all.map((u) => u.up)).toEqual([false, true]);
    // every probe answered from now on: once the hold-down is over, the next answer brings A back
    let answeredAt = 0;
    for (let t = 1000; t < HOLD + 2000 && !proxy.upstreams.all[0]!.up; t += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      const last = probes().filter((p) => p.flow.address === A.address).at(-1)!;
      const before = sent.length;
      await proxy.handle(at(A, answer(last.bytes, 200)));
      // the probe's answer ends at the proxy
      expect(sent.length).toBe(before);
      answeredAt = t + 1000;
    }
    expect(proxy.upstreams.all[0]!.up).toBe(true);
    // held down from the 503 at 0 for HOLD: back at the first probe answered at or after it
    expect(answeredAt).toBe(HOLD);
    await proxy.handle(at(PHONE, sipInvite(dialog('c3@test', A.address, 'z9hG4bKc3'))));
    expect(sent.at(-1)!.flow).toEqual(A);
    expect(proxy.upstreams.all[0]!.probesAnswered).toBe(HOLD / 1000);
    proxy.close();
  });

  it('an unanswered or 503 probe marks an upstream down', async () => {
    const { proxy, sent } = setup([upstream(A), upstream(B)], 10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    const [toA, toB] = sent;
    await proxy.handle(at(B, answer(toB!.bytes, 503)));
    expect(proxy.upstreams.all[1]!.up).toBe(false);
    expect(toA!.flow).toEqual(A);
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(proxy.upstreams.all[0]!.up).toBe(false);
    proxy.close();
  });
});

describe('SipProxy with upstreams by domain', () => {
  const domains = (): Upstream[] => [upstream(A, 'pbx-a.example'), upstream(B, 'pbx-b.example')];

  it('the Request-URI host picks the upstream; a domain no upstream has gets 403', async () => {
    const { proxy, sent } = setup(domains());
    await proxy.handle(at(PHONE, sipInvite(dialog('c1@test', 'pbx-b.example'))));
    await proxy.handle(at(PHONE, sipInvite(dialog('c2@test', 'pbx-a.example', 'z9hG4bKc2'))));
    await proxy.handle(at(PHONE, sipInvite(dialog('c3@test', 'evil.example', 'z9hG4bKc3'))));
    expect(flows(sent)).toEqual([B, A, PHONE]);
    expect(parse(sent[2]!.bytes)).toMatchObject({ kind: 'response', status: 403 });
    expect(proxy.upstreams.all.map((u) => u.requests)).toEqual([1, 1]);
  });

  it('a domain\'s only upstream timing out is no reason to send its calls to another domain\'s PBX: marked down, the call left to the UA\'s timer', async () => {
    const { proxy, sent } = setup(domains());
    await proxy.handle(at(PHONE, sipInvite(dialog('c1@test', 'pbx-b.example'))));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(flows(sent)).toEqual([B]);
    expect(proxy.upstreams.all.map((u) => u.up)).toEqual([true, false]);
    expect(proxy.counters.failovers).toBe(0);
    // nothing answered for it: a late answer still reaches the caller, as without failover
    await proxy.handle(at(B, answer(sent[0]!.bytes, 180)));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ status: 180 });
  });

  it('a domain\'s only upstream refusing TCP: 503 at once', async () => {
    const { proxy, sent } = setup(domains());
    await proxy.handle(at(PHONE, sipInvite(dialog('c1@test', 'pbx-b.example'))));
    proxy.unreachable(B);
    expect(flows(sent)).toEqual([B, PHONE]);
    expect(parse(sent[1]!.bytes)).toMatchObject({ status: 503 });
  });

  it('the To host decides when the Request-URI names the proxy itself', async () => {
    const { proxy, sent } = setup(domains());
    const invite = sipInvite(dialog('c1@test', PROXY)).toString('latin1').replace(/\r\nTo: [^\r]*/, '\r\nTo: <sip:bob@pbx-b.example>');
    await proxy.handle(at(PHONE, Buffer.from(invite, 'latin1')));
    expect(flows(sent)).toEqual([B]);
  });
});
