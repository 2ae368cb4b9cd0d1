/**
 * The registration tracker: a processor (push / toJSON / findings) that follows REGISTER transactions
 * (RFC 3261 section 10) by Call-ID, which a UA keeps for all its registrations with one registrar
 * (10.2): who registers (the address-of-record in To), where it can be reached (Contact), at which
 * registrar, the outcome, the expiry the registrar granted (the Contact's expires parameter of the
 * 2xx, else its Expires header, 10.2.4), and the authentication challenges (401/407, 22.2 / 22.3).
 *
 * An authentication failure is what engineers look for: a REGISTER that carried credentials
 * (Authorization / Proxy-Authorization) answered by another challenge or by 403, or three challenges
 * without a success. Retransmissions (same CSeq and direction seen again) change nothing.
 * Bounded: at most maxRegistrations bindings, the least recently active one leaves first (counted).
 */
import { detachString } from '../decode/sip/strings.js';
import type { SipMessage, SipRequest, SipResponse } from '../decode/sip/types.js';
import type { Finding, RegistrationOutcome, RegistrationReport } from '../model/report.js';
import { isoTime } from '../model/iso-time.js';
import type { SipMeta } from './call-types.js';

/** challenges without a success after which a registration counts as an authentication failure */
export const AUTH_FAILURE_CHALLENGES = 3;
const DEFAULT_MAX = 10_000;

interface Binding {
  callId: string;
  aor: string;
  contact: string | null;
  ua: string;
  registrar: string;
  requestUri: string;
  transport: SipMeta['transport'];
  userAgent: string | null;
  firstPacket: number;
  lastPacket: number;
  startEpochMs: number;
  requests: number;
  challenges: number;
  /** challenges or 403 answering a REGISTER that carried credentials */
  credentialsRefused: number;
  finalStatus: number | null;
  /** packet of the last final response */
  finalPacket: number;
  expiresSeconds: number | null;
  /** CSeq numbers of REGISTER requests and whether each carried credentials */
  withCredentials: Map<number, boolean>;
  /** CSeq numbers already answered finally (a retransmitted final response counts once) */
  answered: Set<number>;
  /** Expires the request asked for (header, or the Contact parameter) */
  askedExpires: number | null;
  successAfterChallenge: boolean;
}

export class RegistrationTracker {
  /** bindings dropped because maxRegistrations was reached */
  evicted = 0;
  private readonly byId = new Map<string, Binding>();
  private readonly max: number;

  constructor(opts: { maxRegistrations?: number } = {}) {
    this.max = Math.max(1, opts.maxRegistrations ?? DEFAULT_MAX);
  }

  get size(): number {
    return this.byId.size;
  }

  /** every SIP message; only REGISTER transactions (requests and their responses) are taken */
  push(msg: SipMessage, meta: SipMeta): void {
    const cseq = msg.cseq;
    if (msg.callId === null || cseq === null || cseq.method !== 'REGISTER') return;
    if (msg.kind === 'request') this.onRequest(msg, cseq.seq, meta);
    else this.onResponse(msg, cseq.seq, meta);
  }

  private onRequest(msg: SipRequest, seq: number, meta: SipMeta): void {
    if (msg.method !== 'REGISTER') return;
    const b = this.binding(msg, meta);
    b.lastPacket = meta.num;
    if (b.withCredentials.has(seq)) return; // a retransmission
    if (b.withCredentials.size >= 64) b.withCredentials.delete(b.withCredentials.keys().next().value!);
    b.withCredentials.set(seq, hasHeader(msg, 'authorization') || hasHeader(msg, 'proxy-authorization'));
    b.requests++;
    const c = msg.contact[0];
    if (msg.contactStar) b.contact = '*';
    else if (c !== undefined) b.contact = detachString(c.uri.raw);
    b.askedExpires = expiresOf(msg, c?.params.expires);
  }

  private onResponse(msg: SipResponse, seq: number, meta: SipMeta): void {
    const b = this.byId.get(msg.callId!);
    if (b === undefined) return; // a response to a REGISTER before the capture began: nothing to say who registered
    b.lastPacket = meta.num;
    if (msg.status < 200 || b.answered.has(seq)) return;
    if (b.answered.size >= 64) b.answered.delete(b.answered.values().next().value!);
    b.answered.add(seq);
    b.finalStatus = msg.status;
    b.finalPacket = meta.num;
    const credentials = b.withCredentials.get(seq) === true;
    if (msg.status === 401 || msg.status === 407) {
      b.challenges++;
      if (credentials) b.credentialsRefused++;
    } else if (msg.status === 403 && credentials) {
      b.credentialsRefused++;
    } else if (msg.status < 300) {
      b.successAfterChallenge = b.challenges > 0;
      b.expiresSeconds = grantedExpires(msg, b.contact) ?? b.askedExpires;
    }
  }

  private binding(msg: SipRequest, meta: SipMeta): Binding {
    const id = msg.callId!;
    let b = this.byId.get(id);
    if (b !== undefined) {
      // most recently active last: the first in the map is the one to evict. The key is the binding's own
      // copy of the Call-ID: the message's would keep the whole message alive (src/decode/sip/strings.ts)
      this.byId.delete(id);
      this.byId.set(b.callId, b);
      return b;
    }
    if (this.byId.size >= this.max) {
      this.byId.delete(this.byId.keys().next().value!);
      this.evicted++;
    }
    const to = msg.to?.uri.raw ?? msg.requestUri;
    b = {
      callId: detachString(id), aor: detachString(to), contact: null, ua: endpoint(meta.srcAddr, meta.srcPort),
      registrar: endpoint(meta.dstAddr, meta.dstPort), requestUri: detachString(msg.requestUri), transport: meta.transport,
      userAgent: msg.userAgent === null ? null : detachString(msg.userAgent), firstPacket: meta.num, lastPacket: meta.num,
      startEpochMs: meta.epochMs, requests: 0, challenges: 0, credentialsRefused: 0, finalStatus: null, finalPacket: 0,
      expiresSeconds: null, withCredentials: new Map(), answered: new Set(), askedExpires: null, successAfterChallenge: false,
    };
    this.byId.set(b.callId, b);
    return b;
  }

  toJSON(): RegistrationReport[] {
    return [...this.byId.values()].sort((a, b) => a.firstPacket - b.firstPacket).map(toReport);
  }

  /** one finding per registration that failed: authentication, another error, or no answer at all */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const b of this.byId.values()) {
      const f = findingOf(b);
      if (f !== null) out.push(f);
    }
    return out.sort((a, b) => (a.packet ?? 0) - (b.packet ?? 0));
  }
}

function outcomeOf(b: Binding): RegistrationOutcome {
  const s = b.finalStatus;
  if (s === null) return 'no-response';
  if (s >= 200 && s < 300) return b.expiresSeconds === 0 || b.contact === '*' ? 'unregistered' : 'registered';
  if (b.credentialsRefused > 0 || (b.challenges >= AUTH_FAILURE_CHALLENGES && (s === 401 || s === 407))) return 'auth-failed';
  if (s === 401 || s === 407) return 'challenged';
  return 'failed';
}

function toReport(b: Binding): RegistrationReport {
  return {
    callId: b.callId, aor: b.aor, contact: b.contact, ua: b.ua, registrar: b.registrar, requestUri: b.requestUri,
    transport: b.transport, userAgent: b.userAgent, outcome: outcomeOf(b), finalStatus: b.finalStatus,
    expiresSeconds: b.expiresSeconds, requests: b.requests, challenges: b.challenges, startTime: isoTime(b.startEpochMs),
    firstPacket: b.firstPacket, lastPacket: b.lastPacket,
  };
}

function findingOf(b: Binding): Finding | null {
  const o = outcomeOf(b);
  const who = `registration of ${b.aor} from ${b.ua} at ${b.registrar}`;
  const base = { callId: b.callId, packet: b.firstPacket };
  if (o === 'auth-failed') {
    const why = b.credentialsRefused > 0
      ? `credentials refused ${b.credentialsRefused} time(s) (${b.challenges} challenge(s), last answer ${b.finalStatus})`
      : `${b.challenges} challenges and no success`;
    return { ...base, severity: 'warn', code: 'REGISTER_AUTH_FAILED', message: `${who} failed authentication: ${why}`,
      evidence: [`REGISTER requests: ${b.requests}`, `last final response at packet ${b.finalPacket}`] };
  }
  if (o === 'failed') {
    return { ...base, severity: 'warn', code: 'REGISTER_FAILED', message: `${who} was rejected with ${b.finalStatus}`,
      evidence: [`final response at packet ${b.finalPacket}`] };
  }
  if (o === 'no-response') {
    return { ...base, severity: 'warn', code: 'REGISTER_NO_RESPONSE',
      message: `${who}: ${b.requests} REGISTER request(s) and no final response in the capture (registrar unreachable, or its answers not captured)` };
  }
  return null;
}

function hasHeader(msg: SipMessage, key: string): boolean {
  return msg.headers.some((h) => h.key === key);
}

function headerNumber(msg: SipMessage, key: string): number | null {
  const h = msg.headers.find((x) => x.key === key);
  return h === undefined ? null : secondsOf(h.value);
}

function secondsOf(v: string | undefined): number | null {
  if (v === undefined || !/^\s*\d{1,10}\s*$/.test(v)) return null;
  return Number(v);
}

/** the expiry a REGISTER asks for: its Contact's expires parameter, else its Expires header */
function expiresOf(msg: SipMessage, contactParam: string | undefined): number | null {
  return secondsOf(contactParam) ?? headerNumber(msg, 'expires');
}

/** the expiry the 2xx grants our contact: the matching Contact's expires, else the Expires header (RFC 3261 10.2.4) */
function grantedExpires(msg: SipResponse, contact: string | null): number | null {
  const mine = msg.contact.find((c) => c.uri.raw === contact) ?? (msg.contact.length === 1 ? msg.contact[0] : undefined);
  return secondsOf(mine?.params.expires) ?? headerNumber(msg, 'expires');
}

function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
