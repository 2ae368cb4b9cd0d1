/**
 * DTMF (RFC 4733 telephone-event) often travels as its own SSRC on the voice stream's ports: the
 * same path, the same marking, the same call. A finding about such a DTMF stream that its voice
 * stream already has (DSCP not EF, a port outside the range) is the same cause: it is folded into the
 * voice stream's finding (named in its evidence) instead of listed once per DTMF stream.
 */
import type { Finding, StreamReport } from '../model/report.js';

type StreamIn = Pick<StreamReport, 'id' | 'src' | 'dst' | 'callId' | 'packets' | 'telephoneEventPackets' | 'codec'>;

function dtmfOnly(s: StreamIn): boolean {
  return s.packets > 0 && (s.telephoneEventPackets >= s.packets || /^telephone-event/i.test(s.codec));
}

export function foldDtmfFindings(findings: Finding[], streams: readonly StreamIn[]): Finding[] {
  const byId = new Map(streams.map((s) => [s.id, s]));
  // the voice stream of each (call, src, dst)
  const voice = new Map<string, string>();
  for (const s of streams) if (!dtmfOnly(s) && s.callId !== null) voice.set(`${s.callId} ${s.src} ${s.dst}`, s.id);
  const byStreamCode = new Map<string, Finding>();
  for (const f of findings) if (f.streamId !== undefined) byStreamCode.set(`${f.streamId} ${f.code}`, f);
  const out: Finding[] = [];
  for (const f of findings) {
    const s = f.streamId === undefined ? undefined : byId.get(f.streamId);
    const home = s === undefined || !dtmfOnly(s) || s.callId === null ? undefined : voice.get(`${s.callId} ${s.src} ${s.dst}`);
    const into = home === undefined ? undefined : byStreamCode.get(`${home} ${f.code}`);
    if (into === undefined) {
      out.push(f);
      continue;
    }
    into.evidence = [...(into.evidence ?? []), `also the DTMF stream ${f.streamId} on the same path (packet ${f.packet ?? '?'})`];
  }
  return out;
}
