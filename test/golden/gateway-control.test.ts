/**
 * RTP set up by MGCP (RFC 3435) and MEGACO/H.248 text instead of SIP: crafted captures (CRCX/MDCX and
 * their answers with SDP; an H.248 Add with Local and Remote descriptors) and RTP on ports no
 * heuristic rule would pick. tshark is the reference for the streams (for MGCP without its RTP
 * heuristic: it learns the RTP from MGCP's SDP too; for MEGACO it does not, so with the heuristic);
 * ours are tied to the connection (the MGCP call id, the H.248 context) and found from the SDP, not by
 * the heuristic. The parsers are held to the same messages at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMegaco } from '../../src/decode/megaco.js';
import { parseMgcp } from '../../src/decode/mgcp.js';
import { analyzeJson } from '../helpers/cli.js';
import { pcapFile, rtpPacket, type UdpFrame } from '../helpers/pcap-writer.js';
import { compareStreams } from '../helpers/reference.js';
import { hasTshark, tsharkView } from '../unit/synth/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-gateway-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CA = '10.0.0.1';
const GW = '10.0.0.2';
const FAR = '10.0.0.9';
const sdp = (addr: string, port: number) => `v=0\r\no=- 1 1 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
const text = (s: string) => Buffer.from(s, 'latin1');

/** RTP both ways between GW:5004 and FAR:7078, 50 packets each, from t; 2 lost GW -> FAR */
function media(t: number): UdpFrame[] {
  const out: UdpFrame[] = [];
  for (let i = 0; i < 50; i++) {
    if (i !== 20 && i !== 21) out.push({ time: t + i * 0.02, src: GW, dst: FAR, sport: 5004, dport: 7078, dscp: 46, payload: rtpPacket({ seq: 100 + i, ts: i * 160, ssrc: 0x1111, pt: 0 }) });
    out.push({ time: t + i * 0.02 + 0.003, src: FAR, dst: GW, sport: 7078, dport: 5004, dscp: 46, payload: rtpPacket({ seq: 900 + i, ts: i * 160, ssrc: 0x2222, pt: 0 }) });
  }
  return out;
}

function write(name: string, frames: UdpFrame[]): string {
  const path = join(dir, name);
  writeFileSync(path, pcapFile(frames.sort((a, b) => a.time - b.time)));
  return path;
}

describe('MGCP and MEGACO set up RTP: tied to the connection, equal to tshark', () => {
  it('MGCP: CRCX answered with the gateway\'s SDP, MDCX with the far end\'s: both streams from the SDP', () => {
    const path = write('mgcp.pcap', [
      { time: 100, src: CA, dst: GW, sport: 2727, dport: 2427, payload: text('CRCX 1204 aaln/1@gw.example.net MGCP 1.0\r\nC: A3C47F21456789F0\r\nL: p:20, a:PCMU\r\nM: recvonly\r\n') },
      { time: 100.01, src: GW, dst: CA, sport: 2427, dport: 2727, payload: text(`200 1204 OK\r\nI: FDE234C8\r\n\r\n${sdp(GW, 5004)}`) },
      { time: 100.5, src: CA, dst: GW, sport: 2727, dport: 2427, payload: text(`MDCX 1210 aaln/1@gw.example.net MGCP 1.0\r\nC: A3C47F21456789F0\r\nI: FDE234C8\r\nM: sendrecv\r\n\r\n${sdp(FAR, 7078)}`) },
      { time: 100.51, src: GW, dst: CA, sport: 2427, dport: 2727, payload: text('200 1210 OK\r\n') },
      ...media(101),
    ]);
    const { report } = analyzeJson(path);
    expect(report.streams).toHaveLength(2);
    for (const s of report.streams) {
      expect(s.detection).toBe('sdp');
      expect(s.callId).toBe('MGCP A3C47F21456789F0');
      expect(s.codec).toBe('g711U');
    }
    // the MGCP datagrams are analysed, not "not analysed"
    expect((report.input.undecoded ?? []).map((u: any) => u.what).join()).not.toMatch(/MGCP/);
    expect(report.streams.map((s: any) => s.lostCounted).sort()).toEqual([0, 2]);
    if (!hasTshark) return;
    const ref = tsharkView(path).streams;
    expect(ref).toHaveLength(2);
    expect(compareStreams(report.streams, ref.map((r) => ({ ...r, dscp: undefined })))).toEqual([]);
  });

  it('MGCP: after DLCX the connection\'s endpoints are forgotten: later RTP there is found by the heuristic', () => {
    const path = write('mgcp-dlcx.pcap', [
      { time: 100, src: CA, dst: GW, sport: 2727, dport: 2427, payload: text(`CRCX 1 aaln/1@gw MGCP 1.0\r\nC: C1\r\n\r\n${sdp(FAR, 7078)}`) },
      { time: 100.01, src: GW, dst: CA, sport: 2427, dport: 2727, payload: text(`200 1 OK\r\n\r\n${sdp(GW, 5004)}`) },
      { time: 100.5, src: CA, dst: GW, sport: 2727, dport: 2427, payload: text('DLCX 2 aaln/1@gw MGCP 1.0\r\nC: C1\r\n') },
      ...media(101),
    ]);
    const { report } = analyzeJson(path);
    expect(report.streams.map((s: any) => [s.detection, s.callId])).toEqual([['heuristic', null], ['heuristic', null]]);
  });

  it('MEGACO text: an Add with Local and Remote SDP descriptors ties the RTP to the context', () => {
    const indent = (s: string) => s.split('\r\n').filter((l) => l !== '').map((l) => `        ${l}`).join('\r\n');
    const reply = [
      `MEGACO/1 [${GW}]:2944`, 'Reply = 7 {', '  Context = 4711 {', '    Add = RTP/1 {', '      Media { Stream = 1 {',
      '        Local {', indent(sdp(GW, 5004)), '        }', '        Remote {', indent(sdp(FAR, 7078)), '        }', '      } }', '    }', '  }', '}', '',
    ].join('\r\n');
    const path = write('megaco.pcap', [
      { time: 100, src: CA, dst: GW, sport: 2944, dport: 2944, payload: text(`MEGACO/1 [${CA}]:2944\r\nTransaction = 7 {\r\n  Context = $ {\r\n    Add = $ { Media { Stream = 1 { LocalControl { Mode = SendReceive } } } }\r\n  }\r\n}\r\n`) },
      { time: 100.02, src: GW, dst: CA, sport: 2944, dport: 2944, payload: text(reply) },
      ...media(101),
    ]);
    const { report } = analyzeJson(path);
    expect(report.streams).toHaveLength(2);
    for (const s of report.streams) {
      expect(s.detection).toBe('sdp');
      expect(s.callId).toBe('MEGACO context 4711');
    }
    if (!hasTshark) return;
    // tshark 4.0 dissects the descriptors' SDP but sets up no RTP conversation from them: without its
    // heuristic it sees plain UDP; with it, the same two streams, whose figures ours equal
    expect(tsharkView(path).streams).toHaveLength(0);
    const ref = tsharkView(path, true).streams;
    expect(ref).toHaveLength(2);
    expect(compareStreams(report.streams, ref.map((r) => ({ ...r, dscp: undefined })))).toEqual([]);
  });
});

describe('the parsers', () => {
  it('MGCP: command with call id and SDP, answer with its SDP, piggybacked messages, not MGCP', () => {
    const cmd = text(`MDCX 1210 aaln/1@gw MGCP 1.0\r\nC: A3C4\r\n\r\n${sdp(FAR, 7078)}`);
    const [m] = parseMgcp(cmd, 0, cmd.length)!;
    expect(m).toMatchObject({ kind: 'command', verb: 'MDCX', txId: '1210', endpoint: 'aaln/1@gw', callId: 'A3C4' });
    expect(m!.sdp?.toString('latin1').startsWith('v=0')).toBe(true);
    const two = text('200 1 OK\r\n.\r\n250 2 OK\r\n');
    expect(parseMgcp(two, 0, two.length)!.map((x) => x.kind === 'response' && x.code)).toEqual([200, 250]);
    const sip = text('INVITE sip:a@b SIP/2.0\r\n\r\n');
    expect(parseMgcp(sip, 0, sip.length)).toBeNull();
  });

  it('MEGACO: descriptors by context, short tokens, SDP lines without the indentation', () => {
    const m = text('!/1 [1.2.3.4]:2944\nP=3{C=12{A=a1{M{L{\n  v=0\n  c=IN IP4 1.2.3.4\n  m=audio 4000 RTP/AVP 0\n}}}}}\n');
    const r = parseMegaco(m, 0, m.length)!;
    expect(r).toMatchObject({ kind: 'reply', txId: '3' });
    expect(r.descriptors.map((d) => [d.context, d.local])).toEqual([['12', true]]);
    expect(r.descriptors[0]!.sdp.toString('latin1')).toBe('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n');
    const sip = text('SIP/2.0 200 OK\r\n');
    expect(parseMegaco(sip, 0, sip.length)).toBeNull();
  });
});

describe('gateway parsers never throw on arbitrary or mutated bytes', () => {
  const real = [
    text(`MDCX 1210 aaln/1@gw MGCP 1.0\r\nC: A3C4\r\n\r\n${sdp(FAR, 7078)}.\r\n200 1 OK\r\n`),
    text(`MEGACO/1 [${GW}]:2944\nReply = 7 { Context = 4711 { Add = RTP/1 { Media { Stream = 1 { Local {\n v=0\n c=IN IP4 ${GW}\n m=audio 5004 RTP/AVP 0\n } } } } } }\n`),
    text('MEGACO/1 [1.2.3.4]:2944\nTransaction = 9 { Context = 12 { Subtract = RTP/1 } }\n'),
  ];
  it('random bytes, and real messages with bytes changed or cut', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(2), fc.array(fc.tuple(fc.nat(1000), fc.nat(255)), { maxLength: 8 }), fc.nat(1000), (junk, which, edits, cut) => {
      const b = Buffer.from(real[which]!);
      for (const [at, v] of edits) b[at % b.length] = v;
      const end = Math.min(b.length, cut % (b.length + 1));
      for (const [buf, e] of [[Buffer.from(junk), junk.length], [b, end]] as const) {
        const m = parseMgcp(buf, 0, e);
        const h = parseMegaco(buf, 0, e);
        for (const x of m ?? []) if (x.sdp !== null) expect(x.sdp.byteOffset + x.sdp.length).toBeLessThanOrEqual(buf.byteOffset + e);
        if (h !== null) expect(Array.isArray(h.descriptors)).toBe(true);
      }
    }), { numRuns: 400 });
  });
  it('a Subtract names the context it ends', () => {
    expect(parseMegaco(real[2]!, 0, real[2]!.length)?.subtracted).toEqual(['12']);
  });
});
