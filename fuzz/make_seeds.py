#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the hand-made seed corpora of the fuzzers (deterministic output).

    fuzz/make_seeds.py            # (re)writes fuzz/corpus/{net,tcp,proxy}/seed-*

fuzz/corpus/net/: one Ethernet frame per file, as received on port "front"
(198.18.0.1/24, MAC 02:51:00:00:00:18) from host A (198.18.0.2,
02:00:00:00:18:02). Port "back" is 198.19.0.1/24 (MTU 1000); 198.18.128.0/17 is
routed via 198.18.0.3, the rest via 198.19.0.254. See fuzz/fuzz_net.c.

fuzz/corpus/tcp/: a scenario byte and records (ctl, 16-bit length, TCP
header + payload), the format fuzz/fuzz_tcp.c documents.

fuzz/corpus/proxy/: records (operation, 16-bit length, bytes) played by the
two TCP peers of fuzz/fuzz_proxy.c: clients of the listener 198.18.0.1:80 and
the upstream members 198.19.0.2:80 and 198.19.0.3:80. Only seed-* files
are written here; entries merged by `run.sh --update` (sha1 names) are left
alone.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FRONT_MAC = bytes.fromhex("025100000018")
HOST_A_MAC = bytes.fromhex("020000001802")
OTHER_MAC = bytes.fromhex("02ee00000001")
BCAST = b"\xff" * 6
ZERO_MAC = b"\x00" * 6


def ip(s):
    return bytes(int(x) for x in s.split("."))


FRONT, BACK, HOST_A = ip("198.18.0.1"), ip("198.19.0.1"), ip("198.18.0.2")


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(payload, etype=0x0800, dst=FRONT_MAC, src=HOST_A_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, sip, tha, tip, hlen=6, plen=4, pad=18):
    return (struct.pack("!HHBBH", 1, 0x0800, hlen, plen, op) + sha + sip + tha + tip
            + b"\x00" * pad)


def ipv4(proto, payload, src=HOST_A, dst=FRONT, ttl=64, ident=1, frag=0, opts=b"",
         total=None, vhl=None, cksum=True):
    ihl = (20 + len(opts)) // 4
    if total is None:
        total = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", vhl if vhl is not None else 0x40 | ihl, 0, total,
                      ident, frag, ttl, proto, 0, src, dst) + opts
    if cksum:
        c = csum(hdr)
        hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def icmp(typ, code, rest, data):
    msg = struct.pack("!BBH", typ, code, 0) + rest + data
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def echo(seq, data, typ=8):
    return icmp(typ, 0, struct.pack("!HH", 0x5151, seq), data)


def udp(sport, dport, data, src=HOST_A, dst=FRONT):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(seg)) + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


SYN_OPTS = bytes.fromhex("020405b4") + bytes.fromhex("0402") + \
    bytes.fromhex("080a") + struct.pack("!II", 0x10000, 0) + bytes.fromhex("01030307")


def tcp(sport, dport, seq, ack, flags, win=65535, opts=b"", data=b""):
    doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       doff << 4, flags, win, 0, 0) + opts + data


def tcp_ip(seg, src=HOST_A, dst=FRONT):
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(seg)) + seg)
    return ipv4(6, seg[:16] + struct.pack("!H", c) + seg[18:], src=src, dst=dst)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def pattern(n, k=0):
    return bytes((i * 7 + k) & 0xFF for i in range(n))


def net_seeds():
    s = {}
    s["arp-request"] = eth(arp(1, HOST_A_MAC, HOST_A, ZERO_MAC, FRONT), 0x0806, BCAST)
    s["arp-request-back-addr"] = eth(arp(1, HOST_A_MAC, HOST_A, ZERO_MAC, BACK), 0x0806, BCAST)
    s["arp-reply"] = eth(arp(2, OTHER_MAC, ip("198.18.0.3"), FRONT_MAC, FRONT), 0x0806)
    s["arp-request-other"] = eth(arp(1, HOST_A_MAC, HOST_A, ZERO_MAC, ip("198.18.0.77")),
                                 0x0806, BCAST)
    s["arp-conflict"] = eth(arp(1, OTHER_MAC, FRONT, ZERO_MAC, FRONT), 0x0806, BCAST, OTHER_MAC)
    s["arp-bad-hlen"] = eth(arp(1, HOST_A_MAC, HOST_A, ZERO_MAC, FRONT, hlen=8), 0x0806, BCAST)
    s["arp-short"] = eth(arp(1, HOST_A_MAC, HOST_A, ZERO_MAC, FRONT, pad=0)[:20], 0x0806, BCAST)
    s["icmp-echo"] = eth(ipv4(1, echo(1, pattern(56))))
    s["icmp-echo-back-addr"] = eth(ipv4(1, echo(2, pattern(8)), dst=BACK))
    s["icmp-echo-bcast"] = eth(ipv4(1, echo(3, b""), dst=ip("198.18.0.255")), dst=BCAST)
    s["icmp-echo-reply"] = eth(ipv4(1, echo(4, pattern(8), typ=0)))
    s["icmp-echo-bad-cksum"] = eth(ipv4(1, echo(5, pattern(8))[:2] + b"\x00\x01" +
                                        echo(5, pattern(8))[4:]))
    s["icmp-echo-ip-options"] = eth(ipv4(1, echo(6, pattern(16)), opts=b"\x01\x01\x01\x00"))
    big = echo(7, pattern(2200))
    s["icmp-echo-chained"] = eth(ipv4(1, big))       # longer than one mbuf
    dgram = echo(33, pattern(1392))                  # 1400 bytes of ICMP
    for i, (off, end) in enumerate([(0, 512), (512, 1024), (1024, 1400)]):
        mf = 0x2000 if end < len(dgram) else 0
        s["frag-%d" % i] = eth(ipv4(1, dgram[off:end], ident=0x1001, frag=mf | off // 8))
    s["frag-overlap"] = eth(ipv4(1, dgram[256:768], ident=0x1001, frag=0x2000 | 256 // 8))
    s["frag-tiny"] = eth(ipv4(1, dgram[8:16], ident=0x1002, frag=0x2000 | 1))
    s["frag-odd-length"] = eth(ipv4(1, dgram[0:13], ident=0x1003, frag=0x2000))
    s["frag-last-only"] = eth(ipv4(1, dgram[1024:1400], ident=0x1004, frag=1024 // 8))
    s["frag-udp-first"] = eth(ipv4(17, udp(1, 2, pattern(600))[:304], ident=0x1005, frag=0x2000))
    s["fwd-udp"] = eth(ipv4(17, udp(12345, 53, pattern(100), dst=ip("198.19.0.2")),
                            dst=ip("198.19.0.2"), ttl=5))
    s["fwd-ttl1"] = eth(ipv4(17, udp(12345, 53, pattern(20), dst=ip("198.19.0.2")),
                             dst=ip("198.19.0.2"), ttl=1))
    s["fwd-df-too-big"] = eth(ipv4(17, udp(1, 2, pattern(1172), dst=ip("198.19.0.2")),
                                   dst=ip("198.19.0.2"), frag=0x4000))
    s["fwd-fragment-out"] = eth(ipv4(17, udp(1, 2, pattern(1172), dst=ip("198.19.0.2")),
                                     dst=ip("198.19.0.2")))
    s["fwd-unresolved"] = eth(ipv4(17, udp(1, 2, pattern(20), dst=ip("198.19.0.9")),
                                   dst=ip("198.19.0.9")))
    s["fwd-static-route"] = eth(ipv4(17, udp(1, 2, pattern(20), dst=ip("198.18.200.3")),
                                     dst=ip("198.18.200.3")))
    s["fwd-no-route"] = eth(ipv4(17, udp(1, 2, pattern(20), dst=ip("192.0.2.1")),
                                 dst=ip("192.0.2.1")))
    s["udp-to-us"] = eth(ipv4(17, udp(1, 7, pattern(20))))
    s["ip-bad-version"] = eth(ipv4(1, echo(8, b""), vhl=0x65))
    s["ip-bad-ihl"] = eth(ipv4(1, echo(8, b""), vhl=0x44))
    s["ip-bad-len"] = eth(ipv4(1, echo(8, b""), total=400))
    s["ip-bad-cksum"] = eth(ipv4(1, echo(8, b""), cksum=False))
    s["ip-ttl0"] = eth(ipv4(1, echo(8, b""), ttl=0))
    s["ip-src-bcast"] = eth(ipv4(1, echo(8, b""), src=ip("255.255.255.255")))
    s["ip-src-ours"] = eth(ipv4(1, echo(8, b""), src=FRONT))
    s["ip-padded"] = eth(ipv4(1, echo(9, b"")) + b"\x00" * 18)
    s["tcp-syn-echo"] = eth(tcp_ip(tcp(40000, 7, 1000, 0, SYN, opts=SYN_OPTS)))
    s["tcp-syn-discard"] = eth(tcp_ip(tcp(40001, 9, 1000, 0, SYN, opts=SYN_OPTS[:4])))
    s["tcp-syn-closed"] = eth(tcp_ip(tcp(40002, 80, 1000, 0, SYN)))
    s["tcp-ack-listener"] = eth(tcp_ip(tcp(40003, 7, 1001, 12345, ACK)))
    s["tcp-rst"] = eth(tcp_ip(tcp(40004, 7, 1001, 0, RST)))
    s["tcp-data-back-addr"] = eth(tcp_ip(tcp(40005, 19, 1, 1, ACK | PSH, data=b"10\n"),
                                         dst=BACK), )
    s["eth-short"] = FRONT_MAC + HOST_A_MAC[:4]
    s["eth-other-host"] = eth(ipv4(1, echo(10, b"")), dst=OTHER_MAC)
    s["eth-ipv6"] = eth(b"\x60" + b"\x00" * 39, 0x86DD)
    s["eth-vlan"] = eth(b"\x00\x64\x08\x00" + ipv4(1, echo(11, b"")), 0x8100)
    return s


# ---- tcp ----

# ctl bits of fuzz_tcp.c
RSEQ, RACK, PORTS, RAW = 0x01, 0x02, 0x04, 0x08


def split(mode):
    return mode << 5


WARP = 7 << 5
SC = {n: i for i, n in enumerate([
    "none", "syn_rcvd", "est_echo", "est_echo_plain", "est_discard", "est_source",
    "source_sending", "last_ack", "fin_wait_1", "fin_wait_2", "time_wait", "closing",
    "syn_sent", "est_active", "backlog_full", "echo_in_flight"])}
TS = b"\x01\x01\x08\x0a" + struct.pack("!II", 0x7FFF0000, 0)


def rec(ctl, seg):
    return struct.pack("!BH", ctl, len(seg)) + seg


def warp(ms):
    return struct.pack("!BH", WARP, ms // 4)


def seg(seq, ack, flags, win=1024, opts=TS, data=b"", sport=40000, dport=7):
    """A segment on the scenario's connection: seq/ack are offsets (rebased)."""
    return rec(RSEQ | RACK | PORTS, tcp(sport, dport, seq, ack, flags, win, opts, data))


def sack(*blocks):
    o = b"\x01\x01\x05" + bytes([2 + 8 * len(blocks)])
    for a, b in blocks:
        o += struct.pack("!II", a & 0xFFFFFFFF, b & 0xFFFFFFFF)
    return TS + o


def tcp_seeds():
    s = {}

    def add(name, scenario, *records):
        s[name] = bytes([SC[scenario]]) + b"".join(records)

    syn = tcp(40000, 7, 5000, 0, SYN, 65535, SYN_OPTS)
    add("none-syn", "none", rec(0, syn))
    add("none-handshake-data-fin", "none", rec(0, syn),
        seg(0, 1, ACK), seg(0, 0, ACK | PSH, data=b"hello\n"), seg(0, 0, ACK | FIN))
    add("none-syn-discard", "none", rec(0, tcp(40000, 9, 5000, 0, SYN, 65535, SYN_OPTS)))
    add("none-syn-source-plain", "none", rec(0, tcp(40000, 19, 5000, 0, SYN, 8192)))
    add("none-syn-closed-port", "none", rec(0, tcp(40000, 80, 5000, 0, SYN)))
    add("none-ack-closed-port", "none", rec(0, tcp(40000, 80, 5000, 77, ACK, data=b"x")))
    add("none-ack-listener", "none", rec(0, tcp(40000, 7, 5000, 77, ACK)))
    add("none-rst", "none", rec(0, tcp(40000, 7, 5000, 0, RST)))
    add("none-synfin", "none", rec(0, tcp(40000, 7, 5000, 0, SYN | FIN)))
    add("none-bad-cksum", "none", rec(RAW, tcp(40000, 7, 5000, 0, SYN)))
    add("none-short", "none", rec(0, tcp(40000, 7, 5000, 0, SYN)[:14]))
    add("none-doff-long", "none", rec(0, b"\x9c\x40\x00\x07" + b"\x00" * 8 + b"\xf0\x02" +
                                      b"\xff\xff" + b"\x00" * 8))
    add("none-doff-short", "none", rec(0, b"\x9c\x40\x00\x07" + b"\x00" * 8 + b"\x40\x02" +
                                       b"\xff\xff" + b"\x00" * 8))
    add("none-bad-options", "none",
        rec(0, tcp(40000, 7, 5000, 0, SYN, opts=b"\x02\x00\x03\x03\x05\x0a\x08\xff")))
    add("none-opts-sack-ts-odd", "none",
        rec(0, tcp(40000, 7, 5000, 0, SYN, opts=b"\x03\x03\x30\x04\x02\x05\x0b" +
                   b"\x00" * 9 + b"\x08\x0a" + b"\x00" * 8 + b"\x01\x00")))
    add("backlog-cookie", "backlog_full", rec(0, syn),
        rec(RACK | PORTS, tcp(40000, 7, 5001, 0, ACK, 1024, TS)),
        seg(0, 0, ACK | PSH, data=b"ping\n"))
    add("backlog-cookie-bad", "backlog_full", rec(0, syn),
        rec(RACK | PORTS, tcp(40000, 7, 5001, 99, ACK)))
    add("syn-rcvd-ack", "syn_rcvd", seg(0, 1, ACK), seg(0, 0, ACK | PSH, data=b"abc"))
    add("syn-rcvd-ack-data-fin", "syn_rcvd", seg(0, 1, ACK | PSH | FIN, data=b"abc"))
    add("syn-rcvd-resyn", "syn_rcvd", seg(-1, 0, SYN, opts=SYN_OPTS))
    add("syn-rcvd-rst", "syn_rcvd", seg(0, 0, RST))
    add("syn-rcvd-bad-ack", "syn_rcvd", seg(0, 1000, ACK))
    add("syn-rcvd-timeout", "syn_rcvd", warp(150), warp(400), warp(1000))
    add("echo-data", "est_echo", seg(0, 0, ACK | PSH, data=b"hello\n"), seg(6, 6, ACK))
    add("echo-data-chained", "est_echo",
        rec(RSEQ | RACK | PORTS | split(4), tcp(40000, 7, 0, 0, ACK, 1024, TS, pattern(300))),
        rec(RSEQ | RACK | PORTS | split(1), tcp(40000, 7, 300, 0, ACK, 1024, TS, pattern(9))),
        rec(RSEQ | RACK | PORTS | split(5), tcp(40000, 7, 309, 0, ACK, 1024, TS, pattern(2))))
    add("echo-hdr-split", "est_echo",
        rec(RSEQ | RACK | PORTS | split(6), tcp(40000, 7, 0, 0, ACK, 1024, TS, b"abc")),
        rec(RSEQ | RACK | PORTS | split(3), tcp(40000, 7, 0, 0, ACK, 1024, TS, b"abc")))
    add("echo-ooo", "est_echo", seg(100, 0, ACK, data=pattern(100, 1)),
        seg(300, 0, ACK, data=pattern(50, 3)), seg(0, 0, ACK, data=pattern(100)),
        seg(200, 0, ACK | FIN, data=pattern(100, 2)))
    add("echo-ooo-fin", "est_echo", seg(10, 0, ACK | FIN, data=b"world"),
        seg(0, 0, ACK, data=b"hello12345"))
    add("echo-overlap", "est_echo", seg(0, 0, ACK, data=pattern(40)),
        seg(20, 0, ACK, data=pattern(40, 20)), seg(-10, 0, ACK, data=pattern(80, 5)))
    add("echo-beyond-window", "est_echo", seg(16000, 0, ACK, data=pattern(1000)),
        seg(0, 0, ACK, data=pattern(1400)), seg(1400, 0, ACK, data=pattern(1400)))
    add("echo-rst-exact", "est_echo", seg(0, 0, RST))
    add("echo-rst-in-window", "est_echo", seg(10, 0, RST | ACK))
    add("echo-rst-outside", "est_echo", seg(100000, 0, RST))
    add("echo-syn", "est_echo", seg(0, 0, SYN, opts=SYN_OPTS))
    add("echo-old-ack", "est_echo", seg(0, -70000, ACK))
    add("echo-ack-too-new", "est_echo", seg(0, 5000, ACK))
    add("echo-paws", "est_echo", seg(0, 0, ACK, opts=b"\x01\x01\x08\x0a" + b"\x00" * 8,
                                     data=b"x"))
    add("echo-no-ack-flag", "est_echo", seg(0, 0, PSH, data=b"x"))
    add("echo-fin", "est_echo", seg(0, 0, ACK | FIN), seg(1, 1, ACK))
    add("echo-zero-window", "est_echo", seg(0, 0, ACK | PSH, win=0, data=b"hello"),
        warp(300), warp(1000), seg(5, 0, ACK, win=100))
    add("echo-delack-keepalive", "est_echo", seg(0, 0, ACK, data=b"a"), warp(50),
        warp(11000), warp(1100), warp(1100))
    add("echo-plain-data", "est_echo_plain",
        seg(0, 0, ACK | PSH, opts=b"", data=b"hello"), seg(5, 5, ACK, opts=b""))
    add("discard-bulk", "est_discard",
        rec(RSEQ | RACK | PORTS | split(2), tcp(40000, 9, 0, 0, ACK, 1024, TS, pattern(1400))),
        seg(1400, 0, ACK, data=pattern(1400), dport=9))
    add("source-request", "est_source", seg(0, 0, ACK | PSH, data=b"3000\n", dport=19),
        seg(5, 1448, ACK, dport=19), seg(5, 3001, ACK | FIN, dport=19))
    add("source-bad-request", "est_source", seg(0, 0, ACK | PSH, data=b"12x\n", dport=19))
    add("source-long-line", "est_source", seg(0, 0, ACK, data=b"9" * 30, dport=19))
    add("sending-dupacks", "source_sending", seg(0, 0, ACK, dport=19),
        seg(0, 0, ACK, dport=19), seg(0, 0, ACK, dport=19), seg(0, 0, ACK, dport=19))
    add("sending-sack", "source_sending",
        seg(0, 0, ACK, opts=sack((0x30000000, 0x30000100)), dport=19))
    add("sending-partial-ack", "source_sending", seg(0, 1000, ACK, dport=19),
        seg(0, 2896, ACK, win=0, dport=19), warp(500), seg(0, 2896, ACK, win=4096, dport=19))
    add("sending-rto", "source_sending", warp(120), warp(250), warp(500), warp(1000),
        warp(2000))
    add("last-ack-acked", "last_ack", seg(0, 1, ACK))
    add("last-ack-retrans-fin", "last_ack", seg(-1, 0, ACK | FIN))
    add("fin-wait-1-fin", "fin_wait_1", seg(0, 1, ACK | FIN, dport=19))
    add("fin-wait-1-data", "fin_wait_1", seg(0, 0, ACK, data=b"more", dport=19))
    add("fin-wait-2-fin", "fin_wait_2", seg(0, 0, ACK | FIN, dport=19), warp(3000))
    add("fin-wait-2-idle", "fin_wait_2", warp(65000))
    add("time-wait-syn", "time_wait", seg(100000, 0, SYN, opts=SYN_OPTS, dport=19))
    add("time-wait-fin", "time_wait", seg(-1, 0, ACK | FIN, dport=19), warp(2100))
    add("closing-ack", "closing", seg(0, 1, ACK, dport=19))
    add("syn-sent-synack", "syn_sent",
        rec(RACK | PORTS, tcp(40000, 0, 7000, 1, SYN | ACK, 65535, SYN_OPTS)),
        seg(0, 0, ACK | PSH, data=b"hi"))
    add("syn-sent-rst", "syn_sent", rec(RACK | PORTS, tcp(40000, 0, 0, 1, RST | ACK)))
    add("syn-sent-simultaneous", "syn_sent",
        rec(PORTS, tcp(40000, 0, 7000, 0, SYN, 65535, SYN_OPTS)), seg(0, 1, ACK))
    add("syn-sent-bad-ack", "syn_sent", rec(RACK | PORTS, tcp(40000, 0, 7000, 50, SYN | ACK)))
    add("syn-sent-timeout", "syn_sent", warp(150), warp(300), warp(600))
    add("active-data-fin", "est_active", seg(0, 0, ACK | PSH, data=b"data"),
        seg(4, 0, ACK | FIN))
    add("in-flight-sack-recovery", "echo_in_flight",
        seg(0, 0, ACK, opts=sack((0, 0))),
        rec(RSEQ | RACK | PORTS, tcp(40000, 7, 0, 0, ACK, 1024, TS)),
        seg(0, 0, ACK), seg(0, 0, ACK), seg(0, 1448, ACK), seg(0, 2800, ACK))
    add("in-flight-rto", "echo_in_flight", warp(150), seg(0, 100, ACK), warp(400))
    return s


# ---- proxy ----

# operations of fuzz_proxy.c: low nibble op, bits 4-6 k, bit 7 split
(P_OPEN, P_C_SEND, P_C_FIN, P_C_RST, P_U_SEND, P_U_FIN, P_U_RST, P_U_REFUSE, P_JUMP,
 P_C_WINDOW, P_U_WINDOW, P_C_SEND_FIN, P_APPLY) = range(13)
P_SPLIT = 0x80
# configuration variants of P_APPLY (its length field; k odd: the worker adopts
# it at the next record)
(V_SAME, V_MEMBER_REMOVED, V_MEMBER_ADDED, V_ALGO, V_REPOINT, V_ROUTES_REMOVED,
 V_POOL_REMOVED, V_MEMBERS_SWAPPED) = range(8)


def prec(op, data=b"", k=0, arg=None, split=False):
    """One record: data for the sending ops, arg (the 16-bit length field) for the others."""
    b = op | (k << 4) | (P_SPLIT if split else 0)
    if arg is not None:
        return struct.pack("!BH", b, arg)
    return struct.pack("!BH", b, len(data)) + data


def get(path="/", host="www.example.com", extra=b"", version=b"1.1", method=b"GET"):
    return (method + b" " + path.encode() + b" HTTP/" + version + b"\r\nHost: " + host.encode() +
            b"\r\n" + extra + b"\r\n")


def resp(status=200, body=b"hello\n", extra=b"", reason=b"OK"):
    return (b"HTTP/1.1 %d " % status + reason + b"\r\nContent-Length: %d\r\n" % len(body) + extra +
            b"\r\n" + body)


def proxy_seeds():
    s = {}

    def add(name, *records):
        s[name] = b"".join(records)

    ok = resp()
    add("get", prec(P_OPEN), prec(P_C_SEND, get()), prec(P_U_SEND, ok))
    add("get-split", prec(P_C_SEND, get(extra=b"Accept: */*\r\n"), split=True),
        prec(P_U_SEND, resp(extra=b"Connection: keep-alive\r\n"), split=True))
    add("keepalive-reuse", prec(P_C_SEND, get("/a")), prec(P_U_SEND, ok),
        prec(P_C_SEND, get("/b")), prec(P_U_SEND, resp(body=b"second\n")),
        prec(P_C_SEND, get("/c")), prec(P_U_SEND, k=1, data=resp(body=b"third\n")),
        prec(P_C_FIN), prec(P_JUMP, arg=1600))
    add("pipelined", prec(P_C_SEND, get("/1") + get("/2", extra=b"Connection: close\r\n")),
        prec(P_U_SEND, ok), prec(P_U_SEND, resp(body=b"two\n")))
    add("post-chunked", prec(P_C_SEND, b"POST /upload HTTP/1.1\r\nHost: h\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
        prec(P_C_SEND, b"0\r\n\r\n"),
        prec(P_U_SEND, b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"3\r\nabc\r\n0\r\n\r\n"))
    add("expect-100", prec(P_C_SEND, b"PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
                           b"Expect: 100-continue\r\n\r\n"),
        prec(P_U_SEND, b"HTTP/1.1 100 Continue\r\n\r\n"), prec(P_C_SEND, b"0123456789"),
        prec(P_U_SEND, resp(204, b"", reason=b"No Content")))
    add("upstream-reset-retry", prec(P_C_SEND, get("/retry")), prec(P_U_RST),
        prec(P_U_SEND, ok))
    add("refused-retry", prec(P_U_REFUSE, arg=0), prec(P_C_SEND, get()), prec(P_U_SEND, ok))
    add("connect-timeout", prec(P_U_REFUSE, arg=1), prec(P_C_SEND, get()), prec(P_JUMP, arg=350),
        prec(P_U_SEND, ok), prec(P_JUMP, arg=400))
    add("response-timeout", prec(P_C_SEND, get()), prec(P_JUMP, arg=600))
    add("header-timeout", prec(P_C_SEND, b"GET / HTTP/1.1\r\nHost: x\r\n"), prec(P_JUMP, arg=1100),
        prec(P_JUMP, arg=1100))
    add("local-routes", prec(P_C_SEND, get("/fixed") + get("/old/x") + get("/re/42") +
                             get("/", extra=b"X-Canary: 1\r\n") + get("/nothing", method=b"HEAD")),
        prec(P_JUMP, arg=2100))
    add("http10-chunked-response", prec(P_C_SEND, get("/", version=b"1.0")),
        prec(P_U_SEND, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"5\r\nhello\r\n0\r\n\r\n"))
    add("response-until-close", prec(P_C_SEND, get("/solo")),
        prec(P_U_SEND, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until close"),
        prec(P_U_FIN), prec(P_C_FIN))
    add("sticky-api-rewrite", prec(P_C_SEND, get("/sticky", extra=b"Cookie: a=1; sid=abc\r\n")),
        prec(P_U_SEND, ok), prec(P_C_SEND, get("/x", host="api.example.com")),
        prec(P_U_SEND, ok))
    add("backpressure", prec(P_C_WINDOW, arg=100), prec(P_C_SEND, get("/big")),
        prec(P_U_SEND, resp(body=pattern(9000))), prec(P_C_WINDOW, arg=0xFFFF))
    add("bad-request", prec(P_C_SEND, b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n"))
    add("bad-response", prec(P_C_SEND, get()), prec(P_U_SEND, b"HTTP/1.1 2OO OK\r\n\r\n"))
    add("client-abort", prec(P_C_SEND, get()), prec(P_C_RST), prec(P_OPEN),
        prec(P_C_SEND_FIN, get("/again", version=b"1.0")), prec(P_U_SEND, ok))
    add("early-response", prec(P_C_SEND, b"PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc"),
        prec(P_U_SEND, resp(413, b"no\n", reason=b"Payload Too Large")),
        prec(P_C_SEND, b"x" * 97), prec(P_C_SEND, get()))
    add("stale-keepalive-retry", prec(P_C_SEND, get("/a")), prec(P_U_SEND, ok),
        prec(P_C_SEND, get("/b")), prec(P_U_SEND, ok), prec(P_C_SEND, get("/c")),
        prec(P_U_RST, k=1), prec(P_U_SEND, ok))
    add("upload-backpressure", prec(P_U_WINDOW, arg=0),
        prec(P_C_SEND, b"PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 9000\r\n\r\n" + pattern(9000)),
        prec(P_U_WINDOW, arg=0xFFFF), prec(P_U_SEND, ok))
    add("conn-limit", *[prec(P_OPEN) for _ in range(4)],
        *[prec(P_C_SEND, get("/solo"), k=i) for i in range(4)], prec(P_U_SEND, ok),
        prec(P_U_SEND, ok, k=1))
    # configuration changes while exchanges run
    add("apply-mid-exchange", prec(P_C_SEND, get("/a")), prec(P_APPLY, arg=V_MEMBER_REMOVED),
        prec(P_U_SEND, ok), prec(P_C_SEND, get("/b")), prec(P_U_SEND, ok),
        prec(P_C_SEND, get("/c")), prec(P_U_SEND, ok))
    add("apply-pooled-removed", prec(P_C_SEND, get("/a")), prec(P_U_SEND, ok),
        prec(P_C_SEND, get("/b")), prec(P_U_SEND, ok), prec(P_OPEN),
        prec(P_C_SEND, get("/c")), prec(P_U_SEND, ok),
        prec(P_APPLY, arg=V_MEMBER_REMOVED), prec(P_C_SEND, get("/d")), prec(P_U_SEND, ok))
    add("apply-routes-removed", prec(P_C_SEND, get("/")), prec(P_U_SEND, ok),
        prec(P_APPLY, arg=V_ROUTES_REMOVED), prec(P_C_SEND, get("/")), prec(P_U_SEND, ok),
        prec(P_C_SEND, get("/sticky") + get("/fixed")), prec(P_U_SEND, ok))
    add("apply-pool-removed", prec(P_C_SEND, get("/sticky", extra=b"Cookie: sid=7\r\n")),
        prec(P_OPEN), prec(P_C_SEND, get("/solo")), prec(P_APPLY, arg=V_POOL_REMOVED),
        prec(P_U_SEND, ok), prec(P_U_SEND, ok, k=1), prec(P_C_SEND, get("/sticky"), k=1),
        prec(P_C_SEND, get("/solo")), prec(P_U_SEND, ok))
    add("apply-repoint-deferred", prec(P_C_SEND, get("/solo")),
        prec(P_APPLY, k=1, arg=V_REPOINT), prec(P_U_SEND, ok), prec(P_C_SEND, get("/solo")),
        prec(P_C_SEND, get("/fixed")), prec(P_U_SEND, ok), prec(P_C_SEND, get("/")),
        prec(P_U_SEND, ok))
    add("apply-member-added", prec(P_APPLY, arg=V_MEMBER_ADDED), prec(P_OPEN),
        prec(P_C_SEND, get("/solo")), prec(P_OPEN), prec(P_C_SEND, get("/solo")),
        prec(P_U_SEND, ok), prec(P_U_SEND, ok, k=1), prec(P_APPLY, arg=V_SAME),
        prec(P_C_SEND, get("/solo")), prec(P_U_SEND, ok))
    add("apply-ejected", prec(P_U_REFUSE, arg=0),
        prec(P_C_SEND, get("/", extra=b"Connection: close\r\n")), prec(P_U_SEND, ok),
        prec(P_APPLY, arg=V_ALGO), prec(P_C_SEND, get("/")), prec(P_U_SEND, ok),
        prec(P_APPLY, arg=V_MEMBERS_SWAPPED), prec(P_JUMP, arg=1100), prec(P_C_SEND, get("/")),
        prec(P_U_SEND, ok))
    add("apply-every-variant", *[r for v in range(8) for r in (
        prec(P_C_SEND, get("/v%d" % v) + get("/sticky") + get("/solo")),
        prec(P_APPLY, k=v & 1, arg=v), prec(P_U_SEND, ok), prec(P_U_SEND, ok),
        prec(P_U_SEND, ok))])
    return s


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if old.startswith("seed-"):
            os.remove(os.path.join(d, old))
    for k, v in sorted(seeds.items()):
        with open(os.path.join(d, "seed-" + k), "wb") as f:
            f.write(v)
    print("%s: %d seeds, %d bytes" % (d, len(seeds), sum(len(v) for v in seeds.values())))


def main():
    write("net", net_seeds())
    write("tcp", tcp_seeds())
    write("proxy", proxy_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
