/**
 * What each finding means and what to do about it, by finding code, in words for people who do
 * not read packet captures. A finding may carry its own `advice` (more specific, from the
 * analysis); this table is the general text shown with every group of findings of one code.
 */
export interface Advice {
  /** what it means for the calls */
  meaning: string;
  /** what to do about it */
  action: string;
}

const ADVICE: Record<string, Advice> = {
  ONE_WAY_DELAY_HIGH: {
    meaning: 'Between the two capture points, voice packets take longer than the one-way budget (p95 of the per-packet delays): callers talk over each other.',
    action: 'Find the slow hop between the taps (a long or satellite link, a VPN, a congested queue); give RTP priority (DSCP EF) there. Check the clocks of the two captures first: the figure is only as good as their synchronisation.',
  },
  LOSS_BETWEEN_POINTS: {
    meaning: 'Packets seen at the upstream capture point never reached the downstream one: they were lost on the segment between the two taps.',
    action: 'Look at the devices and links between the two capture points (interface errors, full queues, policers, a firewall dropping UDP); loss before the upstream point is a different segment.',
  },
  DSCP_REMARKED_BETWEEN_POINTS: {
    meaning: 'A device between the two capture points rewrites the DSCP of the voice packets, so later hops no longer prioritise them.',
    action: 'Find the router, switch or firewall between the taps that re-marks (trust/QoS policy, WAN edge, provider hand-off) and let it keep EF (46) for RTP.',
  },
  LOSS_HIGH: {
    meaning: 'Voice packets were lost on the way: callers hear gaps, clipped words or robotic sound.',
    action: 'Look for a congested or faulty link on the path (interface errors, full queues, Wi-Fi); give RTP priority (DSCP EF) end to end.',
  },
  JITTER_HIGH: {
    meaning: 'Packets arrive at uneven intervals; the phone\'s jitter buffer must grow (more delay) or drop late packets (gaps).',
    action: 'Prioritise voice (DSCP EF in a strict-priority queue) on every hop, and avoid shared congested links or Wi-Fi for phones.',
  },
  JITTER_SPIKE: {
    meaning: 'Jitter is fine on average but peaks above the limit at times: short bursts of uneven delivery, often when other traffic bursts.',
    action: 'Look at what else uses the link at the peak times (backups, updates) and give voice a priority queue.',
  },
  DSCP_RTP_NOT_EF: {
    meaning: 'Voice (RTP) is not marked DSCP EF, so the network treats it like any other traffic when links are busy.',
    action: 'Set DSCP EF (46) for RTP on the phones/PBX; if they already do, a switch or router on the path re-marks it: trust or restore the marking there.',
  },
  DSCP_SIP_NOT_CS3_AF31: {
    meaning: 'Signalling (SIP) is not marked CS3 or AF31, so call setup competes with bulk traffic.',
    action: 'Mark SIP with CS3 (24) or AF31 (26) on the phones/PBX and keep the marking trusted on the path.',
  },
  DSCP_CHANGED: {
    meaning: 'The DSCP marking of one stream changed during the call: a device on the path re-marks some packets.',
    action: 'Find the hop that rewrites DSCP (compare captures on both sides of a router or firewall) and make it keep the marking.',
  },
  TOTAL_DELAY_HIGH: {
    meaning: 'The mouth-to-ear delay (network + packetisation + codec look-ahead + jitter buffer) is long: people talk over each other and conversation feels stilted (ITU-T G.114: keep it below 150 ms).',
    action: 'Shorten the network path or its queues first (the network part is shown with the finding), then use smaller packets (ptime 20 ms) and a jitter buffer no larger than the jitter needs.',
  },
  MOS_LOW: {
    meaning: 'The estimated call quality (ITU-T G.107 E-model, MOS 1 to 4.5) is low: many users would be dissatisfied. It combines the codec, the packet loss and its burstiness, and the delay.',
    action: 'Fix what the evidence names: loss first (LOSS_HIGH), then delay; prefer G.711 with packet-loss concealment over low-bit-rate codecs on lossy links.',
  },
  PORT_OUT_OF_RANGE: {
    meaning: 'RTP uses ports outside the range the profile expects, so firewall rules or QoS classifiers keyed on that range miss it.',
    action: 'Align the RTP port range on the phones/PBX with the firewall and QoS rules (or adjust the profile if the range is intended).',
  },
  SIP_PORT_UNEXPECTED: {
    meaning: 'SIP runs on a port the profile does not expect; firewall or QoS rules for SIP may not apply.',
    action: 'Use the expected SIP port, or add the port actually used to the firewall and QoS rules.',
  },
  CALL_FAILED: {
    meaning: 'A call attempt did not succeed (rejected, cancelled or no final answer).',
    action: 'Check the SIP response code in the evidence: 4xx points at the endpoints or registration, 5xx/timeouts at the PBX, provider or firewall.',
  },
  CALL_SETUP_SLOW: {
    meaning: 'It took long from dialling until the call was answered or rang; users notice the delay.',
    action: 'Look at DNS, provider response times and retransmitted INVITEs (lost signalling) in the evidence.',
  },
  NO_RTP_FOR_CALL: {
    meaning: 'The call was set up but no voice packets were seen: nobody hears anything.',
    action: 'Typical for NAT or firewall problems: check that the RTP ports announced in SDP are open, and switch off SIP ALG.',
  },
  CAPTURE_CLOCKS_APART: {
    meaning: 'The capture\'s interfaces recorded at times far apart (captures from different days merged into one file, or an interface with a wrong clock): the first-to-last time of the file is no duration, and times across interfaces cannot be compared.',
    action: 'Analyse each capture on its own (editcap/tshark can split by interface), or fix the clock of the capturing host.',
  },
  CODEC_NOT_NEGOTIATED: {
    meaning: 'The voice flows with a codec (payload type) the SDP answer did not accept: the far end may play noise or nothing.',
    action: 'Compare the codec lists of the phones, the PBX and the provider trunk; look for a device that rewrites the SDP (SIP ALG, SBC) without transcoding.',
  },
  CALL_NO_BYE: {
    meaning: 'The call was answered and carried voice, but its BYE is not in the capture: it was still up when the capture stopped, or the BYE took another path.',
    action: 'Nothing to fix if the capture simply stopped first; otherwise capture where both directions of the signalling pass.',
  },
  RTP_DUPLICATES: {
    meaning: 'Some RTP packets are in the capture twice: the capture point sees them twice (SPAN of both directions, two mirrored ports) or the path duplicates them. Loss counts each packet once.',
    action: 'Check the mirror session (one source port or one direction per port); if the capture is clean, look for a looping or duplicating device on the path.',
  },
  RTP_SEQUENCE_RESET: {
    meaning: 'The sender restarted its RTP sequence numbers within the stream (an endpoint, media server or SBC restarting the stream). Loss is counted per run of sequence numbers.',
    action: 'Usually harmless (a transfer, a re-INVITE, an announcement); if calls drop audio at that moment, look at the device that restarts.',
  },
  ONE_WAY_AUDIO: {
    meaning: 'Voice flowed in one direction only: one side cannot hear the other.',
    action: 'Check NAT and firewall rules for the return direction, private addresses in SDP, and switch off SIP ALG on the firewall.',
  },
  LINK_UTILISATION_HIGH: {
    meaning: 'The link was close to full; voice suffers when queues build up.',
    action: 'Add bandwidth or shape other traffic, and make sure voice has a priority queue.',
  },
  DECODE_ERRORS: {
    meaning: 'Some packets could not be decoded (malformed or cut short); the figures are based on the rest.',
    action: 'Capture again with a full snap length (tcpdump -s 0) if many packets are affected.',
  },
  CAPTURE_TRUNCATED: {
    meaning: 'The capture file ends early or is damaged; everything before the damage was analysed.',
    action: 'Stop the capture cleanly before copying the file, and capture again if the missing part matters.',
  },
  CAPTURE_CORRUPT: {
    meaning: 'A record in the capture file announces an impossible length; reading stopped there and everything before it was analysed.',
    action: 'Copy the file again (it may be damaged in transfer) or capture again.',
  },
  CAPTURE_DROPPED: {
    meaning: 'The live capture dropped packets (kernel buffer or interface): some loss in the figures may be the capture\'s, not the network\'s.',
    action: 'Give the capture a bigger kernel buffer (--buffer-size), a narrower --filter, or a less loaded machine.',
  },
  CAPTURE_DROPPED_STREAM: {
    meaning: 'The live capture dropped packets while this stream was measured: part of its loss may be the capture\'s, not the network\'s.',
    action: 'Give the capture a bigger kernel buffer (--buffer-size), a narrower --filter, or a less loaded machine; check voipready_capture_dropped_packets_total.',
  },
  CAPTURE_UNREADABLE: {
    meaning: 'The input is not a pcap or pcapng capture, or it cannot be opened.',
    action: 'Check the path and save the capture as pcap or pcapng (Wireshark: File > Save As).',
  },
  SRTP_NO_PAYLOAD_CHECK: {
    meaning: 'Voice is encrypted (SRTP): loss, jitter and timing are measured, but the audio itself cannot be checked.',
    action: 'Nothing to fix; this is informational.',
  },
  RTCP_LOSS_REPORTED: {
    meaning: 'The far end reported packet loss in its RTCP reports: voice is lost after the capture point.',
    action: 'Capture closer to the receiving side to find the lossy segment, and check QoS on the remaining path.',
  },
  NAT_PRIVATE_ADDRESS_IN_SDP: {
    meaning: 'The SDP announces a private address to a public peer; media may not reach it (one-way or no audio).',
    action: 'Configure the phone/PBX with its public address (or STUN), or use a session border controller; switch off SIP ALG if it half-rewrites messages.',
  },
  SIP_ALG_REWRITE: {
    meaning: 'A SIP ALG on the path rewrites headers (Contact, Via, SDP): this often breaks registration and audio.',
    action: 'Switch the SIP ALG off on the firewall/router.',
  },
  NAT_PRIVATE_ADDRESS_IN_SIP: {
    meaning: 'SIP headers (Via, Contact) name a private address behind a public one: the phone is behind NAT and does not know it, so requests and replies to it get lost (calls drop after ~30 s, no incoming calls).',
    action: 'Make the phone/PBX NAT-aware (STUN, its public address, rport/keep-alives) or use an SBC or the provider\'s outbound proxy; do not rely on a SIP ALG to fix it.',
  },
  NAT_PUBLIC_ADDRESS_FROM_PRIVATE_SOURCE: {
    meaning: 'A device on a private network writes a public address into SIP/SDP: it is NAT-aware (STUN or a configured external address) or relays for someone else. Informational.',
    action: 'Nothing to do if that public address is the NAT\'s; otherwise correct the external address configured on the phone/PBX.',
  },
  SIP_CONTENT_LENGTH_MISMATCH: {
    meaning: 'The Content-Length header does not match the body: something rewrote the SDP without fixing the length (a classic SIP ALG bug); the receiver cuts the SDP short or rejects the message.',
    action: 'Switch the SIP ALG off on the firewall/router; if none is present, report it to the vendor of the sending phone/PBX.',
  },
  SIP_VIA_RECEIVED_MISMATCH: {
    meaning: 'A response goes to an address or port that its Via received=/rport do not name: a NAT or ALG on the path changed the header or the mapping, so responses may not reach the phone.',
    action: 'Switch the SIP ALG off and check that the NAT keeps the SIP mapping stable (long UDP timeouts, keep-alives).',
  },
  RTP_FROM_UNSIGNALLED_ADDRESS: {
    meaning: 'Voice arrives from an address no SDP of the call named: a NAT translated the media while the SDP kept the inside address; peers that do not learn the address from the media send their audio nowhere (one-way audio).',
    action: 'Make the endpoint NAT-aware (STUN, public address in SDP), enable symmetric RTP / "NAT=yes" on the PBX, or use an SBC; switch off SIP ALG if it half-rewrites.',
  },
  SDP_PORT_MISMATCH: {
    meaning: 'RTP uses a different port than the SDP announced: a NAT or ALG remapped the media port without updating the SDP (or the endpoint does not send from its receive port).',
    action: 'Check the NAT\'s port preservation for RTP and switch off SIP ALG; enable symmetric RTP on the PBX so it answers where the media comes from.',
  },
  EARLIER_NOT_LISTED: {
    meaning: 'A long run (a monitor, or a capture with very many calls) finalised older streams and calls as it went; the report lists the newest in full and counts the rest by verdict.',
    action: 'Look at voipready_findings_total and the dashboards for the earlier problems, or analyse the recorded capture of that time with voipready analyze.',
  },
  LISTENER_FAILED: {
    meaning: 'One of the outputs (metrics, files) failed during the analysis; the figures in this report are not affected.',
    action: 'See the message; report it to the voipready maintainers if it repeats.',
  },
};

const PROBE_ADVICE: Record<string, Advice> = {
  ONE_WAY_DELAY_HIGH: {
    meaning: 'The network alone takes longer than the limit to carry voice one way: with the phones\' own delay, callers talk over each other.',
    action: 'Find the slow hop (traceroute, the probe between intermediate sites); shorten the path, avoid VPN hairpins and satellite or congested links for voice.',
  },
  PROBE_LOSS_HIGH: {
    meaning: 'The probe\'s voice-shaped packets were lost in this direction: real calls would have gaps and robotic sound there.',
    action: 'Look for congestion or errors on the links of this direction (interface drops, full queues, policers); give DSCP EF a priority queue.',
  },
  PROBE_JITTER_HIGH: {
    meaning: 'The probe\'s packets arrive at uneven intervals in this direction: phones must buffer more (delay) or drop late packets.',
    action: 'Prioritise DSCP EF in a strict-priority queue on every hop of this direction; avoid shared congested links and Wi-Fi.',
  },
  PROBE_DSCP_REMARKED: {
    meaning: 'Packets sent with the voice marking arrived with another DSCP in this direction: a switch, router or provider re-marks it, so voice loses its priority there.',
    action: 'Find the hop that re-marks (probe shorter paths); trust or restore DSCP EF on it, or agree the marking with the provider.',
  },
  PROBE_NO_REPLY: {
    meaning: 'The probe got nothing back: no delay, loss or DSCP figures could be measured.',
    action: 'Start `voipready probe reflect` on the far end, open UDP 862 (or the port used) both ways, and use the same --auth-key on both ends.',
  },
  PROBE_CLOCKS_NOT_SYNCHRONISED: {
    meaning: 'The two ends\' clocks disagree, so one-way delays cannot be told apart; RTT/2 is shown instead.',
    action: 'Synchronise both hosts with NTP or PTP (chrony, systemd-timesyncd) for one-way figures.',
  },
  PROBE_DSCP_UNKNOWN: {
    meaning: 'The DSCP of the probe packets could not be read in at least one direction, so re-marking there is not known.',
    action: 'Build voipready\'s native socket addon (npm install with a C compiler, build-essential) on both ends.',
  },
};

Object.assign(ADVICE, PROBE_ADVICE);

const GENERIC: Advice = {
  meaning: 'The analysis noticed something unusual here; see the message and evidence.',
  action: 'Check the evidence packets in Wireshark; contact the supplier of the phone system if unsure.',
};

export function adviceFor(code: string): Advice {
  return ADVICE[code] ?? GENERIC;
}

export function hasAdvice(code: string): boolean {
  return Object.hasOwn(ADVICE, code);
}
