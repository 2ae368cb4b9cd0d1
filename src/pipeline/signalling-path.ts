/**
 * The SIP side of the pipeline: SIP over UDP (whole datagrams, IP fragments already rebuilt), over
 * captured TCP (segments reassembled per flow, then framed by Content-Length) and over a datagram
 * source's TCP/TLS byte stream (framed the same way), fed to the call tracker, whose SDP
 * offers/answers tell the media path which address:port pairs carry RTP. Every parsed message goes
 * to the bus's onSip listeners (detectors) once.
 */
import type { AddressTable } from '../decode/ip/address-table.js';
import type { PacketInfo } from '../decode/packet-info.js';
import { parseSipMessage } from '../decode/sip/parse.js';
import type { SipMessage } from '../decode/sip/types.js';
import type { CallReport } from '../model/report.js';
import { TcpReassembler, type TcpFlowInfo } from '../reassembly/tcp-stream.js';
import { SipStreamFramer } from '../reassembly/sip-framing.js';
import { CallTracker, type ExpectedMedia, type SipMeta } from '../track/calls.js';
import { RegistrationTracker } from '../track/registrations.js';
import type { DecodeErrorLog } from './decode-error-log.js';
import type { EventBus } from './event-bus.js';
import type { LiveCall } from './events.js';

/** a TCP flow is SIP when its first bytes start a SIP message or it uses a SIP port */
const SIP_PORTS = new Set([5060, 5061, 5080]);
/** byte streams of datagram sources framed at once; the least recently used goes beyond it */
const MAX_STREAM_FRAMERS = 10_000;
const NOT_SIP = 0;
const IS_SIP = 1;

/** TCP ports remembered as carrying SIP (for the report's list of what was not analysed) */
const MAX_SIP_TCP_PORTS = 4096;

export class SignallingPath {
  decodeErrors = 0;
  /** ports of TCP flows that carry SIP: their segments were analysed */
  readonly sipTcpPorts = new Set<number>();
  private readonly tcp: TcpReassembler;
  private readonly framers = new Map<number, SipStreamFramer>();
  private readonly flowKind = new Map<number, number>();
  /** framers of datagram sources' TCP/TLS streams, by "src>dst" endpoint keys (insertion order = LRU) */
  private readonly streamFramers = new Map<string, SipStreamFramer>();
  private readonly tracker: CallTracker;
  /** REGISTER bindings (RFC 3261 10): who, where, outcome, expiry, challenges */
  readonly registrations = new RegistrationTracker();

  constructor(
    private readonly addresses: AddressTable,
    private readonly bus: EventBus,
    private readonly errors: DecodeErrorLog,
    onMedia: (m: ExpectedMedia) => void,
  ) {
    this.tracker = new CallTracker({
      onMedia,
      onCallEvent: (call, event) => this.bus.call(liveCall(call), event),
    });
    this.tcp = new TcpReassembler((flow, dir, bytes, p) => this.onTcpData(flow, dir, bytes, p));
  }

  /** cheap test on every UDP datagram not already known as media: SIP starts with an upper-case letter */
  looksLikeSip(p: PacketInfo): boolean {
    if (p.payloadEnd - p.payloadStart < 12) return false;
    const b = p.buf[p.payloadStart]!;
    return b >= 0x41 && b <= 0x5a;
  }

  /** false when the datagram is no SIP at all (not counted as an error: the caller names it as other traffic) */
  pushUdp(p: PacketInfo): boolean {
    const r = parseSipMessage(p.buf, p.payloadStart, p.payloadEnd);
    if (!r.ok) {
      if (r.code !== 'SIP_NOT_SIP' || SIP_PORTS.has(p.dstPort) || SIP_PORTS.has(p.srcPort)) {
        this.malformed(p.num, r.code, r.reason, r.offset - p.payloadStart);
        return true;
      }
      return false;
    }
    this.deliver(r.message, p.buf.subarray(p.payloadStart, p.payloadEnd), this.meta(p, 'udp'), p.source);
    return true;
  }

  pushTcp(p: PacketInfo): void {
    this.tcp.push(p);
  }

  /** the next bytes of a datagram source's TCP or TLS stream in the direction p.src -> p.dst */
  pushStreamBytes(p: PacketInfo, transport: 'tcp' | 'tls'): void {
    const key = `${p.srcAddr}:${p.srcPort}>${p.dstAddr}:${p.dstPort}`;
    let framer = this.streamFramers.get(key);
    if (framer === undefined) {
      if (this.streamFramers.size >= MAX_STREAM_FRAMERS) this.streamFramers.delete(this.streamFramers.keys().next().value!);
      framer = new SipStreamFramer();
    } else {
      this.streamFramers.delete(key);
    }
    this.streamFramers.set(key, framer);
    this.frame(framer, p.buf.subarray(p.payloadStart, p.payloadEnd), p, transport);
  }

  flush(endEpochMs: number): void {
    this.tcp.flush();
    this.tracker.flush(endEpochMs);
  }

  callReports(): Array<Omit<CallReport, 'verdict' | 'streams' | 'mos'> & { streams: string[] }> {
    return this.tracker.toJSON().map((c) => ({ ...c, streams: [] }));
  }

  /** calls over for good (see CallTracker.retire), as the report lists them */
  retireCalls(nowMs: number, graceMs: number, idleMs: number, busy: (callId: string) => boolean): Array<Omit<CallReport, 'verdict' | 'streams' | 'mos'>> {
    return this.tracker.retire(nowMs, graceMs, idleMs, busy);
  }

  /** calls held now */
  get heldCalls(): number {
    return this.tracker.size;
  }

  liveCalls(): LiveCall[] {
    const out: LiveCall[] = [];
    for (const c of this.tracker.calls()) out.push(liveCall(c));
    return out;
  }

  private onTcpData(flow: TcpFlowInfo, dir: 0 | 1, bytes: Buffer, p: PacketInfo): void {
    const key = flow.id * 2 + dir;
    let kind = this.flowKind.get(flow.id);
    if (kind === undefined) {
      kind = SIP_PORTS.has(p.srcPort) || SIP_PORTS.has(p.dstPort) || startsLikeSip(bytes) ? IS_SIP : NOT_SIP;
      this.flowKind.set(flow.id, kind);
      if (kind === IS_SIP && this.sipTcpPorts.size < MAX_SIP_TCP_PORTS) {
        this.sipTcpPorts.add(p.srcPort);
        this.sipTcpPorts.add(p.dstPort);
      }
    }
    if (kind === NOT_SIP) return;
    let framer = this.framers.get(key);
    if (framer === undefined) {
      // bounded like the reassembler's flows: the oldest framer goes first
      if (this.framers.size >= MAX_STREAM_FRAMERS) this.framers.delete(this.framers.keys().next().value!);
      if (this.flowKind.size >= MAX_STREAM_FRAMERS * 2) this.flowKind.delete(this.flowKind.keys().next().value!);
      framer = new SipStreamFramer();
      this.framers.set(key, framer);
    }
    this.frame(framer, bytes, p, p.srcPort === 5061 || p.dstPort === 5061 ? 'tls' : 'tcp');
  }

  private frame(framer: SipStreamFramer, bytes: Buffer, p: PacketInfo, transport: SipMeta['transport']): void {
    const before = framer.errors;
    framer.push(bytes, (msg) => {
      const r = parseSipMessage(msg, 0, msg.length);
      if (r.ok) this.deliver(r.message, msg, this.meta(p, transport), p.source);
      else this.malformed(p.num, r.code, r.reason, r.offset);
    });
    if (framer.errors > before) this.malformed(p.num, 'SIP_FRAMING', 'SIP over TCP could not be framed', 0);
  }

  /** one parsed message: to the call tracker, then to the onSip listeners */
  private deliver(message: SipMessage, bytes: Buffer, meta: SipMeta, source: string): void {
    this.tracker.push(message, meta);
    this.registrations.push(message, meta);
    if (!this.bus.wantsSip) return;
    this.bus.sip({
      message, bytes, packet: meta.num, epochMs: meta.epochMs, transport: meta.transport,
      src: meta.srcAddr, srcPort: meta.srcPort, dst: meta.dstAddr, dstPort: meta.dstPort,
      dscp: meta.dscp < 0 ? null : meta.dscp, source,
    });
  }

  private malformed(num: number, code: string, reason: string, offset: number): void {
    this.decodeErrors++;
    this.errors.add(num, 'malformed', `${code} at payload offset ${offset}: ${reason}`);
  }

  private meta(p: PacketInfo, transport: SipMeta['transport']): SipMeta {
    const ms = p.tsSec * 1000 + p.tsNsec / 1e6;
    return {
      num: p.num, epochMs: ms, transport, dscp: p.dscp,
      srcAddr: this.addresses.format(p.srcAddr), srcPort: p.srcPort,
      dstAddr: this.addresses.format(p.dstAddr), dstPort: p.dstPort,
    };
  }
}

const SIP_START = /^(?:SIP\/2\.0 \d{3}|[A-Z]{3,10} \S+ SIP\/2\.0\r?\n)/;

function startsLikeSip(b: Buffer): boolean {
  return SIP_START.test(b.subarray(0, 256).toString('latin1'));
}

export type { SipMessage };

function liveCall(c: { callId: string; state: string; finalStatus: number | null; setupMs: number | null; startEpochMs?: number; endEpochMs?: number | null }): LiveCall {
  return {
    callId: c.callId, state: c.state, finalStatus: c.finalStatus, setupMs: c.setupMs,
    startEpochMs: c.startEpochMs ?? 0, endEpochMs: c.endEpochMs ?? null,
  };
}
