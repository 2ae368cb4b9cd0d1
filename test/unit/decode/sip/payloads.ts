/**
 * Every UDP and TCP payload of the capture fixtures (fixtures/captures/ and, when present,
 * ../shared/pcaps/public/), through the real capture reader and frame decoder, copied out of the
 * reader's reused buffer. Feeds the differential tests of the SIP and SDP parsers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureFile } from '../../../../src/capture/file-source.js';
import { AddressTable } from '../../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../../src/decode/packet-info.js';

export interface CapturedPayload {
  file: string;
  num: number;
  transport: 'udp' | 'tcp';
  payload: Buffer;
}

export const CAPTURE_DIRS = ['fixtures/captures', '../shared/pcaps/public'];

export function captureFiles(): string[] {
  const files: string[] = [];
  for (const dir of CAPTURE_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (/\.pcap(ng)?$/.test(f)) files.push(join(dir, f));
  }
  return files;
}

/** non-empty UDP/TCP payloads of one capture (IP fragments are not rebuilt: their pieces come as they are) */
export function capturedPayloads(file: string): CapturedPayload[] {
  const out: CapturedPayload[] = [];
  const dec = new FrameDecoder(new AddressTable());
  const p = new PacketInfo();
  readCaptureFile(file, (rec) => {
    if (dec.decode(rec, p) !== 'ok' || (p.proto !== 17 && p.proto !== 6) || p.payloadEnd <= p.payloadStart) return;
    out.push({
      file, num: p.num, transport: p.proto === 17 ? 'udp' : 'tcp',
      payload: Buffer.from(p.buf.subarray(p.payloadStart, p.payloadEnd)),
    });
  });
  return out;
}
