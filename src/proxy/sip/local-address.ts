/**
 * The proxy's own address as a peer sees it: the address of the interface the kernel routes toward
 * that peer (a UDP socket "connected" to it reports it; nothing is sent). An inline proxy usually
 * has two: the phones' LAN side and the PBX's side, and each SDP, Via and Record-Route must name
 * the one its receiver can reach. `--advertise` overrides it (a proxy behind static NAT).
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export class LocalAddresses {
  private readonly known = new Map<string, string>();

  constructor(private readonly fixed: string | null, private readonly fallback: string) {}

  /** the address toward `peer` (learn() it first; until then the fallback) */
  toward(peer: string): string {
    return this.fixed ?? this.known.get(peer) ?? this.fallback;
  }

  async learn(peer: string): Promise<void> {
    if (this.fixed !== null || this.known.has(peer)) return;
    const family = isIP(peer);
    if (family === 0) return;
    const addr = await new Promise<string | null>((resolve) => {
      const s = createSocket(family === 6 ? 'udp6' : 'udp4');
      s.on('error', () => {
        s.close();
        resolve(null);
      });
      s.connect(9, peer, () => {
        const a = s.address().address;
        s.close();
        resolve(a);
      });
    });
    if (this.known.size > 4096) this.known.clear();
    this.known.set(peer, addr ?? this.fallback);
  }
}
