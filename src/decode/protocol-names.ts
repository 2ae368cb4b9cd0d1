/**
 * Names for what the analysis does not decode, as a report says them ("1,240 packets of IPsec ESP
 * were not analysed"): EtherTypes, IP protocol numbers (IANA registries), PPP protocols, and the
 * UDP/TCP ports of well-known services. Off the hot path: called once per kind at report time.
 */
import { linkTypeName } from '../capture/link-types.js';

const ETHERTYPES: Record<number, string> = {
  0x0806: 'ARP',
  0x8035: 'RARP',
  0x809b: 'AppleTalk',
  0x8137: 'IPX',
  0x8808: 'Ethernet flow control',
  0x8809: 'Slow protocols (LACP)',
  0x8863: 'PPPoE discovery',
  0x886d: 'Intel ANS probe',
  0x888e: '802.1X (EAPOL)',
  0x8892: 'PROFINET',
  0x88a4: 'EtherCAT',
  0x88cc: 'LLDP',
  0x88e5: 'MACsec',
  0x88f7: 'PTP',
  0x8902: 'CFM (802.1ag)',
  0x9000: 'Ethernet loopback',
  0x22f3: 'TRILL',
  0x893a: 'IEEE 1905',
  0x8100: 'VLAN',
};

const IP_PROTOCOLS: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  4: 'IP in IP',
  8: 'EGP',
  9: 'IGP',
  41: 'IPv6 in IP',
  46: 'RSVP',
  47: 'GRE',
  50: 'IPsec ESP',
  51: 'IPsec AH',
  58: 'ICMPv6',
  59: 'IPv6 no next header',
  88: 'EIGRP',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  115: 'L2TP',
  132: 'SCTP',
  136: 'UDP-Lite',
  137: 'MPLS in IP',
};

const PPP_PROTOCOLS: Record<number, string> = {
  0xc021: 'PPP LCP',
  0xc023: 'PPP PAP',
  0xc223: 'PPP CHAP',
  0x8021: 'PPP IPCP',
  0x8057: 'PPP IPv6CP',
  0x80fd: 'PPP CCP',
};

const UDP_PORTS: Record<number, string> = {
  53: 'DNS', 67: 'DHCP', 68: 'DHCP', 69: 'TFTP', 123: 'NTP', 137: 'NetBIOS', 138: 'NetBIOS', 161: 'SNMP', 162: 'SNMP trap',
  443: 'QUIC', 500: 'IKE', 514: 'syslog', 520: 'RIP', 546: 'DHCPv6', 547: 'DHCPv6', 1900: 'SSDP', 1812: 'RADIUS',
  1813: 'RADIUS accounting', 2427: 'MGCP', 2727: 'MGCP', 2944: 'MEGACO', 4500: 'IPsec NAT-T', 4789: 'VXLAN',
  5353: 'mDNS', 5355: 'LLMNR', 9995: 'NetFlow', 2055: 'NetFlow', 6343: 'sFlow', 1701: 'L2TP', 4790: 'VXLAN-GPE',
  6081: 'Geneve', 9999: 'HEP',
};

const TCP_PORTS: Record<number, string> = {
  21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 53: 'DNS', 80: 'HTTP', 110: 'POP3', 143: 'IMAP', 179: 'BGP',
  389: 'LDAP', 443: 'HTTPS', 445: 'SMB', 636: 'LDAPS', 993: 'IMAPS', 1720: 'H.323', 2000: 'Skinny (SCCP)',
  3306: 'MySQL', 3389: 'RDP', 5222: 'XMPP', 8080: 'HTTP', 8443: 'HTTPS',
};

export function etherTypeName(t: number): string {
  return ETHERTYPES[t] ?? `EtherType 0x${hex4(t)}`;
}

export function ipProtocolName(p: number): string {
  return IP_PROTOCOLS[p] ?? `IP protocol ${p}`;
}

export function pppProtocolName(p: number): string {
  return PPP_PROTOCOLS[p] ?? `PPP protocol 0x${hex4(p)}`;
}

export function udpServiceName(port: number): string {
  const s = UDP_PORTS[port];
  return s === undefined ? `UDP port ${port}` : `UDP port ${port} (${s})`;
}

export function tcpServiceName(port: number): string {
  const s = TCP_PORTS[port];
  return s === undefined ? `TCP port ${port}` : `TCP port ${port} (${s})`;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** what kind of thing was not decoded (FrameDecoder.undecodedKind, the census' keys) */
export const U_ETHERTYPE = 1;
export const U_LINKTYPE = 2;
export const U_IP_PROTOCOL = 3;
/** an EtherType found inside a tunnel (GRE protocol type, ERSPAN or VXLAN inner frame) */
export const U_INNER_ETHERTYPE = 4;
export const U_PPTP = 5;
export const U_PPP = 6;
export const U_MPLS_PAYLOAD = 7;
export const U_ERSPAN_FRAME = 8;
export const U_IP_FRAGMENTS = 9;
/** UDP datagrams and TCP segments that are neither SIP nor RTP/RTCP/STUN, by service port */
export const U_UDP = 10;
export const U_TCP = 11;
/** a frame of a link type without EtherTypes (raw IP, BSD loopback) that is not IP */
export const U_NOT_IP_ON_LINK = 12;
/** WebRTC's other UDP (RFC 7983 demultiplexing): code 1 STUN, 2 TURN ChannelData, 3 DTLS, 4 ZRTP */
export const U_MEDIA_CONTROL = 13;
const MEDIA_CONTROL = ['', 'STUN', 'TURN ChannelData', 'DTLS', 'ZRTP'];

/** the name a report gives to undecoded kind/code */
export function undecodedName(kind: number, code: number): string {
  switch (kind) {
    case U_ETHERTYPE: return etherTypeName(code);
    case U_LINKTYPE: return `link type ${linkTypeName(code)}`;
    case U_IP_PROTOCOL: return ipProtocolName(code);
    case U_INNER_ETHERTYPE: return `${etherTypeName(code)} inside a tunnel`;
    case U_PPTP: return 'PPTP (GRE version 1)';
    case U_PPP: return pppProtocolName(code);
    case U_MPLS_PAYLOAD: return 'MPLS payload of unknown type';
    case U_ERSPAN_FRAME: return `ERSPAN III frame type ${code}`;
    case U_IP_FRAGMENTS: return 'IP fragments never reassembled';
    case U_UDP: return udpServiceName(code);
    case U_TCP: return tcpServiceName(code);
    case U_NOT_IP_ON_LINK: return `non-IP frames on ${linkTypeName(code)}`;
    case U_MEDIA_CONTROL: return MEDIA_CONTROL[code] ?? 'other';
    default: return 'other';
  }
}
