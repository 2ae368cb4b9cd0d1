/**
 * The proxy's signalling core (RFC 3261 16, 18): requests from clients on the listen side go to
 * the upstream, requests from the upstream go to the client they name, responses go back by the
 * proxy's own Via. Every message is kept as received and changed by spliced edits only
 * (src/encode/sip-splice.ts): Via on top, Record-Route on dialog-creating requests, Max-Forwards
 * decremented, own Route removed (loose routing, RFC 3261 16.4), SDP anchored to the media relay
 * (media-anchor.ts) with Content-Length recomputed.
 *
 * Transaction handling is the light kind (RFC 3261 16.11 with a memory of answers): the proxy's
 * branch is derived from the request's (branch.ts), so retransmissions, CANCEL and the ACK of a
 * non-2xx reach the upstream's transaction hop by hop; a retransmitted request that was already
 * answered is absorbed (the last answer is sent again) instead of forwarded. Timers stay with the
 * user agents.
 *
 * Never an open relay: a request from a client goes only to a configured upstream and only for a
 * domain the proxy serves (an upstream's host or domain, the proxy's own addresses, --domain); a
 * request from an upstream goes only to a client seen on the listen side (a flow in its
 * Record-Route, a REGISTER contact, an address that sent us SIP). Anything else gets 403 or 404, counted.
 *
 * Several upstreams (upstreams.ts): a new request from a client goes to the first upstream of its
 * list that is up; the proxy is then stateful for that client transaction (failover.ts): on a
 * timeout (Timer B/F, --upstream-timeout), a TCP connect failure or a 503, it tries the next one
 * with a new branch, and the Record-Route names the upstream that took the dialog, so in-dialog
 * requests stay with it. OPTIONS probes (upstream-probes.ts) bring an upstream that failed back
 * after its hold-down.
 */
import { parseSdpOnce } from '../../decode/sdp.js';
import { parseUri, splitCommaList } from '../../decode/sip/header-values.js';
import { parseSipMessage } from '../../decode/sip/parse.js';
import type { SipHeader, SipMessage, SipRequest, SipResponse, SipUri } from '../../decode/sip/types.js';
import { recordRoute, spliceSip, topVia, headerWithValue, type SipEdit } from '../../encode/sip-splice.js';
import { VoipreadyError } from '../../errors.js';
import type { MediaRelay, MediaSession, Side } from '../media/relay.js';
import { randomBytes } from 'node:crypto';
import { BRANCH_PREFIX, branchFor, isOurBranch } from './branch.js';
import { byeToward, cancelOf, type DialogFacts, type DialogParty } from './dialog-teardown.js';
import { CallMedia } from './media-anchor.js';
import { replyTo } from './replies.js';
import { missingMandatory } from './request-checks.js';
import { FLOW_PARAM, UPSTREAM_PARAM, decodeFlow, encodeFlow } from './route-token.js';
import { SourceRate } from './source-rate.js';
import type { Flow, InboundSip } from './transport.js';
import { UpstreamSet, type Upstream, type UpstreamEntry } from './upstreams.js';
import { Failover, type Attempt, type FailoverHost, type Sent } from './failover.js';
import { UpstreamProbes } from './upstream-probes.js';

export type { Upstream } from './upstreams.js';

export interface SipProxyOptions {
  /** in order: the failover order of the plain ones; `domain` set: that domain's list */
  upstreams: readonly Upstream[];
  /** how long an attempt toward an upstream may go unanswered before the next one is tried (Timer B/F); default 5 s */
  upstreamTimeoutMs?: number;
  /** how long an upstream that failed is skipped; default 30 s */
  holdDownMs?: number;
  /** OPTIONS keepalive toward every upstream this often; 0 or absent: no probes (it comes back after the hold-down) */
  probeIntervalMs?: number;
  /** the proxy's own SIP port (what Via and Record-Route name) */
  port: number;
  /** its SIP-over-TLS port, when it listens for TLS */
  tlsPort?: number;
  /** the proxy's address as seen from an address (the interface toward it) */
  localAddressToward(address: string): string;
  /** domains served besides the upstream's host and the proxy's addresses */
  domains: readonly string[];
  relay: MediaRelay;
  send(flow: Flow, bytes: Buffer): void;
  /** send over TCP if a connection can be made, else call `failed` (large requests toward the upstream; absent: never switched) */
  sendOrElse?(flow: Flow, bytes: Buffer, failed: () => void): void;
  /** a relay session opened for a call leg (callKey: what mediaSeen takes) */
  onSession?(session: MediaSession, callKey: string): void;
  /** requests per second accepted from one client address (twice that as a burst); 0 or absent: no limit */
  requestsPerSecond?: number;
  now?: () => number;
}

export interface ProxyCounters {
  requests: number;
  responses: number;
  forwarded: number;
  absorbed: number;
  rejectedForbidden: number;
  rejectedNotFound: number;
  tooManyHops: number;
  noPorts: number;
  malformed: number;
  /** requests from a client address beyond requestsPerSecond, dropped (a flood) */
  rateLimited: number;
  stray: number;
  callsActive: number;
  callsTotal: number;
  /** shutdown: BYEs the proxy sent itself (two per answered call) and how many were answered 2xx */
  byeSent: number;
  byeAnswered: number;
  /** shutdown: ringing INVITEs the proxy cancelled itself */
  cancelSent: number;
  /** requests too large for UDP sent to the upstream over TCP instead (RFC 3261 18.1.1), and of them those that went over UDP after all (no TCP there) */
  largeOverTcp: number;
  tcpFallbacks: number;
  /** requests moved from one upstream to the next (per upstream and reason on the UpstreamEntry) */
  failovers: number;
  /** requests that no upstream of their list answered: the proxy answered 408 or 503 itself */
  upstreamsExhausted: number;
}

/** what tearDown did */
export interface TearDownResult {
  calls: number;
  byeSent: number;
  byeAnswered: number;
  cancelSent: number;
  cancelAnswered: number;
}

interface Transaction {
  inbound: Flow;
  method: string;
  lastResponse: Buffer | null;
  touchedMs: number;
  /** the call leg the request belongs to (its responses anchor that leg's media) */
  callKey?: string;
  /** a request the proxy sent itself (shutdown BYE/CANCEL, probe): its final answer ends here */
  own?: (status: number, res: SipResponse) => void;
  /** a new request from a client sent to an upstream list: the proxy tries them in turn */
  attempt?: Attempt<Outgoing>;
}

/** what forwarding one request needs: kept so that a failover can forward it again */
interface Outgoing {
  req: SipRequest;
  m: InboundSip;
  ownRoutes: SipHeader[];
  hops: number;
  body: Buffer | null;
  clientFlow: Flow;
  callKey: string;
  fromUpstream: boolean;
}

/** the proxy's own entries on top of a request's Route */
interface OwnRoutes {
  headers: SipHeader[];
  /** the dialog's client flow (vrflow) */
  flow: Flow | null;
  /** the upstream that took the dialog (vrup) */
  upstream: Flow | null;
}

interface Call {
  /** Call-ID and leg: a call between two phones behind the proxy passes it twice (a spiral through the PBX) */
  key: string;
  callId: string;
  media: CallMedia;
  /** the caller's side came from the upstream (an incoming call to a phone) */
  callerFromUpstream: boolean;
  /** the client-side flow of the dialog */
  clientFlow: Flow;
  answered: boolean;
  touchedMs: number;
  /** the dialog's facts for ending it at shutdown; null until the INVITE went out */
  dialog: DialogFacts | null;
  /** where the INVITE went (the callee's first hop) */
  calleeFlow: Flow | null;
}

/** how long a call's ports stay open after its BYE, for the packets still under way */
const BYE_LINGER_MS = 2000;
/** RFC 3261 18.1.1: with the path MTU unknown, a request larger than this must not go over UDP */
const MAX_UDP_REQUEST = 1300;
/** RFC 3261 17.1.1.2: 64*T1, how long a transaction may live */
const TRANSACTION_MS = 32_000;
const MAX_TRANSACTIONS = 20_000;
const MAX_CALLS = 10_000;
const MAX_CLIENTS = 10_000;
const MAX_REGISTRATIONS = 10_000;
/** a call without any SIP for this long and no media either is forgotten */
const CALL_IDLE_MS = 2 * 3600_000;
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);
const DEFAULT_UPSTREAM_TIMEOUT_MS = 5000;
const DEFAULT_HOLD_DOWN_MS = 30_000;

export class SipProxy {
  readonly counters: ProxyCounters = {
    requests: 0, responses: 0, forwarded: 0, absorbed: 0, rejectedForbidden: 0, rejectedNotFound: 0,
    tooManyHops: 0, noPorts: 0, malformed: 0, rateLimited: 0, stray: 0, callsActive: 0, callsTotal: 0, byeSent: 0, byeAnswered: 0, cancelSent: 0, largeOverTcp: 0, tcpFallbacks: 0,
    failovers: 0, upstreamsExhausted: 0,
  };
  readonly upstreams: UpstreamSet;
  private readonly transactions = new Map<string, Transaction>();
  private readonly calls = new Map<string, Call>();
  /** media of calls ended by BYE, still open for the last packets (closed by the timer or by close()) */
  private readonly lingering = new Map<NodeJS.Timeout, CallMedia>();
  /** client flows seen on the listen side, by "address:port" */
  private readonly clients = new Map<string, Flow>();
  /** REGISTER contacts relayed: "host:port" of the Contact URI -> the flow it came from */
  private readonly registrations = new Map<string, Flow>();
  private readonly now: () => number;
  private mediaTimeoutMs = 60_000;
  private refusing = false;
  /** the addresses the proxy is known by (its interfaces toward the peers seen) */
  private readonly ownAddresses = new Set<string>();
  private readonly rate: SourceRate;
  private readonly failover: Failover<Outgoing>;
  private readonly probes: UpstreamProbes;

  constructor(private readonly opts: SipProxyOptions) {
    this.now = opts.now ?? Date.now;
    this.rate = new SourceRate(opts.requestsPerSecond ?? 0);
    const probeMs = opts.probeIntervalMs ?? 0;
    this.upstreams = new UpstreamSet(opts.upstreams, { holdDownMs: opts.holdDownMs ?? DEFAULT_HOLD_DOWN_MS, probing: probeMs > 0 });
    const timeoutMs = opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    for (const u of this.upstreams.all) this.advertise(u.config.address);
    const host: FailoverHost<Outgoing> = {
      upstreams: this.upstreams, timeoutMs, counters: this.counters, now: () => this.now(),
      forward: (out, to, branch) => this.forwardTo(out, to, branch, to),
      alias: (key, tx) => this.remember(this.transactions, key, tx as Transaction, MAX_TRANSACTIONS),
      send: (flow, bytes) => this.opts.send(flow, bytes),
      endCall: (key) => this.endCall(key),
    };
    this.failover = new Failover(host);
    this.probes = new UpstreamProbes({
      upstreams: this.upstreams, timeoutMs, now: () => this.now(),
      own: (key, to, answered) => this.ownTransaction(key, to, answered),
      forget: (key) => this.transactions.delete(key),
      via: (to, branch) => this.viaValue(to, branch),
      self: (to) => hostText(this.advertise(to.address)),
      send: (flow, bytes) => this.opts.send(flow, bytes),
    });
    if (probeMs > 0) this.probes.start(probeMs);
  }

  setMediaTimeout(ms: number): void {
    this.mediaTimeoutMs = ms;
  }

  /** one received message: parsed, relayed or answered; never throws for what a peer sent */
  async handle(m: InboundSip): Promise<void> {
    const r = parseSipMessage(m.bytes, 0, m.bytes.length, { stream: m.flow.transport !== 'udp' });
    if (!r.ok) {
      if (r.code !== 'SIP_NOT_SIP' || m.bytes.some((b) => b !== 0x0d && b !== 0x0a)) this.counters.malformed++;
      return;
    }
    try {
      if (r.message.kind === 'request') await this.onRequest(m, r.message);
      else await this.onResponse(m, r.message);
    } catch (err) {
      if (err instanceof VoipreadyError && err.code === 'E_LISTEN') return;
      this.counters.malformed++;
    }
  }

  /** the calls whose media has been quiet beyond the media timeout are torn down; old state goes */
  sweep(): void {
    const now = this.now();
    for (const [k, t] of this.transactions) {
      if (now - t.touchedMs <= TRANSACTION_MS) continue;
      Failover.forget(t);
      this.transactions.delete(k);
    }
    for (const [id, c] of this.calls) {
      const mediaQuiet = c.answered && now - Math.max(c.media.lastMediaMs, c.touchedMs) > this.mediaTimeoutMs;
      if (mediaQuiet || now - c.touchedMs > CALL_IDLE_MS) this.endCall(id);
    }
  }

  /** the call a relay session belongs to got a packet */
  mediaSeen(callKey: string): void {
    const c = this.calls.get(callKey);
    if (c !== undefined) c.media.lastMediaMs = this.now();
  }

  /** shutting down: a new INVITE gets 503 from now on, dialogs in progress go on */
  stopNewCalls(): void {
    this.refusing = true;
  }

  /** the Call-IDs of the call legs up (a call between two phones behind the proxy is there twice) */
  activeCalls(): string[] {
    return [...this.calls.values()].map((c) => c.callId);
  }

  close(): void {
    this.probes.stop();
    Failover.stop(this.transactions.values());
    for (const id of [...this.calls.keys()]) this.endCall(id);
    for (const [t, media] of this.lingering) {
      clearTimeout(t);
      media.close();
    }
    this.lingering.clear();
  }

  /**
   * Shutdown (after the grace period): every answered call still up gets a BYE on both legs, every
   * INVITE still ringing a CANCEL toward the callee (whose 487 then reaches the caller the usual
   * way). Waits up to timeoutMs for the answers; the calls' media is freed either way.
   */
  async tearDown(timeoutMs: number): Promise<TearDownResult> {
    const r: TearDownResult = { calls: 0, byeSent: 0, byeAnswered: 0, cancelSent: 0, cancelAnswered: 0 };
    const pending = new Set<string>();
    const cancelled = new Set<string>();
    for (const [callId, c] of this.calls) {
      const d = c.dialog;
      if (d === null) continue;
      r.calls++;
      if (c.answered && d.callee !== null) {
        for (const [to, from] of [[d.caller, d.callee], [d.callee, d.caller]] as Array<[DialogParty, DialogParty]>) {
          const branch = BRANCH_PREFIX + randomBytes(10).toString('hex');
          const key = `${branch}|BYE`;
          pending.add(key);
          this.ownTransaction(key, to.flow, (status) => {
            pending.delete(key);
            if (status < 300) {
              r.byeAnswered++;
              this.counters.byeAnswered++;
            }
          });
          r.byeSent++;
          this.counters.byeSent++;
          this.opts.send(to.flow, byeToward(d, to, from, this.viaValue(to.flow, branch)));
        }
      } else if (!c.answered && c.calleeFlow !== null) {
        const branch = /branch=([^;\s]+)/.exec(d.invite.via)?.[1] ?? '';
        const key = `${branch}|CANCEL`;
        pending.add(key);
        cancelled.add(callId);
        this.ownTransaction(key, c.calleeFlow, (status) => {
          pending.delete(key);
          if (status < 300) r.cancelAnswered++;
        });
        r.cancelSent++;
        this.counters.cancelSent++;
        this.opts.send(c.calleeFlow, cancelOf(d));
      }
    }
    const end = this.now() + timeoutMs;
    const waiting = (): boolean => pending.size > 0 || [...cancelled].some((id) => this.calls.has(id));
    while (waiting() && this.now() < end) await new Promise((res) => setTimeout(res, 20));
    for (const key of pending) this.transactions.delete(key);
    this.close();
    return r;
  }

  private ownTransaction(key: string, to: Flow, own: (status: number, res: SipResponse) => void): void {
    this.remember(this.transactions, key, { inbound: to, method: key.slice(key.indexOf('|') + 1), lastResponse: null, touchedMs: this.now(), own }, MAX_TRANSACTIONS);
  }

  private viaValue(toward: Flow, branch: string): string {
    return `SIP/2.0/${toward.transport.toUpperCase()} ${hostText(this.advertise(toward.address))}:${this.portFor(toward.transport)};branch=${branch}`;
  }

  // ---- requests

  private async onRequest(m: InboundSip, req: SipRequest): Promise<void> {
    this.counters.requests++;
    const fromUpstream = this.isUpstream(m.flow);
    if (!fromUpstream && !this.rate.allow(m.flow.address, this.now())) {
      this.counters.rateLimited++;
      return;
    }
    if (missingMandatory(req) !== null) {
      this.counters.malformed++;
      return;
    }
    if (!fromUpstream) this.remember(this.clients, `${m.flow.address}:${m.flow.port}`, m.flow, MAX_CLIENTS);
    const branch = branchFor(req);
    const known = this.transactions.get(`${branch}|${req.method}`);
    if (known !== undefined && req.method !== 'ACK') {
      // a retransmission: answered already -> the answer again; still pending -> the user agent's timer drives it on
      known.touchedMs = this.now();
      if (known.lastResponse !== null) {
        this.counters.absorbed++;
        this.opts.send(known.inbound, known.lastResponse);
        return;
      }
      const a = known.attempt;
      if (a !== undefined) {
        // toward the upstream of the current attempt, as it went there (its branch, its Record-Route)
        if (a.sent !== null && !a.final) this.opts.send(a.sent.flow, a.sent.bytes);
        return;
      }
    }
    const mf = req.headers.find((h) => h.key === 'max-forwards');
    const hops = mf === undefined ? 70 : Number(mf.value);
    if (req.method !== 'ACK' && Number.isFinite(hops) && hops <= 0) {
      this.counters.tooManyHops++;
      this.opts.send(m.flow, replyTo(req, 483, 'Too Many Hops'));
      return;
    }
    const ours = this.ourRoutes(req);
    if (!fromUpstream && this.followsInvite(req, m, branch, ours.headers, hops)) return;
    const target = fromUpstream ? this.clientTarget(req, ours.flow) : this.upstreamTarget(req, m.flow, ours);
    if (typeof target === 'number') {
      if (req.method === 'ACK') return; // an ACK is never answered
      if (target === 403) this.counters.rejectedForbidden++;
      else this.counters.rejectedNotFound++;
      this.opts.send(m.flow, replyTo(req, target, target === 403 ? 'Forbidden' : 'Not Found'));
      return;
    }
    if (req.method === 'OPTIONS' && target === 'self') {
      this.opts.send(m.flow, replyTo(req, 200, 'OK', ['Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, REGISTER, SUBSCRIBE, NOTIFY, REFER, INFO, MESSAGE']));
      return;
    }
    if (target === 'self') {
      this.counters.rejectedNotFound++;
      if (req.method !== 'ACK') this.opts.send(m.flow, replyTo(req, 404, 'Not Found'));
      return;
    }
    // a list: a new request, tried upstream after upstream; its first hop anchors the media
    const first = Array.isArray(target) ? this.upstreams.next(target, new Set(), this.now())! : null;
    const hop: Flow = first !== null ? first.flow : (target as Flow);
    const clientFlow = fromUpstream ? hop : m.flow;
    const callKey = this.legKey(req, fromUpstream, clientFlow);
    const tx: Transaction = { inbound: m.flow, method: req.method, lastResponse: null, touchedMs: this.now(), callKey };
    if (req.method !== 'ACK') this.remember(this.transactions, `${branch}|${req.method}`, tx, MAX_TRANSACTIONS);
    if (req.method === 'REGISTER' && !fromUpstream) this.rememberContacts(req, m.flow);
    const body = await this.anchorRequest(req, m, fromUpstream, clientFlow, callKey, hop);
    if (body === 'no-ports') {
      this.counters.noPorts++;
      this.opts.send(m.flow, replyTo(req, 503, 'Service Unavailable', ['Retry-After: 5']));
      return;
    }
    const out: Outgoing = { req, m, ownRoutes: ours.headers, hops, body, clientFlow, callKey, fromUpstream };
    if (Array.isArray(target)) {
      this.failover.start(tx, out, target, branch);
      return;
    }
    // an in-dialog request (or one from an upstream): one hop, the user agents' timers drive it
    this.forwardTo(out, hop, branch, fromUpstream ? m.flow : hop);
    if (req.method === 'BYE') this.endCall(callKey, BYE_LINGER_MS);
    else if (req.method === 'CANCEL') this.endCall(callKey);
  }

  /**
   * `out` as it leaves toward `to` with `branch`: own Via on top, own Route removed, Max-Forwards
   * decremented, Record-Route on a dialog-creating request (naming `upstream`, the upstream side of
   * the dialog). A request too large for UDP toward an upstream goes over TCP (RFC 3261 18.1.1), over
   * UDP again when the upstream takes no TCP. Returns what went out first (retransmissions repeat it).
   */
  private forwardTo(o: Outgoing, to: Flow, branch: string, upstream: Flow): Sent {
    const { req, m } = o;
    const via = this.advertise(to.address);
    const mf = req.headers.find((h) => h.key === 'max-forwards');
    const build = (toward: Flow): { out: Buffer; via: string } => {
      const viaValue = `SIP/2.0/${toward.transport.toUpperCase()} ${hostText(via)}:${this.portFor(toward.transport)};branch=${branch}`;
      const edits: SipEdit[] = [topVia(req, viaValue), ...o.ownRoutes.map((h): SipEdit => ({ op: 'remove', header: h }))];
      if (mf !== undefined) edits.push({ op: 'replace', header: mf, line: headerWithValue(mf, String(Math.max(0, o.hops - 1))) });
      else edits.push({ op: 'append', line: 'Max-Forwards: 70' });
      if (DIALOG_CREATING.has(req.method) && req.to?.tag == null) edits.push(...this.recordRoutes(req, m.flow, toward, o.clientFlow, upstream));
      return { out: spliceSip(m.bytes, req, edits, o.body === null ? {} : { body: o.body }), via: viaValue };
    };
    const plain = build(to);
    this.counters.forwarded++;
    if (to.transport === 'udp' && plain.out.length > MAX_UDP_REQUEST && this.isUpstream(to) && this.opts.sendOrElse !== undefined) {
      const tcpFlow: Flow = { ...to, transport: 'tcp' };
      const big = build(tcpFlow);
      this.counters.largeOverTcp++;
      this.noteDialog(o.callKey, req, m.flow, o.fromUpstream, tcpFlow, big.via, o.ownRoutes);
      const sent: Sent = { flow: tcpFlow, bytes: big.out };
      this.opts.sendOrElse(tcpFlow, big.out, () => {
        this.counters.tcpFallbacks++;
        this.noteDialog(o.callKey, req, m.flow, o.fromUpstream, to, plain.via, o.ownRoutes);
        this.opts.send(to, plain.out);
        // retransmissions follow it over UDP
        sent.flow = to;
        sent.bytes = plain.out;
      });
      return sent;
    }
    this.noteDialog(o.callKey, req, m.flow, o.fromUpstream, to, plain.via, o.ownRoutes);
    this.opts.send(to, plain.out);
    return { flow: to, bytes: plain.out };
  }

  // ---- several upstreams: attempts, failover, probes

  /**
   * A client's CANCEL or ACK of a non-2xx carries its INVITE's branch: it belongs to the INVITE's
   * current attempt and goes to that upstream with that attempt's branch (hop by hop). True when
   * it was handled so.
   */
  private followsInvite(req: SipRequest, m: InboundSip, branch: string, ownRoutes: SipHeader[], hops: number): boolean {
    if (req.method !== 'CANCEL' && req.method !== 'ACK') return false;
    const invite = this.transactions.get(`${branch}|INVITE`);
    const a = invite?.attempt;
    if (invite === undefined || a === undefined) return false;
    const out: Outgoing = { req, m, ownRoutes, hops, body: null, clientFlow: m.flow, callKey: a.out.callKey, fromUpstream: false };
    if (req.method === 'ACK') {
      if (a.sent !== null) this.forwardTo(out, a.sent.flow, a.branch, a.current.flow);
      return true;
    }
    a.cancelled = true;
    const tx: Transaction = { inbound: m.flow, method: 'CANCEL', lastResponse: null, touchedMs: this.now(), callKey: a.out.callKey };
    this.remember(this.transactions, `${branch}|CANCEL`, tx, MAX_TRANSACTIONS);
    if (a.branch !== branch) this.remember(this.transactions, `${a.branch}|CANCEL`, tx, MAX_TRANSACTIONS);
    if (a.final || a.sent === null) {
      // nothing pending upstream (all failed, answered already): the CANCEL is answered here
      this.opts.send(m.flow, replyTo(req, 200, 'OK'));
    } else {
      this.forwardTo(out, a.sent.flow, a.branch, a.current.flow);
      // the call is being cancelled: its media goes (a CANCEL after the final answer changes nothing)
      this.endCall(a.out.callKey);
    }
    return true;
  }

  /** a TCP connection toward `flow` could not be made: that upstream is down, its pending attempts go on to the next */
  unreachable(flow: Flow): void {
    const u = this.upstreams.byFlow(flow);
    // a UDP upstream that takes no TCP (a large request tried over TCP first) is not unreachable: UDP goes on
    if (u !== undefined && u.config.transport === flow.transport) this.failover.unreachable(u, this.transactions.values());
  }

  /** one OPTIONS keepalive to every upstream now (the interval does this by itself) */
  probeAll(): void {
    this.probes.probeAll();
  }

  /**
   * The call leg a request belongs to. A call from one phone behind the proxy to another passes the
   * proxy twice with the same Call-ID and tags (out to the PBX, back in from it): its initial INVITE
   * names the leg by direction; an in-dialog request by the client flow it comes from or goes to
   * (every leg has its own client), else by the one leg there is.
   */
  private legKey(req: SipRequest, fromUpstream: boolean, clientFlow: Flow): string {
    const id = req.callId ?? '';
    const out = `${id}\u0000out`;
    const inn = `${id}\u0000in`;
    if (req.method === 'INVITE' && req.to?.tag == null) return fromUpstream ? inn : out;
    const a = this.calls.get(out);
    const b = this.calls.get(inn);
    if (a !== undefined && b !== undefined) return sameFlow(b.clientFlow, clientFlow) && !sameFlow(a.clientFlow, clientFlow) ? inn : out;
    return b !== undefined ? inn : out;
  }

  /** what ending the call at shutdown needs: the INVITE as forwarded, the caller's side, each side's CSeq */
  private noteDialog(callKey: string, req: SipRequest, inbound: Flow, fromUpstream: boolean, target: Flow, via: string, ownRoutes: SipHeader[]): void {
    const call = this.calls.get(callKey);
    if (call === undefined || req.cseq === null) return;
    if (req.method === 'INVITE' && req.to?.tag == null && !call.answered) {
      const value = (key: string): string => req.headers.find((h) => h.key === key)?.value ?? '';
      const listOf = (key: string, skip: readonly SipHeader[] = []): string[] =>
        req.headers.filter((h) => h.key === key && !skip.includes(h)).flatMap((h) => splitCommaList(h.value).map((e) => e.trim()));
      call.dialog = {
        callId: req.callId!,
        caller: { flow: inbound, nameAddr: value('from'), contact: contactUri(req), routes: listOf('record-route'), cseq: req.cseq.seq },
        callee: call.dialog?.callee ?? null,
        invite: { requestUri: req.requestUri, via, from: value('from'), to: value('to'), cseq: req.cseq.seq, routes: listOf('route', ownRoutes) },
      };
      call.calleeFlow = target;
      return;
    }
    const d = call.dialog;
    if (d === null || req.to?.tag == null) return;
    // an in-dialog request: the next BYE in that party's name must carry a higher CSeq
    const party = fromUpstream === call.callerFromUpstream ? d.caller : d.callee;
    if (party !== null) party.cseq = Math.max(party.cseq, req.cseq.seq);
  }

  /**
   * Where a client's request goes, for a served domain only: in a dialog the proxy routes, the
   * upstream its Route names (one of the configured ones, else 403); a new request, the list of
   * upstreams for its domain (tried in turn); otherwise the first of that list that is up.
   */
  private upstreamTarget(req: SipRequest, inbound: Flow, ours: OwnRoutes): Flow | UpstreamEntry[] | 'self' | 403 | 404 {
    const uri = parseUri(req.requestUri);
    if (uri === null) return 403;
    this.advertise(inbound.address);
    const routedByUs = ours.headers.length > 0;
    if (routedByUs && ours.upstream !== null) {
      const named = this.upstreams.byFlow(ours.upstream);
      // a Route naming anything but a configured upstream is forged or stale: never relayed there
      return named === undefined ? 403 : named.flow;
    }
    if (!routedByUs && !this.serves(uri)) return 403;
    if (!routedByUs && req.method === 'OPTIONS' && uri.user === null && this.isOwnHost(uri.host)) return 'self';
    if (req.to?.tag != null) {
      // in a dialog whose user agent ignores Record-Route: the upstream of the call leg, if it is known
      const known = this.dialogUpstream(req, inbound);
      if (known !== null) return known;
    }
    const list = this.upstreams.listFor(uri.host, req.to?.uri.host ?? null);
    if (list.length === 0) return 404;
    if (!routedByUs && req.to?.tag == null) return list;
    return this.upstreams.next(list, new Set(), this.now())!.flow;
  }

  /** the upstream side of the call leg an in-dialog request from a client belongs to, or null */
  private dialogUpstream(req: SipRequest, inbound: Flow): Flow | null {
    const call = this.calls.get(this.legKey(req, false, inbound));
    const f = call === undefined ? undefined : call.callerFromUpstream ? call.dialog?.caller.flow : call.calleeFlow;
    return f == null ? null : this.upstreams.byFlow(f)?.flow ?? null;
  }

  /** where the upstream's request goes: the flow our Route names, a registered contact, a client seen */
  private clientTarget(req: SipRequest, routed: Flow | null): Flow | 404 | 'self' {
    if (routed !== null) return routed;
    const uri = parseUri(req.requestUri);
    if (uri === null) return 404;
    const hostPort = `${bare(uri.host)}:${uri.port ?? 5060}`;
    const registered = this.registrations.get(hostPort);
    if (registered !== undefined) return registered;
    const seen = this.clients.get(hostPort);
    if (seen !== undefined) return seen;
    if (req.method === 'OPTIONS' && uri.user === null && this.isOwnHost(uri.host)) return 'self';
    return 404;
  }

  private serves(uri: SipUri): boolean {
    const host = bare(uri.host).toLowerCase();
    return this.upstreams.serves(host) || this.isOwnHost(host) || this.opts.domains.some((d) => d.toLowerCase() === host);
  }

  private isOwnHost(host: string): boolean {
    return this.ownAddresses.has(bare(host));
  }

  /** the proxy's address as seen from `address` (remembered as one of its own) */
  private advertise(address: string): string {
    const a = this.opts.localAddressToward(address);
    if (!this.ownAddresses.has(a) && this.ownAddresses.size < 64) this.ownAddresses.add(a);
    return a;
  }

  /** the top Route headers that name this proxy (loose routing: removed), the client flow and the upstream they carry */
  private ourRoutes(req: SipRequest): OwnRoutes {
    const headers: SipHeader[] = [];
    let flow: Flow | null = null;
    let upstream: Flow | null = null;
    for (const h of req.headers) {
      if (h.key !== 'route') continue;
      const entries = splitCommaList(h.value);
      const mine = entries.map((e) => this.ownRoute(e));
      // a line is ours only when all of its entries are (a mixed comma list is left to the next hop)
      if (mine.length === 0 || mine.some((x) => x === undefined)) break;
      headers.push(h);
      flow ??= mine.find((x) => x?.flow != null)?.flow ?? null;
      upstream ??= mine.find((x) => x?.upstream != null)?.upstream ?? null;
    }
    return { headers, flow, upstream };
  }

  /** undefined: not our route; else the client flow (vrflow) and upstream (vrup) it carries, each null when absent or unreadable */
  private ownRoute(entry: string): { flow: Flow | null; upstream: Flow | null } | undefined {
    const m = /<([^>]*)>/.exec(entry);
    const uri = parseUri(m === null ? entry.trim() : m[1]!);
    if (uri === null) return undefined;
    const token = uri.params[FLOW_PARAM];
    if (token === undefined) return undefined;
    const port = uri.port ?? 5060;
    if (port !== this.opts.port && port !== this.opts.tlsPort) return undefined;
    const up = uri.params[UPSTREAM_PARAM];
    return { flow: decodeFlow(token), upstream: up === undefined ? null : decodeFlow(up) };
  }

  /** one Record-Route, or two when the two sides see the proxy at different addresses (RFC 5658); both name the dialog's client flow and upstream */
  private recordRoutes(req: SipRequest, inbound: Flow, target: Flow, clientFlow: Flow, upstream: Flow): SipEdit[] {
    const token = `${encodeFlow(clientFlow)};${UPSTREAM_PARAM}=${encodeFlow(upstream)}`;
    const uri = (addr: string, t: Flow['transport']): string => `<sip:${hostText(addr)}:${this.portFor(t)};transport=${t};lr;${FLOW_PARAM}=${token}>`;
    const toward = this.advertise(target.address);
    const back = this.advertise(inbound.address);
    const values = toward === back && target.transport === inbound.transport ? [uri(toward, target.transport)] : [uri(toward, target.transport), uri(back, inbound.transport)];
    return [recordRoute(req, values.join(', '))];
  }

  private rememberContacts(req: SipRequest, flow: Flow): void {
    for (const c of req.contact) {
      this.remember(this.registrations, `${bare(c.uri.host)}:${c.uri.port ?? 5060}`, flow, MAX_REGISTRATIONS);
    }
  }

  // ---- responses

  private async onResponse(m: InboundSip, res: SipResponse): Promise<void> {
    this.counters.responses++;
    const top = res.via[0];
    if (top === undefined || !isOurBranch(top.branch)) {
      this.counters.stray++;
      return;
    }
    const method = res.cseq?.method ?? '';
    const tx = this.transactions.get(`${top.branch}|${method}`);
    if (tx?.own !== undefined) {
      // the answer to the proxy's own BYE/CANCEL: it ends here
      if (res.status >= 200) {
        this.transactions.delete(`${top.branch}|${method}`);
        tx.own(res.status, res);
      }
      return;
    }
    if (tx?.attempt !== undefined && tx.method === method && this.failover.onResponse(tx, tx.attempt, res, m.flow, top.branch!)) return;
    const to = tx?.inbound ?? this.nextViaFlow(res);
    if (to === null) {
      this.counters.stray++;
      return;
    }
    const edits = this.popTopVia(res);
    const call = this.callOfResponse(res, tx, to);
    const body = await this.anchorResponse(call, res, m, to);
    const out = spliceSip(m.bytes, res, edits, body === null ? {} : { body });
    if (tx !== undefined) {
      tx.lastResponse = out;
      tx.touchedMs = this.now();
    }
    this.counters.forwarded++;
    this.opts.send(to, out);
    this.afterResponse(call, res, method);
  }

  /** the leg a response belongs to: its transaction's, else (transaction gone) by the client flow it goes to */
  private callOfResponse(res: SipResponse, tx: Transaction | undefined, to: Flow): Call | undefined {
    if (tx?.callKey !== undefined) return this.calls.get(tx.callKey);
    const id = res.callId ?? '';
    const out = this.calls.get(`${id}\u0000out`);
    const inn = this.calls.get(`${id}\u0000in`);
    if (out !== undefined && inn !== undefined) return sameFlow(inn.clientFlow, to) ? inn : out;
    return out ?? inn;
  }

  /** the callee's side of the dialog, from the 2xx of the INVITE: its tag, Contact and the route set toward it */
  private noteAnswer(call: Call, res: SipResponse): void {
    const d = call.dialog;
    if (d === null || d.callee !== null || call.calleeFlow === null) return;
    const rr = res.headers.filter((h) => h.key === 'record-route').flatMap((h) => splitCommaList(h.value).map((e) => e.trim()));
    const ours = rr.findIndex((e) => this.ownRoute(e) !== undefined);
    // above the proxy's own entries are the proxies toward the callee; nearest to the proxy is the last of them
    const toward = (ours < 0 ? [] : rr.slice(0, ours)).reverse();
    d.callee = { flow: call.calleeFlow, nameAddr: res.headers.find((h) => h.key === 'to')?.value ?? '', contact: contactUri(res), routes: toward, cseq: 0 };
  }

  /** RFC 3261 16.7 step 3: the proxy's Via goes (also when the upstream folded the Vias into one line) */
  private popTopVia(res: SipResponse): SipEdit[] {
    const h = res.headers.find((x) => x.key === 'via')!;
    const entries = splitCommaList(h.value);
    if (entries.length <= 1) return [{ op: 'remove', header: h }];
    return [{ op: 'replace', header: h, line: headerWithValue(h, entries.slice(1).join(', ')) }];
  }

  /** RFC 3261 18.2.2 for a response whose transaction is gone: received/rport of the next Via, else its sent-by */
  private nextViaFlow(res: SipResponse): Flow | null {
    const v = res.via[1];
    if (v === undefined) return null;
    const address = v.received ?? bare(v.host);
    const port = typeof v.rport === 'number' ? v.rport : v.port ?? 5060;
    const transport = v.transport === 'TCP' ? 'tcp' : v.transport === 'TLS' ? 'tls' : 'udp';
    const flow: Flow = { transport, address, port };
    // only back to where we accept to send: a client we saw, or the upstream
    return this.clients.has(`${address}:${port}`) || this.isUpstream(flow) ? flow : null;
  }

  private afterResponse(call: Call | undefined, res: SipResponse, method: string): void {
    if (call === undefined) return;
    call.touchedMs = this.now();
    if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
      call.answered = true;
      this.noteAnswer(call, res);
    }
    if (method === 'INVITE' && res.status >= 300 && !call.answered) this.endCall(call.key);
  }

  // ---- media

  private async anchorRequest(req: SipRequest, m: InboundSip, fromUpstream: boolean, clientFlow: Flow, key: string, target: Flow): Promise<Buffer | null | 'no-ports'> {
    const callId = req.callId;
    if (callId === null) return null;
    let call = this.calls.get(key);
    if (call === undefined && req.method === 'INVITE' && req.to?.tag == null) {
      if (this.calls.size >= MAX_CALLS || this.refusing) return 'no-ports';
      call = {
        key, callId,
        media: new CallMedia(callId, this.opts.relay, this.now(), (s) => this.opts.onSession?.(s, key)),
        callerFromUpstream: fromUpstream, clientFlow, answered: false, touchedMs: this.now(), dialog: null, calleeFlow: null,
      };
      this.calls.set(key, call);
      this.counters.callsTotal++;
      this.counters.callsActive = this.calls.size;
    }
    if (call === undefined) return null;
    call.touchedMs = this.now();
    return this.anchor(call, req, m, fromUpstream, target);
  }

  private async anchorResponse(call: Call | undefined, res: SipResponse, m: InboundSip, to: Flow): Promise<Buffer | null> {
    if (call === undefined) return null;
    const r = await this.anchor(call, res, m, this.isUpstream(m.flow), to);
    return r === 'no-ports' ? null : r;
  }

  private async anchor(call: Call, msg: SipMessage, m: InboundSip, fromUpstream: boolean, toward: Flow): Promise<Buffer | null | 'no-ports'> {
    if (msg.body.length === 0 || !/^application\/sdp/i.test(msg.contentType ?? '')) return null;
    const parsed = parseSdpOnce(msg.body);
    if (!parsed.ok) return null;
    const from: Side = fromUpstream === call.callerFromUpstream ? 'a' : 'b';
    try {
      return await call.media.anchor(from, msg.body, parsed.sdp, this.advertise(toward.address));
    } catch (err) {
      if (err instanceof VoipreadyError && err.code === 'E_LISTEN') return 'no-ports';
      throw err;
    }
  }

  /**
   * The call leg is over. After a BYE its ports stay open lingerMs longer: the far side sends RTP
   * until the BYE reaches it, and those last packets are received (and measured) instead of
   * bouncing off a closed port as ICMP unreachable (rtpengine keeps a call after BYE for the same reason).
   */
  private endCall(callKey: string, lingerMs = 0): void {
    const c = this.calls.get(callKey);
    if (c === undefined) return;
    this.calls.delete(callKey);
    this.counters.callsActive = this.calls.size;
    if (lingerMs <= 0) {
      c.media.close();
      return;
    }
    const t = setTimeout(() => {
      this.lingering.delete(t);
      c.media.close();
    }, lingerMs);
    t.unref();
    this.lingering.set(t, c.media);
  }

  // ---- helpers

  /** the port the proxy is reached at over a transport */
  private portFor(t: Flow['transport']): number {
    return t === 'tls' && this.opts.tlsPort ? this.opts.tlsPort : this.opts.port;
  }

  /**
   * A configured upstream is its address and SIP port (PBXs and trunks send from the port they
   * listen on, RFC 3261 18.1.1 for UDP); anything else, even on the same host, is a client.
   */
  private isUpstream(f: Flow): boolean {
    return this.upstreams.byFlow(f) !== undefined;
  }

  /** a bounded map: the oldest entry goes when full */
  private remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
    map.delete(key);
    if (map.size >= max) {
      const oldest = map.keys().next().value!;
      // a forgotten transaction's attempt is given up with it (a flood must not leave timers behind)
      if (map === (this.transactions as Map<string, unknown>)) Failover.forget(this.transactions.get(oldest));
      map.delete(oldest);
    }
    map.set(key, value);
  }
}

function sameFlow(a: Flow, b: Flow): boolean {
  return a.transport === b.transport && a.address === b.address && a.port === b.port;
}

/** the first Contact's URI as written, or null */
function contactUri(m: SipMessage): string | null {
  return m.contact[0]?.uri.raw ?? null;
}

/** "[2001:db8::1]" -> "2001:db8::1" */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** an address as a URI host: IPv6 in brackets */
function hostText(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
