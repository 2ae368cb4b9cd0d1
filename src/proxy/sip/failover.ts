/**
 * A client's new request and the upstreams tried for it, one after another (RFC 3261 16.6 / 16.7
 * with a failover list, RFC 3263 4.3's "try the next one"): the proxy is stateful for that client
 * transaction. Each attempt has its own branch (the first keeps the derived one, so a single
 * upstream sees exactly what it saw before; then `.1`, `.2`...), so every upstream sees a
 * transaction of its own and a late answer to an abandoned attempt is told apart.
 *
 * The next upstream is tried when the current one
 * - gives no answer within the timeout (Timer B for an INVITE: a provisional answer stops it, the
 *   call is ringing and the user agents' timers take over; Timer F otherwise: no final answer),
 * - cannot be reached (a TCP connection toward it failed), or
 * - answers 503 (the proxy ACKs it itself: the ACK of a non-2xx is hop by hop, RFC 3261 17.1.1.3).
 * When none is left the client gets the last 503 as received, or the proxy's own 408 (timeouts) or
 * 503 (unreachable); 487 when it cancelled meanwhile (no further upstream is tried after a CANCEL).
 * A timeout with nothing to fail over to (a single upstream, a domain's only one) only marks the
 * upstream down: the transaction stays open for the user agent's own timer and a late answer.
 *
 * The SIP side (sip-proxy.ts) builds and sends the messages through the FailoverHost; this file
 * only decides.
 */
import { parseSipMessage } from '../../decode/sip/parse.js';
import type { SipRequest, SipResponse } from '../../decode/sip/types.js';
import { ackOfFailure } from './own-requests.js';
import { replyTo } from './replies.js';
import type { Flow } from './transport.js';
import type { FailoverReason, UpstreamEntry, UpstreamSet } from './upstreams.js';

/** what one forward put on the wire (a retransmission from the client repeats it) */
export interface Sent {
  flow: Flow;
  bytes: Buffer;
}

/** what the failover needs of the request being forwarded (the SIP side keeps more) */
export interface AttemptRequest {
  req: SipRequest;
  /** the call leg an INVITE belongs to (its media is freed when no upstream takes it) */
  callKey: string;
}

export interface Attempt<O extends AttemptRequest> {
  out: O;
  list: UpstreamEntry[];
  tried: Set<UpstreamEntry>;
  current: UpstreamEntry;
  /** the attempt's number: 0 for the first */
  n: number;
  baseBranch: string;
  branch: string;
  sent: Sent | null;
  /** a response came for the current attempt */
  responded: boolean;
  final: boolean;
  /** the client sent CANCEL: no further upstream is tried */
  cancelled: boolean;
  timer: NodeJS.Timeout | null;
}

/** the client transaction as the SIP side keeps it */
export interface ClientTransaction<O extends AttemptRequest> {
  inbound: Flow;
  method: string;
  lastResponse: Buffer | null;
  touchedMs: number;
  attempt?: Attempt<O>;
}

export interface FailoverHost<O extends AttemptRequest> {
  readonly upstreams: UpstreamSet;
  readonly timeoutMs: number;
  now(): number;
  /** `out` toward `to` with `branch`, its Record-Route naming `to` as the dialog's upstream */
  forward(out: O, to: Flow, branch: string): Sent;
  /** responses to the attempt's branch must find the transaction: it is known under `key` too */
  alias(key: string, tx: ClientTransaction<O>): void;
  send(flow: Flow, bytes: Buffer): void;
  /** the INVITE's call leg is over (no upstream took it) */
  endCall(callKey: string): void;
  readonly counters: { failovers: number; upstreamsExhausted: number; stray: number };
}

export class Failover<O extends AttemptRequest> {
  constructor(private readonly host: FailoverHost<O>) {}

  /** the request goes to the first upstream of `list` that is up */
  start(tx: ClientTransaction<O>, out: O, list: UpstreamEntry[], branch: string): void {
    tx.attempt = {
      out, list, tried: new Set(), current: list[0]!, n: -1, baseBranch: branch, branch,
      sent: null, responded: false, final: false, cancelled: false, timer: null,
    };
    this.tryNext(tx, tx.attempt, null);
  }

  /**
   * An answer to one of the attempts (`branch`: its top Via's): true when it stops at the proxy (a
   * late answer to an abandoned attempt, or a 503 it fails over on); false: it goes on to the client.
   */
  onResponse(tx: ClientTransaction<O>, a: Attempt<O>, res: SipResponse, from: Flow, branch: string): boolean {
    const invite = tx.method === 'INVITE';
    if (branch !== a.branch) {
      this.host.counters.stray++;
      if (invite && res.status >= 300) this.ackFailure(a, res, from, branch);
      return true;
    }
    const set = this.host.upstreams;
    const now = this.host.now();
    if (res.status === 503) set.markDown(a.current, now, retryAfterMs(res));
    else set.answered(a.current, now);
    if (res.status === 503 && !a.final && !a.cancelled && set.next(a.list, a.tried, now) !== null) {
      if (invite) this.ackFailure(a, res, a.sent?.flow ?? from, branch);
      this.tryNext(tx, a, 'unavailable');
      return true;
    }
    a.responded = true;
    if (res.status >= 200 || invite) this.stopTimer(a);
    if (res.status >= 200) a.final = true;
    return false;
  }

  /** a TCP connection toward `u` failed: its attempts still waiting for a first answer go on to the next */
  unreachable(u: UpstreamEntry, transactions: Iterable<ClientTransaction<O>>): void {
    this.host.upstreams.markDown(u, this.host.now());
    const pending = new Set<ClientTransaction<O>>();
    for (const t of transactions) {
      const a = t.attempt;
      if (a !== undefined && a.current === u && !a.final && !a.responded) pending.add(t);
    }
    for (const t of pending) this.tryNext(t, t.attempt!, 'unreachable');
  }

  private tryNext(tx: ClientTransaction<O>, a: Attempt<O>, reason: FailoverReason | null): void {
    const set = this.host.upstreams;
    const now = this.host.now();
    this.stopTimer(a);
    if (reason !== null) set.markDown(a.current, now);
    const next = reason !== null && a.cancelled ? null : set.next(a.list, a.tried, now);
    if (next === null && reason === 'timeout' && a.n === 0 && !a.cancelled) {
      // nothing to fail over to (a single upstream): as without failover, the user agent's own
      // timer decides, and a late answer still reaches it
      return;
    }
    if (next === null) {
      this.exhausted(tx, a, reason);
      return;
    }
    if (reason !== null) {
      a.current.failovers[reason]++;
      this.host.counters.failovers++;
    }
    a.n++;
    a.current = next;
    a.tried.add(next);
    a.branch = a.n === 0 ? a.baseBranch : `${a.baseBranch}.${a.n}`;
    a.responded = false;
    if (a.n > 0) this.host.alias(`${a.branch}|${tx.method}`, tx);
    next.requests++;
    a.sent = this.host.forward(a.out, next.flow, a.branch);
    const n = a.n;
    a.timer = setTimeout(() => this.timedOut(tx, a, n), this.host.timeoutMs);
    a.timer.unref?.();
  }

  /** Timer B/F of attempt n */
  private timedOut(tx: ClientTransaction<O>, a: Attempt<O>, n: number): void {
    if (a.n !== n || a.final || (tx.method === 'INVITE' && a.responded)) return;
    a.timer = null;
    this.tryNext(tx, a, 'timeout');
  }

  /** no upstream left: 487 (the client cancelled), 408 (timeouts) or 503, as RFC 3261 16.7 step 6 picks */
  private exhausted(tx: ClientTransaction<O>, a: Attempt<O>, reason: FailoverReason | null): void {
    a.final = true;
    this.host.counters.upstreamsExhausted++;
    const req = a.out.req;
    const reply = a.cancelled && tx.method === 'INVITE'
      ? replyTo(req, 487, 'Request Terminated')
      : reason === 'timeout' ? replyTo(req, 408, 'Request Timeout') : replyTo(req, 503, 'Service Unavailable', ['Retry-After: 5']);
    tx.lastResponse = reply;
    tx.touchedMs = this.host.now();
    this.host.send(tx.inbound, reply);
    if (tx.method === 'INVITE') this.host.endCall(a.out.callKey);
  }

  private stopTimer(a: Attempt<O>): void {
    if (a.timer !== null) clearTimeout(a.timer);
    a.timer = null;
  }

  /** the ACK of a non-2xx final answer that stops at the proxy, built from the INVITE as that attempt sent it */
  private ackFailure(a: Attempt<O>, res: SipResponse, to: Flow, branch: string): void {
    if (a.sent === null) return;
    const r = parseSipMessage(a.sent.bytes, 0, a.sent.bytes.length, { stream: a.sent.flow.transport !== 'udp' });
    // a late answer to an earlier attempt: the INVITE sent then had that attempt's branch
    const invite = r.ok && r.message.kind === 'request' ? r.message : null;
    if (invite === null) return;
    const top = invite.via[0];
    if (top === undefined) return;
    this.host.send(to, ackOfFailure(invite, res, top.branch === branch ? undefined : branch));
  }

  /** a transaction the proxy forgets (too old, or evicted from a full table): its attempt ends, its timer with it */
  static forget(t: ClientTransaction<AttemptRequest> | undefined): void {
    const a = t?.attempt;
    if (a === undefined) return;
    if (a.timer !== null) clearTimeout(a.timer);
    a.timer = null;
    a.final = true;
  }

  /** every attempt's timer stops (the proxy closes) */
  static stop(transactions: Iterable<ClientTransaction<AttemptRequest>>): void {
    for (const t of transactions) if (t.attempt?.timer != null) clearTimeout(t.attempt.timer);
  }
}

/** a 503's Retry-After (RFC 3261 20.33: delta-seconds, maybe a comment after it), ms; 0 without one */
export function retryAfterMs(res: SipResponse): number {
  const v = res.headers.find((h) => h.key === 'retry-after')?.value;
  const m = v === undefined ? null : /^\s*(\d{1,7})/.exec(v);
  return m === null ? 0 : Number(m[1]) * 1000;
}
