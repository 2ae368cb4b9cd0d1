#!/usr/bin/env python3
"""Test-only, Python standard library: a minimal STAMP peer written from RFC 8762 (unauthenticated
mode) and RFC 8972 (TLVs, Class of Service), independent of voipready's TypeScript codecs.

  stamp_reflector.py reflect PORT        stateful session-reflector on 127.0.0.1:PORT; prints "ready PORT"
  stamp_reflector.py send HOST PORT N    sends N packets (20 ms apart) with a CoS TLV asking DSCP1=46,
                                         prints one JSON object with the decoded reflected packets
"""
import json, socket, struct, sys, time

NTP_OFFSET = 2208988800
IP_RECVTOS = getattr(socket, 'IP_RECVTOS', 13)


def ntp_now():
    t = time.time()
    return int(t) + NTP_OFFSET, int((t - int(t)) * 2**32) & 0xFFFFFFFF


def ntp_to_unix(sec, frac):
    return sec - NTP_OFFSET + frac / 2**32


def parse_tlvs(data):
    tlvs, pos = [], 0
    while pos + 4 <= len(data):
        flags, typ, length = struct.unpack_from('!BBH', data, pos)
        tlvs.append([flags, typ, bytearray(data[pos + 4:pos + 4 + length])])
        pos += 4 + length
    return tlvs


def build_tlvs(tlvs):
    return b''.join(struct.pack('!BBH', f, t, len(v)) + bytes(v) for f, t, v in tlvs)


def tos_of(ancdata):
    for level, typ, data in ancdata:
        if level == socket.IPPROTO_IP and typ in (socket.IP_TOS, 1):
            return data[0]
    return None


def reflect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
    s.bind(('127.0.0.1', port))
    print('ready', s.getsockname()[1], flush=True)
    seqs = {}
    while True:
        data, anc, _flags, addr = s.recvmsg(65535, 256)
        t2 = ntp_now()
        if len(data) < 44:
            continue
        seq, ts_s, ts_f, err, ssid = struct.unpack_from('!IIIHH', data, 0)
        tos = tos_of(anc)
        tlvs = parse_tlvs(data[44:])
        dscp1 = None
        for tlv in tlvs:
            if tlv[1] == 4 and len(tlv[2]) == 4:  # RFC 8972 4.4 Class of Service
                v = struct.unpack('!H', tlv[2][0:2])[0]
                dscp1 = v >> 10
                dscp2 = (tos or 0) >> 2
                ecn = (tos or 0) & 3
                tlv[2][0:2] = struct.pack('!H', (dscp1 << 10) | (dscp2 << 4) | (ecn << 2))
            elif tlv[1] != 1:
                tlv[0] |= 0x80  # U: unrecognised
        key = (addr, ssid)
        rseq = seqs.get(key, 0)
        seqs[key] = rseq + 1
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, (dscp1 if dscp1 is not None else 0) << 2)
        t3 = ntp_now()
        # RFC 8762 4.3.1 unauthenticated reflector packet
        pkt = struct.pack('!IIIHHIIIIIHHB3x', rseq, t3[0], t3[1], 0x0001, ssid, t2[0], t2[1], seq, ts_s, ts_f, err, 0, 255)
        s.sendto(pkt + build_tlvs(tlvs), addr)


def send(host, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 46 << 2)
    s.settimeout(0.5)
    ssid = 4242
    replies = []
    cos = struct.pack('!BBH', 0, 4, 4) + struct.pack('!HH', 46 << 10, 0)
    for seq in range(n):
        t1 = ntp_now()
        # RFC 8762 4.2.1 / RFC 8972 3: seq, timestamp, error estimate, SSID, 28 MBZ
        pkt = struct.pack('!IIIHH28x', seq, t1[0], t1[1], 0x0001, ssid) + cos
        s.sendto(pkt, (host, port))
        try:
            data, anc, _f, _a = s.recvmsg(65535, 256)
        except socket.timeout:
            continue
        t4 = time.time()
        (rseq, ts_s, ts_f, err, rssid, rx_s, rx_f, sseq, sts_s, sts_f, serr, _mbz, ttl) = struct.unpack_from('!IIIHHIIIIIHHB', data, 0)
        tlvs = parse_tlvs(data[44:])
        cosv = [struct.unpack('!H', v[0:2])[0] for f, t, v in tlvs if t == 4]
        replies.append({
            'length': len(data), 'seq': rseq, 'ssid': rssid, 'senderSeq': sseq, 'senderTimestampMatches': (sts_s, sts_f) == t1,
            'senderErrorEstimate': serr, 'ttl': ttl, 'tos': tos_of(anc),
            'rttMs': ((t4 - ntp_to_unix(*t1)) - (ntp_to_unix(ts_s, ts_f) - ntp_to_unix(rx_s, rx_f))) * 1000,
            'cos': [{'dscp1': v >> 10, 'dscp2': (v >> 4) & 63, 'rp': v & 3} for v in cosv],
        })
        time.sleep(0.02)
    print(json.dumps({'sent': n, 'replies': replies}), flush=True)


if __name__ == '__main__':
    if sys.argv[1] == 'reflect':
        try:
            reflect(int(sys.argv[2]))
        except KeyboardInterrupt:
            pass
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
