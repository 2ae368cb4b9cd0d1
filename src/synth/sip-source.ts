/**
 * The SIP side of one call: INVITE / 100 / 180 / final / ACK, and BYE / 200 when answered, over
 * UDP (IPv4 fragments when a message exceeds the MTU) or over one TCP connection (handshake, the
 * INVITE split over two segments, 100 and 180 in one segment, FIN at the end).
 */
import type { IpSpec } from './frames.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, fragmentedUdpFrames, tcpFrame, udpFrame } from './frames.js';
import type { CallPlan } from './call-plan.js';
import { sipAck, sipBye, sipInvite, sipReInvite, sipReInviteAck, sipReInviteResponse, sipResponse } from './sip.js';
import { REINVITE_ANSWER_MS, mirrorDirection } from './media-plan.js';
import type { Emit, GenContext, Source } from './source.js';
import { msToNs, quantize } from './source.js';
import type { CallTruth } from './truth.js';

/** what a frame completes: SIP messages (start line tag, e.g. "INVITE", "180") */
interface SipFrame {
  ns: number;
  frame: Buffer;
  completes: string[];
}

interface Msg {
  ns: number;
  fromCaller: boolean;
  tag: string;
  bytes: Buffer;
}

function messages(p: CallPlan): Msg[] {
  const d = p.dialog;
  const s = p.group.sip;
  const at = (ms: number) => p.inviteNs + msToNs(ms);
  // the default direction writes the SDP exactly as before (the committed fixtures are byte for byte)
  const offer = s.direction === 'sendrecv' ? {} : { direction: s.direction };
  const answer = s.direction === 'sendrecv' ? {} : { direction: mirrorDirection(s.direction) };
  const out: Msg[] = [
    { ns: at(0), fromCaller: true, tag: 'INVITE', bytes: sipInvite(d, offer) },
    { ns: at(s.tryingMs), fromCaller: false, tag: '100', bytes: sipResponse(d, 100, 'INVITE') },
    { ns: at(s.ringMs), fromCaller: false, tag: '180', bytes: sipResponse(d, 180, 'INVITE') },
    { ns: p.answerNs, fromCaller: false, tag: String(s.finalStatus), bytes: sipResponse(d, s.finalStatus, 'INVITE', answer) },
    { ns: p.answerNs + msToNs(20), fromCaller: true, tag: 'ACK', bytes: sipAck(d) },
  ];
  if (!p.answered) return out;
  let cseq = 1;
  for (const r of s.reinvites) {
    cseq++;
    const ns = p.mediaStartNs + msToNs(r.atMs);
    const sdp = { version: cseq, direction: r.direction, t38: r.t38 };
    const back = { version: cseq, direction: mirrorDirection(r.direction), t38: r.t38 };
    // tags that are no final status of the call: a re-INVITE's answer does not end or answer it
    out.push({ ns, fromCaller: true, tag: `re-INVITE`, bytes: sipReInvite(d, cseq, sdp) });
    out.push({ ns: ns + msToNs(REINVITE_ANSWER_MS), fromCaller: false, tag: `re-${r.status}`, bytes: sipReInviteResponse(d, cseq, r.status, back) });
    out.push({ ns: ns + msToNs(REINVITE_ANSWER_MS + 10), fromCaller: true, tag: 're-ACK', bytes: sipReInviteAck(d, cseq, r.status) });
  }
  if (s.bye) {
    out.push({ ns: p.byeNs, fromCaller: true, tag: 'BYE', bytes: sipBye(d, cseq + 1) });
    out.push({ ns: p.byeNs + msToNs(30), fromCaller: false, tag: '200-BYE', bytes: sipResponse(d, 200, 'BYE', {}, cseq + 1) });
  }
  return out;
}

export class SipSource implements Source {
  nextNs: number;
  private readonly frames: SipFrame[];
  private k = 0;

  constructor(
    private readonly ctx: GenContext,
    private readonly plan: CallPlan,
    private readonly truth: CallTruth,
  ) {
    const ips = this.ips();
    this.frames = plan.group.sip.transport === 'tcp' ? this.tcpFrames(ips) : this.udpFrames(ips);
    this.frames.sort((a, b) => a.ns - b.ns);
    this.nextNs = this.frames[0]?.ns ?? Infinity;
  }

  private ips(): [IpSpec, IpSpec] {
    const s = this.ctx.scenario;
    const base = { version: s.ipVersion, dscp: this.plan.group.sip.dscp, ttl: 64, id: 0 } as const;
    return [
      { ...base, src: this.plan.callerAddr, dst: this.plan.calleeAddr },
      { ...base, src: this.plan.calleeAddr, dst: this.plan.callerAddr },
    ];
  }

  private udpFrames([fwd, back]: [IpSpec, IpSpec]): SipFrame[] {
    const p = this.plan;
    const mtu = p.group.sip.mtu;
    const out: SipFrame[] = [];
    for (const m of messages(p)) {
      const ip = { ...(m.fromCaller ? fwd : back), id: this.ctx.nextIpId() };
      const [sp, dp] = m.fromCaller ? [p.callerSipPort, p.calleeSipPort] : [p.calleeSipPort, p.callerSipPort];
      const ns = quantize(this.ctx, m.ns);
      const fragment = mtu > 0 && ip.version === 4 && m.bytes.length + 28 > mtu;
      const frames = fragment
        ? fragmentedUdpFrames(this.ctx.link, ip, sp, dp, m.bytes, mtu)
        : [udpFrame(this.ctx.link, ip, sp, dp, m.bytes, this.ctx.scenario.udpChecksum)];
      // fragments 1 us apart; the last one completes the message
      frames.forEach((f, j) => out.push({ ns: ns + j * 1000, frame: f, completes: j === frames.length - 1 ? [m.tag] : [] }));
    }
    return out;
  }

  private tcpFrames([fwd, back]: [IpSpec, IpSpec]): SipFrame[] {
    const p = this.plan;
    const seq = [1000 + p.index * 7919, 500000 + p.index * 104729];
    const out: SipFrame[] = [];
    const seg = (ns: number, fromCaller: boolean, flags: number, payload: Buffer, completes: string[]) => {
      const a = fromCaller ? 0 : 1;
      const ip = { ...(fromCaller ? fwd : back), id: this.ctx.nextIpId() };
      const [sp, dp] = fromCaller ? [p.callerSipPort, p.calleeSipPort] : [p.calleeSipPort, p.callerSipPort];
      const ack = flags & TCP_ACK ? seq[1 - a]! : 0;
      const f = tcpFrame(this.ctx.link, ip, sp, dp, seq[a]!, ack, flags, payload);
      seq[a]! += payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
      out.push({ ns: quantize(this.ctx, ns), frame: f, completes });
    };
    const none = Buffer.alloc(0);
    const t0 = p.inviteNs - msToNs(3);
    seg(t0, true, TCP_SYN, none, []);
    seg(t0 + msToNs(1), false, TCP_SYN | TCP_ACK, none, []);
    seg(t0 + msToNs(2), true, TCP_ACK, none, []);
    const msgs = messages(p);
    const split = p.group.sip.tcpSplit;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      const next = msgs[i + 1];
      if (split && m.tag === 'INVITE') {
        const half = Math.floor(m.bytes.length / 2);
        seg(m.ns, true, TCP_ACK | TCP_PSH, m.bytes.subarray(0, half), []);
        seg(m.ns + msToNs(1), true, TCP_ACK | TCP_PSH, m.bytes.subarray(half), [m.tag]);
      } else if (split && m.tag === '100' && next !== undefined && next.tag === '180') {
        seg(next.ns, false, TCP_ACK | TCP_PSH, Buffer.concat([m.bytes, next.bytes]), [m.tag, next.tag]);
        i++;
      } else {
        seg(m.ns, m.fromCaller, TCP_ACK | TCP_PSH, m.bytes, [m.tag]);
      }
    }
    const end = (msgs[msgs.length - 1]?.ns ?? p.inviteNs) + msToNs(50);
    seg(end, true, TCP_FIN | TCP_ACK, none, []);
    seg(end + msToNs(1), false, TCP_FIN | TCP_ACK, none, []);
    seg(end + msToNs(2), true, TCP_ACK, none, []);
    return out;
  }

  step(emit: Emit): void {
    const f = this.frames[this.k++]!;
    this.nextNs = this.frames[this.k]?.ns ?? Infinity;
    emit(f.ns, f.frame, (frameNo, ns) => this.record(frameNo, ns, f.completes));
  }

  private inviteNs = -1;
  /** capture time of the 200 answering the INVITE (the truth's duration runs from it), -1 before */
  answeredNs = -1;

  private record(frameNo: number, ns: number, completes: string[]): void {
    const t = this.truth;
    const dscp = this.plan.group.sip.dscp;
    if (t.firstFrame === 0) t.firstFrame = frameNo;
    t.sipDscp[dscp] = (t.sipDscp[dscp] ?? 0) + 1;
    for (const tag of completes) {
      t.messages++;
      if (tag === 'INVITE') this.inviteNs = ns;
      if (tag === '180' && t.ringMs === null) t.ringMs = (ns - this.inviteNs) / 1e6;
      if (/^[2-6]\d\d$/.test(tag)) {
        t.finalStatus = Number(tag);
        if (tag === '200') {
          t.setupMs = (ns - this.inviteNs) / 1e6;
          this.answeredNs = ns;
        }
      }
      if (tag === 'BYE' && this.answeredNs >= 0) t.durationSeconds = (ns - this.answeredNs) / 1e9;
    }
  }
}
