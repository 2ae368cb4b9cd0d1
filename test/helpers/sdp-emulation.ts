/**
 * Test-only stand-in for the call tracker: pulls c=/m=/rtpmap/rtcp/rtcp-mux/crypto out of SDP bodies of
 * SIP messages with a few regexes, giving MediaRegistry registrations. Not the real SDP parser.
 */
import type { MediaRegistration, PayloadInfo } from '../../src/track/media-registry.js';

export function sdpRegistrations(
  text: string,
  frame: number,
  keyOfText: (addr: string) => number,
): MediaRegistration[] {
  const bodyAt = text.indexOf('\r\n\r\nv=0');
  if (bodyAt < 0 || !/^(SIP\/2\.0|[A-Z]+ sip)/.test(text)) return [];
  const callId = /\r\n(?:Call-ID|i):\s*(\S+)/i.exec(text)?.[1] ?? null;
  const body = text.slice(bodyAt + 4);
  const sessionC = /^c=IN IP[46] (\S+)/m.exec(body.split(/^m=/m)[0] ?? '')?.[1];
  const out: MediaRegistration[] = [];
  for (const section of body.split(/^(?=m=)/m).slice(1)) {
    const m = /^m=\w+ (\d+) (\S+) ([\d ]+)/.exec(section);
    if (!m) continue;
    const addr = /^c=IN IP[46] (\S+)/m.exec(section)?.[1] ?? sessionC;
    if (!addr) continue;
    const port = Number(m[1]);
    const payloads = new Map<number, PayloadInfo>();
    for (const r of section.matchAll(/^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)/gm)) {
      payloads.set(Number(r[1]), { codec: r[2]!, clockRate: Number(r[3]) });
    }
    const rtcp = /^a=rtcp:(\d+)/m.exec(section);
    out.push({
      addrKey: keyOfText(addr),
      port,
      rtcpPort: rtcp ? Number(rtcp[1]) : port + 1,
      rtcpMux: /^a=rtcp-mux/m.test(section),
      fromFrame: frame,
      payloads,
      callId,
      srtp: /SAVP/.test(m[2]!) || /^a=crypto:/m.test(section),
    });
  }
  return out;
}
