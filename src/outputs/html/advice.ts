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
  EARLIER_NOT_LISTED: {
    meaning: 'A long run (a monitor, or a capture with very many calls) finalised older streams and calls as it went; the report lists the newest in full and counts the rest by verdict.',
    action: 'Look at voipready_findings_total and the dashboards for the earlier problems, or analyse the recorded capture of that time with voipready analyze.',
  },
  LISTENER_FAILED: {
    meaning: 'One of the outputs (metrics, files) failed during the analysis; the figures in this report are not affected.',
    action: 'See the message; report it to the voipready maintainers if it repeats.',
  },
};

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
