/**
 * Test helper: a capture's frames turned into the datagrams a live source would deliver (addresses,
 * ports, transport, time, DSCP, payload), decoded by the project's own frame decoder. Frames that are
 * not UDP/TCP with a payload give nothing.
 */
import { readCaptureFile } from '../../src/capture/file-source.js';
import { AddressTable } from '../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../src/decode/packet-info.js';
import type { Datagram } from '../../src/pipeline/datagram.js';

export function datagramsOf(file: string, opts: { dscp?: boolean; source?: string } = {}): Datagram[] {
  const addresses = new AddressTable();
  const frames = new FrameDecoder(addresses);
  const p = new PacketInfo();
  const out: Datagram[] = [];
  readCaptureFile(file, (rec) => {
    if (frames.decode(rec, p) !== 'ok') return;
    if (p.proto !== 17 && p.proto !== 6) return;
    if (p.proto === 6 && p.payloadEnd === p.payloadStart) return;
    out.push({
      src: addresses.format(p.srcAddr), srcPort: p.srcPort, dst: addresses.format(p.dstAddr), dstPort: p.dstPort,
      transport: p.proto === 17 ? 'udp' : p.srcPort === 5061 || p.dstPort === 5061 ? 'tls' : 'tcp',
      tsSec: p.tsSec, tsNsec: p.tsNsec, dscp: opts.dscp === false ? null : p.dscp,
      payload: Buffer.from(p.buf.subarray(p.payloadStart, p.payloadEnd)), source: opts.source ?? 'test',
    });
  });
  return out;
}
