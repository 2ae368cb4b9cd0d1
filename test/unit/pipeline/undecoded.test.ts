/**
 * What the analysis sees and does not analyse is named with its packet count, end to end through the
 * Analyzer: input.undecoded, the text report's sentence, the reason of a capture with nothing to
 * measure, and voipready_undecoded_packets_total. Frames are hand-built (test/unit/decode/link/frame-builders.ts).
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { greHeader } from '../../../src/encode/encapsulate.js';
import { createMetrics } from '../../../src/outputs/prometheus/metrics.js';
import { renderText } from '../../../src/outputs/text-report.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { eth, ipv4, record, tcp, udp } from '../decode/link/frame-builders.js';

function analyse(frames: Buffer[]) {
  const settings = loadSettings();
  const metrics = createMetrics({ settings });
  const a = new Analyzer({ file: 'hand-built', settings, fastPath: false, listeners: [metrics.listener] });
  metrics.attach(a.view);
  frames.forEach((f, i) => {
    const r = record(1, f, i + 1, f.length, 1_700_000_000 + Math.floor(i / 100));
    a.push(r);
  });
  const report = a.end({ file: 'hand-built', format: 'pcap', records: frames.length, bytes: 0, linkTypes: [1] });
  const undecoded = metrics.snapshot(a.view).find((f) => f.name === 'voipready_undecoded_packets_total');
  return { report, undecoded };
}

const esp = eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', 50, Buffer.alloc(60, 7)));

describe('undecoded traffic is named, never silently skipped', () => {
  it('1,240 ESP packets, ARP, OSPF, DNS, web, an unknown GRE payload and a lone fragment: each named with its count', () => {
    const frames = [
      ...Array.from({ length: 1240 }, () => esp),
      ...Array.from({ length: 3 }, () => eth(0x0806, Buffer.alloc(28))),
      ...Array.from({ length: 2 }, () => eth(0x0800, ipv4('10.0.0.1', '224.0.0.5', 89, Buffer.alloc(40)))),
      ...Array.from({ length: 5 }, (_, i) => eth(0x0800, ipv4('10.0.0.9', '10.0.0.53', 17, udp(40000 + i, 53, Buffer.from('dnsquery-bytes-here'))))),
      ...Array.from({ length: 4 }, () => eth(0x0800, ipv4('10.0.0.9', '10.0.0.80', 6, tcp(45000, 443, 1, 1, 0x18, Buffer.from('tls'))))),
      eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', 47, Buffer.concat([greHeader(0x880b), Buffer.alloc(20)]))),
      eth(0x0800, ipv4('10.0.0.9', '10.0.0.8', 17, Buffer.alloc(48), { more: true, id: 9 })),
    ];
    const { report, undecoded } = analyse(frames);
    expect(report.input.undecoded).toEqual([
      { what: 'IPsec ESP', packets: 1240, firstPacket: 1 },
      { what: 'UDP port 53 (DNS)', packets: 5, firstPacket: 1246 },
      { what: 'TCP port 443 (HTTPS)', packets: 4, firstPacket: 1251 },
      { what: 'ARP', packets: 3, firstPacket: 1241 },
      { what: 'OSPF', packets: 2, firstPacket: 1244 },
      { what: 'EtherType 0x880b inside a tunnel', packets: 1, firstPacket: 1255 },
      { what: 'IP fragments never reassembled', packets: 1, firstPacket: 0 },
    ]);
    expect(report.input.decodeErrors).toBe(0);
    const text = renderText(report, { color: false });
    expect(text).toContain('1,240 packets of IPsec ESP were not analysed [first: packet 1]');
    expect(text).toContain('Not analysed (1,256 of 1,256 packets)');
    expect(report.reason).toBe('no RTP stream in the capture: nothing to measure; the capture holds 1,240 packets of IPsec ESP, 5 of UDP port 53 (DNS), 4 of TCP port 443 (HTTPS) and 4 more kinds.');
    const by = (what: string) => undecoded?.values.find((v) => v.labels.what === what)?.value;
    expect([by('IPsec ESP'), by('UDP other'), by('TCP other'), by('ARP'), by('IP fragments never reassembled')]).toEqual([1240, 5, 4, 3, 1]);
  });

  it('a capture of plain RTP-less SIP lists nothing as undecoded for the SIP, and SIP over TCP is not "TCP port 5060"', () => {
    const options = Buffer.from('OPTIONS sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    const { report } = analyse([
      eth(0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, tcp(40000, 5060, 1, 1, 0x18, options))),
      eth(0x0800, ipv4('10.0.0.1', '10.0.0.2', 17, udp(5060, 5060, options))),
    ]);
    expect(report.input.undecoded).toEqual([]);
  });
});

describe('tunnel decode errors', () => {
  it('a GRE header cut short is a decode error naming the packet, the rule and the byte offset', () => {
    const bad = eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', 47, Buffer.from('30006558', 'hex')));
    const { report } = analyse([esp, bad]);
    expect(report.input.decodeErrors).toBe(1);
    const f = report.findings.find((x) => x.code === 'DECODE_ERRORS' || (x.evidence ?? []).some((e) => e.startsWith('packet 2:')));
    expect(f?.evidence).toContain('packet 2: frame ends inside the GRE header (TUNNEL_HEADER at byte 34 of the frame)');
  });
});
