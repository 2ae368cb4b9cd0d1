/**
 * The declarative scenario: what calls to make and what the network does to them. Everything
 * random is drawn from a PRNG seeded by `seed`, so a scenario and its seed give the same bytes.
 * `defineScenario` fills defaults into a partial (JSON-friendly) description.
 */
import { DEFAULT_MIRROR, type MirrorSpec } from './mirror.js';

export type Codec = 'PCMA' | 'PCMU' | 'G729';

export type LossModel =
  | { kind: 'none' }
  /** each packet lost independently with probability p */
  | { kind: 'bernoulli'; p: number }
  /** explicit bursts: [first packet index in the stream, number of packets] */
  | { kind: 'pattern'; bursts: Array<[number, number]> }
  /** every n-th packet lost (n = 25 gives exactly 4 %) */
  | { kind: 'periodic'; every: number };

export type JitterModel =
  | { kind: 'none' }
  /** extra delay uniform in [0, maxMs] */
  | { kind: 'uniform'; maxMs: number }
  /** extra delay normal(meanMs, sigmaMs), clipped to [0, meanMs + 4 sigma] */
  | { kind: 'normal'; meanMs: number; sigmaMs: number };

export interface DtmfBurst {
  /** start, ms after the stream's first packet */
  atMs: number;
  durationMs: number;
  /** RFC 4733 event code (0-9, 10 = *, 11 = #) */
  event: number;
}

/** one RTP direction of a call */
export interface DirectionSpec {
  enabled: boolean;
  codec: Codec;
  /** packetisation time, ms */
  ptimeMs: number;
  loss: LossModel;
  jitter: JitterModel;
  /** when false, a packet never overtakes the one sent before it */
  reorder: boolean;
  /** probability that a packet is delivered twice */
  duplicates: number;
  dscp: number;
  dtmf: DtmfBurst[];
  /** fixed network delay to the capture point, ms */
  baseDelayMs: number;
  /**
   * ms after the stream's start at which the sender restarts its sequence numbers (an endpoint or
   * media server restarting the stream: the next packet jumps 30 000 numbers on); 0: never
   */
  seqResetAtMs: number;
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** a re-INVITE of the caller within the call (hold, resume, a switch to T.38 fax) */
export interface ReInviteSpec {
  /** ms after the media's start */
  atMs: number;
  /** the caller's a= direction in the offer (hold: sendonly; resume: sendrecv); the answer is its mirror */
  direction: MediaDirection;
  /** offer m=image udptl t38 instead of audio (the callee declines it with `status`, e.g. 488) */
  t38: boolean;
  /** the callee's answer: 200 takes the offer (with an SDP answer), anything else declines it */
  status: number;
}

export interface SipSpec {
  enabled: boolean;
  transport: 'udp' | 'tcp';
  dscp: number;
  /** final response to the INVITE; no media unless 200 */
  finalStatus: number;
  /** INVITE -> 100, -> 180, -> final, ms */
  tryingMs: number;
  ringMs: number;
  answerMs: number;
  /** IPv4 UDP: messages larger than this IP packet size are fragmented (0 = never) */
  mtu: number;
  /** TCP: the INVITE is split over two segments and 100 + 180 share one segment */
  tcpSplit: boolean;
  /** the caller's a= direction in the initial offer; the callee answers its mirror (sendonly <-> recvonly) */
  direction: MediaDirection;
  /** re-INVITEs of the caller during the call, in time order */
  reinvites: ReInviteSpec[];
  /** false: no BYE in the capture (the capture stops while the call is up) */
  bye: boolean;
}

export interface CallGroup {
  count: number;
  /** calls running at the same time; the next wave starts after the previous one ends */
  concurrent: number;
  durationMs: number;
  /** offset of the group's first call from the capture start, ms */
  startMs: number;
  /** gap between call starts within a wave, ms */
  staggerMs: number;
  /** caller -> callee media, and back */
  forward: DirectionSpec;
  backward: DirectionSpec;
  sip: SipSpec;
  rtcp: boolean;
  rtcpIntervalMs: number;
  /** round trip the RTCP LSR/DLSR arithmetic will show (RFC 3550 section 6.4.1), ms */
  rtcpRttMs: number;
}

/** a UA registering with the registrar (the callee base address): see register-source.ts */
export interface RegistrationSpec {
  user: string;
  /** first REGISTER, ms after the capture start */
  atMs: number;
  /** the registrar's answer to each REGISTER in turn, e.g. [401, 200], [401, 401, 401] (authentication failure), [403] */
  answers: number[];
  /** the expiry asked for and granted, seconds */
  expires: number;
  /** request to answer, ms */
  rttMs: number;
}

export interface Scenario {
  name: string;
  seed: number;
  /** epoch seconds of the capture start */
  startTime: number;
  ipVersion: 4 | 6;
  link: { type: 'ethernet' | 'sll'; vlans: number[] };
  /** caller i gets callerBase + i, callee i gets calleeBase + i */
  callerBase: string;
  calleeBase: string;
  rtpPorts: { min: number; max: number };
  /** UDP checksum for IPv4 (IPv6 always has one) */
  udpChecksum: boolean;
  groups: CallGroup[];
  /** non-VoIP traffic: DNS-like UDP and HTTP-like TCP, one packet every intervalMs */
  background: { packets: number; intervalMs: number };
  /** pcapng: nanosecond timestamps; pcap: nanosecond magic */
  nanosecond: boolean;
  byteOrder: 'le' | 'be';
  /** bytes kept per frame (the rest is cut as a snap length would) */
  snapLen: number;
  /** every frame as a mirror delivers it (GRE, ERSPAN II, VXLAN to a collector); needs an Ethernet link */
  mirror: MirrorSpec;
  /** REGISTER bindings, with their challenges */
  registrations: RegistrationSpec[];
}

type DeepPartial<T> = T extends Array<infer _U> ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type DirectionInput = DeepPartial<DirectionSpec>;
export type CallGroupInput = DeepPartial<Omit<CallGroup, 'forward' | 'backward' | 'sip'>> & {
  forward?: DirectionInput;
  backward?: DirectionInput;
  /** a re-INVITE needs only its time: sendrecv, audio and 200 by default */
  sip?: DeepPartial<Omit<SipSpec, 'reinvites'>> & { reinvites?: Array<Partial<ReInviteSpec> & { atMs: number }> };
};
export type ScenarioInput = DeepPartial<Omit<Scenario, 'groups' | 'registrations'>> & {
  groups?: CallGroupInput[];
  registrations?: Array<Partial<RegistrationSpec> & { user: string }>;
};

export const DEFAULT_REGISTRATION: Omit<RegistrationSpec, 'user'> = { atMs: 50, answers: [401, 200], expires: 3600, rttMs: 15 };

export const DEFAULT_DIRECTION: DirectionSpec = {
  enabled: true, codec: 'PCMA', ptimeMs: 20, loss: { kind: 'none' }, jitter: { kind: 'none' },
  reorder: false, duplicates: 0, dscp: 46, dtmf: [], baseDelayMs: 10, seqResetAtMs: 0,
};

export const DEFAULT_SIP: SipSpec = {
  enabled: true, transport: 'udp', dscp: 26, finalStatus: 200, tryingMs: 20, ringMs: 150, answerMs: 2000,
  mtu: 0, tcpSplit: true, direction: 'sendrecv', reinvites: [], bye: true,
};

export const DEFAULT_GROUP: Omit<CallGroup, 'forward' | 'backward' | 'sip'> = {
  count: 1, concurrent: 1, durationMs: 10000, startMs: 100, staggerMs: 50, rtcp: true,
  rtcpIntervalMs: 5000, rtcpRttMs: 40,
};

function merge<T extends object>(base: T, over: object | undefined): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) continue;
    const b = out[k];
    const plainObject = (x: unknown): x is object => typeof x === 'object' && x !== null && !Array.isArray(x);
    // loss / jitter models are replaced whole: their fields depend on `kind`
    out[k] = plainObject(b) && plainObject(v) && !('kind' in v) ? merge(b, v) : v;
  }
  return out as T;
}

export function defineGroup(g: CallGroupInput = {}): CallGroup {
  return {
    ...merge(DEFAULT_GROUP, g),
    forward: merge(DEFAULT_DIRECTION, g.forward),
    backward: merge(DEFAULT_DIRECTION, g.backward),
    sip: { ...merge(DEFAULT_SIP, g.sip), reinvites: (g.sip?.reinvites ?? []).map((r): ReInviteSpec => ({ direction: 'sendrecv', t38: false, status: 200, ...r })) },
  } as CallGroup;
}

export function defineScenario(s: ScenarioInput): Scenario {
  const base: Omit<Scenario, 'groups'> = {
    name: 'unnamed', seed: 1, startTime: 1700000000, ipVersion: 4, link: { type: 'ethernet', vlans: [] },
    callerBase: '10.1.0.10', calleeBase: '10.2.0.10', rtpPorts: { min: 10000, max: 20000 }, udpChecksum: true,
    background: { packets: 0, intervalMs: 100 }, nanosecond: false, byteOrder: 'le', snapLen: 262144,
    mirror: DEFAULT_MIRROR, registrations: [],
  };
  const v6 = s.ipVersion === 6;
  if (v6) {
    base.callerBase = '2001:db8:1::10';
    base.calleeBase = '2001:db8:2::10';
  }
  const { groups, registrations, ...rest } = s;
  const out = { ...merge(base, rest), groups: (groups ?? [{}]).map(defineGroup), registrations: (registrations ?? []).map((r) => ({ ...DEFAULT_REGISTRATION, ...r })) };
  if (out.mirror.kind !== 'none' && out.link.type !== 'ethernet') throw new Error(`mirror ${out.mirror.kind} wraps Ethernet frames: the scenario's link must be ethernet`);
  return out;
}

/** start of call `i` of a group, ms from the capture start */
export function callStartMs(g: CallGroup, i: number): number {
  const wave = Math.floor(i / g.concurrent);
  const waveLength = g.sip.answerMs + g.durationMs + 2000 + g.concurrent * g.staggerMs;
  return g.startMs + wave * waveLength + (i % g.concurrent) * g.staggerMs;
}
