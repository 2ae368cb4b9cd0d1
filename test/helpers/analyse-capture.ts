/**
 * Test-only composition: mini walker + SDP emulation + MediaRegistry + StreamTable over one capture.
 */
import { PacketInfo } from '../../src/decode/packet-info.js';
import { RtpHeader } from '../../src/decode/rtp.js';
import { decodeRtcpCompound } from '../../src/decode/rtcp/compound.js';
import { MEDIA_RTCP, MEDIA_RTP, MediaRegistry, type MediaRegistryOptions } from '../../src/track/media-registry.js';
import { StreamTable } from '../../src/track/streams.js';
import { MiniAddresses, decodeUdp, readFrames } from './mini-walk.js';
import { sdpRegistrations } from './sdp-emulation.js';

export interface CaptureAnalysis {
  table: StreamTable;
  registry: MediaRegistry;
  sdpSeen: boolean;
  rtcpPackets: number;
}

export function analyseCapture(file: string, opts: MediaRegistryOptions = {}): CaptureAnalysis {
  const addrs = new MiniAddresses();
  const p = new PacketInfo();
  const hdr = new RtpHeader();
  const registry = new MediaRegistry(opts, new PacketInfo());
  const table = new StreamTable({ addresses: addrs, rtpDscp: [46] });
  let first = true;
  let sdpSeen = false;
  let rtcpPackets = 0;
  for (const fr of readFrames(file)) {
    if (first) {
      table.setTimeOrigin(fr.tsSec, fr.tsNsec);
      first = false;
    }
    const udp = decodeUdp(fr, p, addrs);
    if (p.proto === 6 || p.proto === 17) {
      const len = p.payloadEnd - p.payloadStart;
      if (len > 20 && p.buf[p.payloadStart]! >= 0x41 && p.buf[p.payloadStart]! <= 0x5a) {
        const text = p.buf.toString('latin1', p.payloadStart, p.payloadEnd);
        for (const reg of sdpRegistrations(text, p.num, (a) => addrs.keyOfText(a))) {
          registry.register(reg);
          sdpSeen = true;
        }
      }
    }
    if (!udp) continue;
    const kind = registry.classify(p, hdr);
    if (kind === MEDIA_RTP) {
      registry.drainReplay((rp, rh, ctx) => table.pushRtp(rp, rh, ctx));
      table.pushRtp(p, hdr, registry.ctx);
    } else if (kind === MEDIA_RTCP) {
      const c = decodeRtcpCompound(p.buf, p.payloadStart, p.payloadEnd);
      if (c.ok) {
        rtcpPackets++;
        table.pushRtcp(p, c.packets);
      }
    }
  }
  table.flush();
  return { table, registry, sdpSeen, rtcpPackets };
}
