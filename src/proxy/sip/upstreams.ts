/**
 * The proxy's next hops (`--upstream`, repeatable) and which one a new request goes to. Pure: the
 * time comes in as an argument, so the choosing is tested on a fake clock.
 *
 * Two ways to configure them, mixable:
 * - by domain: `pbx-a.example=10.0.0.5:5060`: a request whose Request-URI host (else its To host) is
 *   pbx-a.example goes to that upstream; several upstreams for one domain are that domain's failover
 *   list, in the order given.
 * - plain: `10.0.0.5:5060`: the upstreams without a domain are the failover list for every other
 *   served request (RFC 3263 4.3 / RFC 3261 16.6 style: in order, the first that is up).
 *
 * An upstream that timed out, was unreachable or answered 503 is marked down for the hold-down time
 * and skipped while another in its list is up. With probing (OPTIONS keepalive, sip-proxy.ts) it
 * comes back only when a probe is answered after the hold-down; without probing, when the hold-down
 * has passed. When every upstream of a list is down the request still goes to them in order (one of
 * them may be back): refusing without trying would turn a short outage into a longer one.
 */
import type { Flow } from './transport.js';

export interface Upstream {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** the resolved address packets go to */
  address: string;
  /** the SIP domain routed to it (`domain=host:port`); null or absent: a plain upstream (failover list) */
  domain?: string | null;
}

/** why a request left an upstream for the next: Timer B/F expired, TCP connect failed, 503 */
export type FailoverReason = 'timeout' | 'unreachable' | 'unavailable';
export const FAILOVER_REASONS: readonly FailoverReason[] = ['timeout', 'unreachable', 'unavailable'];

export interface UpstreamPolicy {
  /** how long an upstream that failed is skipped */
  holdDownMs: number;
  /** whether OPTIONS probes decide when it is back (else the end of the hold-down does) */
  probing: boolean;
}

/** one configured upstream and what happened to it */
export class UpstreamEntry {
  up = true;
  /** until when it stays down at least */
  downUntilMs = 0;
  /** requests sent to it (every attempt, retransmissions not counted) */
  requests = 0;
  /** requests moved from it to the next upstream, by reason */
  readonly failovers: Record<FailoverReason, number> = { timeout: 0, unreachable: 0, unavailable: 0 };
  probesSent = 0;
  probesAnswered = 0;

  constructor(readonly config: Upstream, readonly index: number) {}

  get flow(): Flow {
    return { transport: this.config.transport, address: this.config.address, port: this.config.port };
  }

  /** "host:port" as configured: the metric label and the report's name for it */
  get label(): string {
    const h = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    return `${h}:${this.config.port}`;
  }

  get domain(): string | null {
    return this.config.domain ?? null;
  }
}

const MAX_RETRY_AFTER_MS = 3600_000;

/** at most this many upstreams: they are metric label values, which must stay a small closed set */
export const MAX_UPSTREAMS = 16;

export class UpstreamSet {
  readonly all: readonly UpstreamEntry[];

  constructor(configs: readonly Upstream[], private readonly policy: UpstreamPolicy) {
    if (configs.length === 0) throw new RangeError('at least one upstream');
    if (configs.length > MAX_UPSTREAMS) throw new RangeError(`at most ${MAX_UPSTREAMS} upstreams`);
    this.all = configs.map((c, i) => new UpstreamEntry(c, i));
  }

  /**
   * The failover list for a request: the upstreams of the domain its Request-URI host names (an
   * upstream's own host or address counts as its domain), else of its To host, else the plain ones.
   * An empty list: no upstream takes it (only domain-mapped upstreams, and none matched).
   */
  listFor(requestUriHost: string, toHost: string | null): UpstreamEntry[] {
    for (const host of [requestUriHost, toHost]) {
      if (host === null) continue;
      const list = this.listOfHost(host);
      if (list !== null) return list;
    }
    return this.all.filter((u) => u.domain === null);
  }

  /** the list whose domain (or an upstream's host or address) is `host`, or null */
  private listOfHost(host: string): UpstreamEntry[] | null {
    const h = bare(host).toLowerCase();
    const byDomain = this.all.filter((u) => u.domain !== null && u.domain.toLowerCase() === h);
    if (byDomain.length > 0) return byDomain;
    const named = this.all.find((u) => u.config.host.toLowerCase() === h || u.config.address === h);
    if (named === undefined) return null;
    return this.all.filter((u) => u.domain === named.domain);
  }

  /** whether `host` is one the upstreams serve (a domain, an upstream's host or address) */
  serves(host: string): boolean {
    return this.listOfHost(host) !== null;
  }

  /** the next upstream of `list` to try: the first up one not tried yet, else the first not tried; null when all were */
  next(list: readonly UpstreamEntry[], tried: ReadonlySet<UpstreamEntry>, nowMs: number): UpstreamEntry | null {
    const left = list.filter((u) => !tried.has(u));
    return left.find((u) => this.isUp(u, nowMs)) ?? left[0] ?? null;
  }

  isUp(u: UpstreamEntry, nowMs: number): boolean {
    if (!u.up && !this.policy.probing && nowMs >= u.downUntilMs) u.up = true;
    return u.up;
  }

  /**
   * It failed (timeout, unreachable, 503, a probe unanswered): down until the hold-down has passed,
   * or longer when its 503 asked for longer (Retry-After, RFC 3261 21.5.4; capped at an hour).
   */
  markDown(u: UpstreamEntry, nowMs: number, retryAfterMs = 0): void {
    u.up = false;
    u.downUntilMs = Math.max(u.downUntilMs, nowMs + Math.max(this.policy.holdDownMs, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
  }

  /** it answered (a probe, or a request sent while all were down): up again once the hold-down is over */
  answered(u: UpstreamEntry, nowMs: number): void {
    if (!u.up && nowMs >= u.downUntilMs) u.up = true;
  }

  /** the configured upstream a message came from (its address and SIP port), if any */
  byFlow(f: { address: string; port: number }): UpstreamEntry | undefined {
    return this.all.find((u) => u.config.address === f.address && u.config.port === f.port);
  }
}

/** "[2001:db8::1]" -> "2001:db8::1" */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
