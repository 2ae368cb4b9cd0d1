/**
 * Non-VoIP traffic: DNS queries over UDP and an HTTP request stream over TCP, alternating, so a
 * capture without calls still has plenty of UDP and TCP to (not) recognise as RTP or SIP.
 */
import type { IpSpec } from './frames.js';
import { TCP_ACK, TCP_PSH, parseAddress, tcpFrame, udpFrame } from './frames.js';
import type { Emit, GenContext, Source } from './source.js';
import { msToNs, quantize } from './source.js';

/** a DNS query for example.com, type A (RFC 1035 section 4.1) */
function dnsQuery(id: number): Buffer {
  const q = Buffer.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 1, 0, 1]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id & 0xffff, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  return Buffer.concat([h, q]);
}

const HTTP = Buffer.from('GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: synth\r\n\r\n');

export class BackgroundSource implements Source {
  nextNs: number;
  private k = 0;
  private tcpSeq = 1;
  private readonly client: Uint8Array;
  private readonly dns: Uint8Array;
  private readonly web: Uint8Array;

  constructor(private readonly ctx: GenContext) {
    const v6 = ctx.scenario.ipVersion === 6;
    this.client = parseAddress(v6 ? '2001:db8:9::1' : '10.9.0.1');
    this.dns = parseAddress(v6 ? '2001:db8:9::53' : '10.9.0.53');
    this.web = parseAddress(v6 ? '2001:db8:9::80' : '10.9.0.80');
    this.nextNs = ctx.scenario.background.packets > 0 ? this.timeOf(0) : Infinity;
  }

  private timeOf(k: number): number {
    return quantize(this.ctx, msToNs(50 + k * this.ctx.scenario.background.intervalMs));
  }

  step(emit: Emit): void {
    const k = this.k++;
    const ns = this.nextNs;
    this.nextNs = this.k < this.ctx.scenario.background.packets ? this.timeOf(this.k) : Infinity;
    const ip = (dst: Uint8Array): IpSpec => ({
      version: this.ctx.scenario.ipVersion, src: this.client, dst, dscp: 0, ttl: 64, id: this.ctx.nextIpId(),
    });
    if (k % 2 === 0) {
      emit(ns, udpFrame(this.ctx.link, ip(this.dns), 53000 + (k % 1000), 53, dnsQuery(k), true));
      return;
    }
    emit(ns, tcpFrame(this.ctx.link, ip(this.web), 45000, 80, this.tcpSeq, 1, TCP_ACK | TCP_PSH, HTTP));
    this.tcpSeq += HTTP.length;
  }
}
