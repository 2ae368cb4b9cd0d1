/**
 * The OPTIONS keepalive toward every upstream (`--upstream-probe`), as Kamailio's dispatcher and
 * OpenSIPS's load balancer ping their destinations: any answer but 503 shows that the upstream
 * processes SIP, and brings a failed one back once its hold-down is over; a 503 or no answer within
 * the timeout marks it down. The probe is the proxy's own transaction: its answer ends at the proxy.
 */
import { randomBytes } from 'node:crypto';
import type { SipResponse } from '../../decode/sip/types.js';
import { BRANCH_PREFIX } from './branch.js';
import { retryAfterMs } from './failover.js';
import { optionsProbe } from './own-requests.js';
import type { Flow } from './transport.js';
import type { UpstreamEntry, UpstreamSet } from './upstreams.js';

export interface ProbeHost {
  readonly upstreams: UpstreamSet;
  /** how long a probe may go unanswered */
  readonly timeoutMs: number;
  now(): number;
  /** the proxy's own transaction `key` toward `to`: `answered` gets its final answer */
  own(key: string, to: Flow, answered: (status: number, res: SipResponse) => void): void;
  /** that transaction is given up */
  forget(key: string): void;
  /** the proxy's Via value toward `to` with `branch` */
  via(to: Flow, branch: string): string;
  /** the proxy's address toward `to`, as a URI host */
  self(to: Flow): string;
  send(flow: Flow, bytes: Buffer): void;
}

export class UpstreamProbes {
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;

  constructor(private readonly host: ProbeHost) {}

  /** one probe to every upstream each intervalMs */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.probeAll(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  probeAll(): void {
    for (const u of this.host.upstreams.all) this.probe(u);
  }

  private probe(u: UpstreamEntry): void {
    const h = this.host;
    const branch = BRANCH_PREFIX + randomBytes(10).toString('hex');
    const key = `${branch}|OPTIONS`;
    const flow = u.flow;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      h.forget(key);
      h.upstreams.markDown(u, h.now());
    }, h.timeoutMs);
    timer.unref?.();
    h.own(key, flow, (status, res) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      u.probesAnswered++;
      if (status === 503) h.upstreams.markDown(u, h.now(), retryAfterMs(res));
      else h.upstreams.answered(u, h.now());
    });
    u.probesSent++;
    const target = `${flow.address.includes(':') ? `[${flow.address}]` : flow.address}:${flow.port}`;
    h.send(flow, optionsProbe({
      target, transport: u.config.transport, via: h.via(flow, branch), self: h.self(flow),
      callId: `${randomBytes(8).toString('hex')}@voipready`, tag: randomBytes(4).toString('hex'), cseq: ++this.seq,
    }));
  }
}
