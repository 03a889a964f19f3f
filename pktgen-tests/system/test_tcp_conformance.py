#!/usr/bin/env python3
"""TCP conformance of the gateway's own stack, scripted with scapy from the
client namespace: RSTs for closed ports, RFC 5961 (RST and SYN challenge
ACKs, blind RSTs ignored), window trimming, zero windows and window
updates, the peer's window bounding what is in flight, our advertised window
bounding what we take, FIN in every state that receives one, malformed options, PAWS,
and a spoofed SYN flood against a small backlog while a real transfer
completes. Each case checks the segments the gateway sends back and the
counters that moved.

The scripted peer uses its own address, 198.18.0.50, on the client veth;
an nftables rule in the client namespace keeps the namespace's kernel from
seeing TCP to that address (so it sends no RSTs of its own), while the
packet socket the peer reads from still sees every frame. Frames are sent
and read on an AF_PACKET socket opened before the first segment is sent,
so no reply can be missed.
"""
import random
import socket
import struct
import subprocess
import time
import unittest

import sltest
from sltest import Gateway, Testbed, csum, in_netns, wait_for

# Imported before any fork so that each case's child starts at once.
from scapy.all import IP, TCP, Ether, Raw  # noqa: E402

GW_IP = "198.18.0.1"
CLIENT_IP = "198.18.0.2"
PEER_IP = "198.18.0.50"

ECHO, DISCARD, SOURCE = 7, 9, 19
CLOSED_PORT = 4444

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# The gateway: the default listeners, and a small backlog on discard for
# the SYN flood (the other cases never hold more than a few half-open
# connections); a short TIME_WAIT so that its timer can be observed.
TIME_WAIT_MS = 3000
TCP_CONF = "time_wait_ms = %d;" % TIME_WAIT_MS + """
  listeners = (
    { address = "198.18.0.1"; port = 7;  service = "echo"; },
    { address = "198.18.0.1"; port = 9;  service = "discard"; backlog = 64; },
    { address = "198.18.0.1"; port = 19; service = "source"; }
  );
"""
RCVBUF = 262144  # tcp.rcvbuf default: the gateway's window scale is 3

DEFAULT_OPTS = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]


def seq_add(a, b):
    return (a + b) & 0xFFFFFFFF


def seq_lt(a, b):
    return ((a - b) & 0xFFFFFFFF) > 0x7FFFFFFF


def pattern(offset, n):
    """The source service's bytes [offset, offset + n): each 8-byte word
    holds its own index, little endian."""
    return bytes(((offset + i) // 8 >> (8 * ((offset + i) % 8))) & 0xFF for i in range(n))


def stream_bytes(offset, n):
    return bytes((offset + i) % 251 for i in range(n))


def flag_str(f):
    return "".join(c for bit, c in ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"),
                                    (ACK, "A")) if f & bit) or "."


class Seg:
    """A segment the gateway sent, reduced to what the cases check."""

    def __init__(self, pkt, t):
        tcp = pkt[TCP]
        self.t = t
        self.flags = int(tcp.flags)
        self.seq, self.ack, self.win = tcp.seq, tcp.ack, tcp.window
        self.data = bytes(tcp.payload)
        self.opts = {}
        for o in tcp.options:
            if isinstance(o, tuple) and len(o) == 2 and o[0] != "NOP":
                self.opts[o[0]] = o[1]
        self.ip_len = pkt[IP].len

    def has(self, flags):
        return self.flags & flags == flags

    def __repr__(self):
        opts = "".join(f" {k}={v}" for k, v in self.opts.items())
        return (f"<{flag_str(self.flags)} seq={self.seq} ack={self.ack} win={self.win} "
                f"len={len(self.data)}{opts}>")


class Peer:
    """A TCP peer scripted by hand, at PEER_IP:sport, inside the client
    namespace. It reads every frame of its flow from a packet socket."""

    def __init__(self, env, dport, sport, iss, ts=False, win=65535):
        self.env = env
        self.dport, self.sport = dport, sport
        self.iss = iss
        self.snd_nxt = iss
        self.rcv_nxt = 0
        self.gw_iss = None
        self.gw_ws = 0
        self.win = win
        self.ts = ts
        self.ts_val = 1000
        self.ts_recent = 0
        self.rx = []      # every segment of the flow received, for messages
        self.queue = []   # received, not yet consumed by expect()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((env["iface"], 0x0800))
        self.eth = Ether(src=env["my_mac"], dst=env["gw_mac"])

    def close(self):
        self.sock.close()

    __del__ = close

    # Sending.

    def build(self, flags, seq=None, ack=None, data=b"", win=None, opts=None, raw_opts=None,
              ts=None):
        seq = self.snd_nxt if seq is None else seq
        ack = (self.rcv_nxt if flags & ACK else 0) if ack is None else ack
        win = self.win if win is None else win
        opts = list(opts or [])
        if self.ts and raw_opts is None and not any(o[0] == "Timestamp" for o in opts):
            opts += [("NOP", None), ("NOP", None),
                     ("Timestamp", (self.ts_val if ts is None else ts, self.ts_recent))]
        if raw_opts is not None:
            assert len(raw_opts) % 4 == 0
            tcp = TCP(sport=self.sport, dport=self.dport, flags=flags, seq=seq, ack=ack,
                      window=win, dataofs=5 + len(raw_opts) // 4) / Raw(raw_opts + data)
        else:
            tcp = TCP(sport=self.sport, dport=self.dport, flags=flags, seq=seq, ack=ack,
                      window=win, options=opts)
            if data:
                tcp = tcp / Raw(data)
        return bytes(self.eth / IP(src=PEER_IP, dst=GW_IP, ttl=64) / tcp)

    def send(self, flags, **kw):
        self.sock.send(self.build(flags, **kw))

    # Receiving.

    def _poll(self, timeout):
        """Read frames for up to timeout seconds (0: what is there); return
        the segments of our flow."""
        out = []
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            self.sock.settimeout(max(left, 0.0) if left > 0 else 0.0)
            try:
                frame = self.sock.recv(65535)
            except (socket.timeout, BlockingIOError):
                break
            if len(frame) < 54 or frame[23] != 6 or frame[26:30] != socket.inet_aton(GW_IP) \
                    or frame[30:34] != socket.inet_aton(PEER_IP):
                continue
            sport, dport = struct.unpack("!HH", frame[34:38])
            if sport != self.dport or dport != self.sport:
                continue
            s = Seg(Ether(frame), time.time())
            if self.ts and "Timestamp" in s.opts:
                self.ts_recent = s.opts["Timestamp"][0]
            self.rx.append(s)
            self.queue.append(s)
            out.append(s)
        return out

    def expect(self, pred, timeout=3.0, what="a segment"):
        """The first segment (received or to come) for which pred holds;
        segments before it are consumed."""
        deadline = time.time() + timeout
        while True:
            for i, s in enumerate(self.queue):
                if pred(s):
                    del self.queue[:i + 1]
                    return s
            del self.queue[:]
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"port {self.sport}: no {what} within {timeout}s; "
                                     f"received {self.rx}")
            self._poll(min(left, 0.05))

    def drain(self, seconds):
        """Everything the gateway sends within seconds (and what was queued)."""
        self._poll(seconds)
        out, self.queue = self.queue, []
        return out

    # Conversations.

    def connect(self, opts=None, raw_opts=None, ack_win=None):
        """Three-way handshake; returns the SYN-ACK."""
        if opts is None:
            opts = list(DEFAULT_OPTS)
            if self.ts:
                opts += [("NOP", None), ("NOP", None), ("Timestamp", (self.ts_val, 0))]
        self.send(SYN, seq=self.iss, opts=opts, raw_opts=raw_opts)
        sa = self.expect(lambda s: s.has(SYN | ACK), what="SYN-ACK")
        if sa.ack != seq_add(self.iss, 1):
            raise AssertionError(f"SYN-ACK acks {sa.ack}, not {self.iss + 1}: {sa}")
        self.gw_iss = sa.seq
        self.gw_ws = sa.opts.get("WScale", 0)
        self.snd_nxt = seq_add(self.iss, 1)
        self.rcv_nxt = seq_add(sa.seq, 1)
        self.ts_val += 1
        self.send(ACK, win=ack_win)
        return sa

    def request(self, data, wait_ack=True):
        """Send data in one segment; optionally wait until it is ACKed."""
        seq = self.snd_nxt
        self.send(ACK | PSH, data=data)
        self.snd_nxt = seq_add(seq, len(data))
        if wait_ack:
            return self.expect(lambda s: s.has(ACK) and not seq_lt(s.ack, self.snd_nxt),
                               what=f"ACK of {len(data)} bytes")
        return None

    def receive(self, nbytes, fin=False, timeout=5.0, ack=True):
        """Receive nbytes in order (and a FIN if asked), ACKing as a simple
        receiver that keeps out-of-order data; returns the bytes."""
        got = bytearray()
        ooo = {}
        fin_seq = None
        deadline = time.time() + timeout
        while len(got) < nbytes or (fin and fin_seq != self.rcv_nxt):
            if time.time() > deadline:
                raise AssertionError(f"port {self.sport}: received {len(got)} of {nbytes} "
                                     f"bytes (fin {fin}); segments {self.rx[-20:]}")
            segs = self.drain(0.02)
            moved = False
            for s in segs:
                if s.has(FIN):
                    fin_seq = seq_add(s.seq, len(s.data))
                if s.data:
                    moved = True
                    if seq_lt(self.rcv_nxt, s.seq):
                        ooo[s.seq] = s.data
                    else:
                        skip = (self.rcv_nxt - s.seq) & 0xFFFFFFFF
                        if skip < len(s.data):
                            got += s.data[skip:]
                            self.rcv_nxt = seq_add(self.rcv_nxt, len(s.data) - skip)
                    while True:
                        nxt = [q for q in ooo if not seq_lt(self.rcv_nxt, q)]
                        if not nxt:
                            break
                        for q in nxt:
                            d = ooo.pop(q)
                            skip = (self.rcv_nxt - q) & 0xFFFFFFFF
                            if skip < len(d):
                                got += d[skip:]
                                self.rcv_nxt = seq_add(self.rcv_nxt, len(d) - skip)
                if fin and fin_seq is not None and fin_seq == self.rcv_nxt and s.has(FIN):
                    moved = True
                if ack and moved:
                    self.send(ACK, ack=seq_add(self.rcv_nxt, 1) if fin_seq == self.rcv_nxt
                              and fin else self.rcv_nxt)
        if fin:
            self.rcv_nxt = seq_add(self.rcv_nxt, 1)
        return bytes(got)

    def abort(self):
        """Reset the connection exactly (rst_rcvd) so it leaves the table."""
        self.send(RST, seq=self.snd_nxt, ack=0)


def syn_flood_frames(n, gw_mac, my_mac, seed):
    """n SYNs to GW_IP:9 from random sources in 198.18.0.100-250, as raw
    Ethernet frames with both checksums computed here."""
    rnd = random.Random(seed)
    eth = gw_mac + my_mac + b"\x08\x00"
    dst = socket.inet_aton(GW_IP)
    srcs = [socket.inet_aton(f"198.18.0.{i}") for i in range(100, 251)]
    out = []
    for i in range(n):
        src = rnd.choice(srcs)
        th = struct.pack("!HHIIBBHHH", rnd.randrange(1024, 65536), DISCARD,
                         rnd.getrandbits(32), 0, 6 << 4, SYN, 65535, 0, 0) + b"\x02\x04\x05\xb4"
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(th)) + th)
        th = th[:16] + struct.pack("!H", c) + th[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(th), i & 0xFFFF, 0x4000, 64, 6, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        out.append(eth + ip + th)
    return out


def flood(iface, frames, pause_every=64):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    t0 = time.time()
    for i, f in enumerate(frames):
        s.send(f)
        if i % pause_every == pause_every - 1:
            time.sleep(0.001)
    s.close()
    return t0, time.time()


LEGIT_CLIENT = r"""
import socket, sys, time
time.sleep(float(sys.argv[1]))
n = int(sys.argv[2])
t0 = time.time()
s = socket.create_connection(("198.18.0.1", 9), timeout=30)
s.settimeout(60)
chunk = b"\0" * 65536
sent = 0
while sent < n:
    sent += s.send(chunk[:min(len(chunk), n - sent)])
s.shutdown(socket.SHUT_WR)
rest = s.recv(1)  # discard closes once it has everything: EOF
s.close()
print(t0, time.time(), sent, len(rest))
"""


class TcpConformance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t5").up()
        try:
            cls.gw = Gateway(cls.tb, tcp=TCP_CONF).start()
            ns, dev = cls.tb.client, cls.tb.client_if
            cls.tb.run(ns, "ip", "addr", "add", f"{PEER_IP}/24", "dev", dev, check=True)
            # The namespace's kernel must not see (and answer) the peer's TCP.
            r = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], text=True,
                               capture_output=True, input=(
                                   "table ip sltest_peer {\n"
                                   "  chain pre { type filter hook prerouting priority -300;"
                                   " policy accept;\n"
                                   f"    ip daddr {PEER_IP} meta l4proto tcp drop\n"
                                   "  }\n}\n"))
            assert r.returncode == 0, r.stderr
            # Both client addresses resolved by the gateway (and it by us).
            assert cls.tb.ping(ns, GW_IP, count=1)
            r = cls.tb.run(ns, "ping", "-c", "1", "-W", "1", "-I", PEER_IP, GW_IP)
            assert r.returncode == 0, r.stdout + r.stderr
            gw_mac = cls.gw.port_stats("front")["mac"].lower()
            my_mac = cls.tb.run(ns, "cat", f"/sys/class/net/{dev}/address",
                                check=True).stdout.strip()
            cls.env = {"iface": dev, "gw_mac": gw_mac, "my_mac": my_mac}
        except BaseException:
            if getattr(cls, "gw", None) is not None:
                cls.gw.kill()
            cls.tb.down()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.gw.proc is not None and cls.gw.proc.poll() is not None:
            out = cls.gw.proc.communicate()[0] or ""
            print(f"\nsluiced exited with {cls.gw.proc.returncode}:\n{out[-4000:]}")
        cls.gw.kill()
        cls.tb.down()

    # Helpers.

    def converse(self, fn, *args, timeout=60):
        """Run fn(*args) in the client namespace (a child process); its
        assertion errors fail this test."""
        try:
            return in_netns(self.tb.client, fn, *args, timeout=timeout)
        except RuntimeError as e:
            if "AssertionError" in str(e):
                self.fail(str(e))
            raise

    def peer(self, dport, sport, iss, **kw):
        return Peer(self.env, dport, sport, iss, **kw)

    def stats(self):
        return self.gw.tcp_stats()

    def moved(self, before, names=None):
        after = self.stats()
        keys = names or [k for k in after if isinstance(after[k], int)]
        return {k: after[k] - before[k] for k in keys if after[k] != before[k]}

    def assert_moved(self, before, expect, wait=2.0):
        """Counters in expect moved by exactly that much (waiting a little
        for the worker), a value of None: by at least one."""
        def ok():
            d = self.moved(before)
            return all((d.get(k, 0) >= 1) if v is None else d.get(k, 0) == v
                       for k, v in expect.items())
        wait_for(ok, wait, 0.05)
        d = self.moved(before)
        for k, v in expect.items():
            if v is None:
                self.assertGreaterEqual(d.get(k, 0), 1, f"{k} did not move: {d}")
            else:
                self.assertEqual(d.get(k, 0), v, f"{k}: {d}")
        return d

    def conn_line(self, sport):
        for line in self.gw.tcp_conns():
            lport, rport = line.split()[0].split(":")
            if int(rport) == sport:
                return line
        return None

    def assert_state(self, sport, state, timeout=2.0):
        wait_for(lambda: (self.conn_line(sport) or "").split()[1:2] == [state], timeout, 0.05)
        line = self.conn_line(sport)
        self.assertIsNotNone(line, f"no connection from port {sport}")
        self.assertEqual(line.split()[1], state, line)

    def assert_gone(self, sport, timeout=2.0):
        wait_for(lambda: self.conn_line(sport) is None, timeout, 0.05)
        self.assertIsNone(self.conn_line(sport))

    def echo_works(self, p, msg=b"still here"):
        """Echo round trip on an established connection to port 7."""
        start = p.rcv_nxt
        p.request(msg, wait_ack=False)
        s = p.expect(lambda s: s.data and s.seq == start, what="echoed data")
        self.assertEqual(s.data, msg)
        self.assertEqual(s.ack, p.snd_nxt)
        p.rcv_nxt = seq_add(start, len(s.data))
        p.send(ACK)

    # RSTs for segments without a connection (RFC 9293 3.10.7.1).

    def test_01_syn_to_closed_port(self):
        def run():
            p = self.peer(CLOSED_PORT, 40001, 1000)
            before = self.stats()
            p.send(SYN, seq=1000, opts=DEFAULT_OPTS)
            r = p.expect(lambda s: True, what="RST")
            self.assertEqual(r.flags, RST | ACK, r)
            self.assertEqual((r.seq, r.ack, r.win, r.data), (0, 1001, 0, b""), r)
            # A SYN with data: the RST acks the data as well.
            p.send(SYN, seq=5000, data=b"hello")
            r = p.expect(lambda s: True, what="RST")
            self.assertEqual((r.flags, r.seq, r.ack), (RST | ACK, 0, 5006), r)
            self.assert_moved(before, {"rx_no_conn": 2, "rst_sent": 2, "syn_rcvd": 0})
            self.assertEqual(p.drain(0.3), [])
        self.converse(run)

    def test_02_ack_and_rst_to_closed_port(self):
        def run():
            p = self.peer(CLOSED_PORT, 40002, 2000)
            before = self.stats()
            p.send(ACK, seq=2000, ack=777777)
            r = p.expect(lambda s: True, what="RST")
            self.assertEqual((r.flags, r.seq, r.ack), (RST, 777777, 0), r)
            # A FIN|ACK with data: still seq = our ack, no ACK bit.
            p.send(FIN | ACK, seq=3000, ack=0x80000001, data=b"abc")
            r = p.expect(lambda s: True, what="RST")
            self.assertEqual((r.flags, r.seq), (RST, 0x80000001), r)
            # A RST is never answered.
            p.send(RST | ACK, seq=4000, ack=1)
            p.send(RST, seq=4000)
            self.assertEqual(p.drain(0.3), [])
            self.assert_moved(before, {"rx_no_conn": 4, "rst_sent": 2})
            # An ACK to a listener that is no valid SYN cookie: RST as well.
            before = self.stats()
            q = self.peer(DISCARD, 40003, 5000)
            q.send(ACK, seq=5000, ack=123456)
            r = q.expect(lambda s: True, what="RST")
            self.assertEqual((r.flags, r.seq), (RST, 123456), r)
            self.assert_moved(before, {"syncookies_bad": 1, "rx_listen": 1, "rst_sent": 1,
                                       "accepted": 0})
        self.converse(run)

    # RFC 5961 3: RSTs on a connection.

    def test_03_rst_out_of_window_ignored(self):
        def run():
            p = self.peer(ECHO, 40010, 10000)
            p.connect()
            self.assert_state(40010, "ESTABLISHED")
            before = self.stats()
            for off in (RCVBUF + 1000, 0x40000000, (-5000) & 0xFFFFFFFF):
                p.send(RST, seq=seq_add(p.snd_nxt, off))
            p.send(RST | ACK, seq=seq_add(p.snd_nxt, 0x7FFF0000))
            self.assertEqual(p.drain(0.3), [])
            self.assert_moved(before, {"rst_bad": 4, "rst_rcvd": 0, "rst_challenge": 0})
            self.assert_state(40010, "ESTABLISHED")
            self.echo_works(p)
            p.abort()
            self.assert_gone(40010)
        self.converse(run)

    def test_04_rst_in_window_challenged(self):
        def run():
            p = self.peer(ECHO, 40011, 11000)
            p.connect()
            before = self.stats()
            p.send(RST, seq=seq_add(p.snd_nxt, 100))
            a = p.expect(lambda s: True, what="challenge ACK")
            self.assertEqual(a.flags, ACK, a)
            self.assertEqual((a.seq, a.ack, a.data), (p.rcv_nxt, p.snd_nxt, b""), a)
            # The last byte of the window we advertised: still in it, still
            # challenged. That ACK advertised the whole buffer, scaled.
            self.assertEqual(a.win << p.gw_ws, RCVBUF, a)
            p.send(RST | ACK, seq=seq_add(p.snd_nxt, RCVBUF - 1))
            a = p.expect(lambda s: True, what="challenge ACK")
            self.assertEqual((a.flags, a.ack), (ACK, p.snd_nxt), a)
            self.assert_moved(before, {"rst_challenge": 2, "rst_rcvd": 0, "rst_bad": 0})
            self.assert_state(40011, "ESTABLISHED")
            self.echo_works(p)
            p.abort()
        self.converse(run)

    def test_05_exact_rst_resets(self):
        def run():
            p = self.peer(ECHO, 40012, 12000)
            p.connect()
            self.echo_works(p, b"x")
            self.assert_state(40012, "ESTABLISHED")
            before = self.stats()
            p.send(RST, seq=p.snd_nxt)
            self.assertEqual(p.drain(0.3), [])
            self.assert_moved(before, {"rst_rcvd": 1, "rst_challenge": 0, "closed": 1})
            self.assert_gone(40012)
            # The connection is gone: what follows is answered with a RST.
            p.send(ACK, data=b"late")
            r = p.expect(lambda s: True, what="RST")
            self.assertEqual((r.flags, r.seq), (RST, p.rcv_nxt), r)
        self.converse(run)

    # RFC 5961 4: a SYN on a synchronised connection.

    def test_06_syn_in_established_challenged(self):
        def run():
            p = self.peer(ECHO, 40013, 13000)
            p.connect()
            before = self.stats()
            # A new SYN in the window (e.g. the peer restarted) and one
            # at exactly rcv_nxt: challenge ACKs, no reset.
            for seq in (seq_add(p.snd_nxt, 500), p.snd_nxt):
                p.send(SYN, seq=seq, opts=DEFAULT_OPTS)
                a = p.expect(lambda s: True, what="challenge ACK")
                self.assertEqual(a.flags, ACK, a)
                self.assertEqual((a.seq, a.ack), (p.rcv_nxt, p.snd_nxt), a)
            self.assert_moved(before, {"syn_challenge": 2, "rst_sent": 0, "closed": 0,
                                       "syn_rcvd": 0})
            self.assert_state(40013, "ESTABLISHED")
            self.echo_works(p)
            p.abort()
        self.converse(run)

    # Window: trimming, zero window, window update.

    def test_07_data_beyond_window_trimmed(self):
        def run():
            p = self.peer(DISCARD, 40020, 20000)
            sa = p.connect()
            self.assertEqual(sa.opts.get("WScale"), 3, sa)
            self.assertIn("SAckOK", sa.opts)
            # One byte: the (delayed) ACK tells the scaled window.
            p.request(b"x", wait_ack=False)
            a = p.expect(lambda s: s.ack == p.snd_nxt, what="ACK of one byte")
            edge = seq_add(a.ack, a.win << p.gw_ws)
            self.assertEqual(a.win << p.gw_ws, RCVBUF, a)
            before = self.stats()
            # 1000 bytes from 400 before the right edge: 600 are trimmed,
            # 400 queued out of order, SACKed up to the edge exactly.
            start = seq_add(edge, -400)
            p.send(ACK, seq=start, data=stream_bytes(0, 1000))
            a = p.expect(lambda s: True, what="duplicate ACK with SACK")
            self.assertEqual((a.flags, a.ack), (ACK, p.snd_nxt), a)
            self.assertEqual(a.opts.get("SAck"), (start, edge), a)
            self.assert_moved(before, {"seg_trimmed": 1, "ooo_queued": 1,
                                       "seg_out_of_window": 0})
            line = self.conn_line(40020)
            self.assertIn(" ooo=400 ", line)
            # Wholly beyond the window: not acceptable, ACKed, not queued.
            before = self.stats()
            p.send(ACK, seq=seq_add(edge, 100), data=b"y" * 100)
            a = p.expect(lambda s: True, what="ACK")
            self.assertEqual((a.flags, a.ack), (ACK, p.snd_nxt), a)
            self.assert_moved(before, {"seg_out_of_window": 1, "ooo_queued": 0,
                                       "seg_trimmed": 0})
            p.abort()
        self.converse(run)

    def test_08_overlap_on_the_left_trimmed(self):
        def run():
            p = self.peer(ECHO, 40021, 21000)
            p.connect()
            self.echo_works(p, b"abcdef")
            before = self.stats()
            # "defghi" from the 'd': only "ghi" is new and echoed.
            start = p.rcv_nxt
            p.send(ACK | PSH, seq=seq_add(p.snd_nxt, -3), data=b"defghi")
            p.snd_nxt = seq_add(p.snd_nxt, 3)
            s = p.expect(lambda s: s.data, what="echo")
            self.assertEqual((s.seq, s.data, s.ack), (start, b"ghi", p.snd_nxt), s)
            p.rcv_nxt = seq_add(start, 3)
            p.send(ACK)
            # Entirely old data: not acceptable (RFC 9293 3.10.7.4), ACKed,
            # nothing echoed.
            p.send(ACK, seq=seq_add(p.snd_nxt, -6), data=b"defghi")
            a = p.expect(lambda s: True, what="ACK of duplicate")
            self.assertEqual((a.ack, a.data), (p.snd_nxt, b""), a)
            self.assertEqual(p.drain(0.2), [])
            self.assert_moved(before, {"bytes_in": 3, "seg_out_of_window": 1, "dup_data": 0})
            # Old data with a new FIN: acceptable for the FIN; the data is
            # a duplicate (dup_data), the FIN is taken and echo closes.
            b = self.stats()
            p.send(FIN | ACK, seq=seq_add(p.snd_nxt, -3), data=b"ghi")
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            f = p.expect(lambda s: s.has(FIN), what="FIN")
            self.assertEqual((f.seq, f.ack, f.data), (p.rcv_nxt, p.snd_nxt, b""), f)
            self.assert_moved(b, {"dup_data": 1, "bytes_in": 0})
            self.assert_state(40021, "LAST_ACK")
            p.abort()
        self.converse(run)

    def test_09_zero_window_and_window_update(self):
        """Echo with a peer that advertises window 0: the gateway's send
        buffer fills, echo stops reading, the gateway's window closes (the
        last segment is trimmed to it); the gateway probes our zero
        window; when we open it everything comes back, with a window
        update from the gateway once echo reads again."""
        def run():
            p = self.peer(ECHO, 40030, 30000)
            sa = p.connect(opts=[("MSS", 1460), ("WScale", 7)], ack_win=0)
            self.assertEqual(sa.win, 65535)
            ws = p.gw_ws
            base = p.snd_nxt
            una = nxt = base
            edge = seq_add(base, sa.win)
            before = self.stats()
            probes = []
            last_progress = time.time()
            deadline = time.time() + 30
            mss = 1448
            # Send as a well-behaved sender until the window is below one
            # segment; go back N on loss.
            while True:
                self.assertLess(time.time(), deadline, f"fill stuck: una {una - base}")
                burst = 0
                while burst < 32 and not seq_lt(edge, seq_add(nxt, mss)):
                    p.send(ACK, seq=nxt, win=0, data=stream_bytes(nxt - base, mss))
                    nxt = seq_add(nxt, mss)
                    burst += 1
                for s in p.drain(0.01 if burst else 0.05):
                    if s.data:
                        probes.append(s)
                    if s.has(ACK) and seq_lt(una, s.ack):
                        una = s.ack
                        last_progress = time.time()
                    if s.has(ACK):
                        e = seq_add(s.ack, s.win << ws)
                        if seq_lt(edge, e):
                            edge = e
                if una == nxt and seq_lt(seq_add(edge, -mss), nxt):
                    break
                if una != nxt and time.time() - last_progress > 0.3:
                    nxt = una
                    last_progress = time.time()
            room = (edge - nxt) & 0xFFFFFFFF
            filled = (nxt - base) & 0xFFFFFFFF
            self.assertGreater(filled, 2 * RCVBUF - 2 * mss)
            self.assertTrue(0 < room < mss, room)
            line = self.conn_line(40030)
            self.assertIn(f" rcvq={RCVBUF - room} ", line)
            # A full segment into the last `room` bytes: trimmed, and the
            # ACK covers only what fitted, with a zero window.
            before_trim = self.stats()
            p.send(ACK, seq=nxt, win=0, data=stream_bytes(filled, mss))
            a = p.expect(lambda s: s.has(ACK) and s.ack != nxt, what="ACK of trimmed data")
            self.assertEqual((a.ack, a.win), (seq_add(nxt, room), 0), a)
            nxt = seq_add(nxt, room)
            filled += room
            self.assert_moved(before_trim, {"seg_trimmed": 1, "bytes_in": room})
            # Nothing fits now: a byte is not acceptable, and ACKed.
            b = self.stats()
            p.send(ACK, seq=nxt, win=0, data=b"z")
            a = p.expect(lambda s: s.has(ACK) and not s.data, what="ACK of zero window")
            self.assertEqual((a.ack, a.win), (nxt, 0), a)
            self.assert_moved(b, {"seg_out_of_window": 1, "bytes_in": 0})
            # The gateway probes our zero window with one byte.
            if not probes:
                probes.append(p.expect(lambda s: s.data, timeout=4, what="zero-window probe"))
            self.assertEqual((probes[0].seq, len(probes[0].data)), (p.rcv_nxt, 1), probes[0])
            self.assertEqual(probes[0].data, stream_bytes(0, 1))
            self.assert_moved(before, {"zero_window_probes": None})
            # Open our window: everything echoed comes back, and once echo
            # reads again the gateway's window opens (window update).
            p.snd_nxt = nxt
            b = self.stats()
            p.send(ACK, win=65535)
            data = p.receive(filled, timeout=20)
            self.assertEqual(len(data), filled)
            self.assertTrue(data == stream_bytes(0, filled), "echoed bytes differ")
            upd = [s for s in p.rx if s.t > a.t and s.ack == nxt and s.win > 0]
            self.assertTrue(upd, "no window update from the gateway")
            self.assertEqual(upd[0].win << ws, RCVBUF, upd[0])
            self.assert_moved(b, {"window_updates": None})
            # Close: our FIN, echo closes too.
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            f = p.expect(lambda s: s.has(FIN), what="FIN")
            self.assertEqual(f.ack, p.snd_nxt, f)
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(ACK)
            self.assert_gone(40030)
        self.converse(run, timeout=90)

    # FIN in every state that receives one.

    def test_10_fin_in_syn_received(self):
        def run():
            p = self.peer(ECHO, 40040, 40000)
            before = self.stats()
            p.send(SYN, seq=p.iss, opts=DEFAULT_OPTS)
            sa = p.expect(lambda s: s.has(SYN | ACK), what="SYN-ACK")
            self.assert_state(40040, "SYN_RECEIVED")
            p.snd_nxt, p.rcv_nxt = seq_add(p.iss, 1), seq_add(sa.seq, 1)
            # A FIN without ACK is dropped (RFC 9293 3.10.7.4, fifth check).
            p.send(FIN, ack=0)
            self.assertEqual(p.drain(0.3), [])
            self.assert_state(40040, "SYN_RECEIVED")
            # FIN|ACK completing the handshake: established, then closed
            # by the peer; echo closes in turn.
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            f = p.expect(lambda s: s.has(FIN), what="FIN")
            self.assertEqual((f.seq, f.ack), (p.rcv_nxt, p.snd_nxt), f)
            self.assert_state(40040, "LAST_ACK")
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(ACK)
            self.assert_gone(40040)
            self.assert_moved(before, {"accepted": 1, "closed": 1, "time_wait": 0})
        self.converse(run)

    def test_11_fin_in_established_and_last_ack(self):
        def run():
            p = self.peer(ECHO, 40041, 41000)
            p.connect()
            self.echo_works(p, b"hi")
            before = self.stats()
            # A FIN without ACK is dropped.
            p.send(FIN, ack=0)
            self.assertEqual(p.drain(0.3), [])
            self.assert_state(40041, "ESTABLISHED")
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            f = p.expect(lambda s: s.has(FIN), what="FIN")
            acks = [s for s in p.rx if s.ack == p.snd_nxt]
            self.assertTrue(acks, "FIN not ACKed")
            self.assertEqual((f.seq, f.ack, f.data), (p.rcv_nxt, p.snd_nxt, b""), f)
            self.assert_state(40041, "LAST_ACK")
            # Our FIN again (our ACK of it was lost, say): ACKed again.
            b = self.stats()
            p.send(FIN | ACK, seq=seq_add(p.snd_nxt, -1))
            a = p.expect(lambda s: s.ack == p.snd_nxt, what="ACK of the FIN again")
            self.assertTrue(a.has(ACK), a)
            self.assert_moved(b, {"seg_out_of_window": 1})
            self.assert_state(40041, "LAST_ACK")
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(ACK)
            self.assert_gone(40041)
            self.assert_moved(before, {"closed": 1, "time_wait": 0})
        self.converse(run)

    def test_12_fin_in_close_wait(self):
        """Our FIN while the gateway still has data queued (our window is
        zero): CLOSE_WAIT until the data and its FIN go out."""
        def run():
            p = self.peer(SOURCE, 40042, 42000)
            p.connect()
            p.win = 0
            p.request(b"100\n")
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            a = p.expect(lambda s: s.ack == p.snd_nxt, what="ACK of FIN")
            self.assertFalse(a.has(FIN), a)
            self.assert_state(40042, "CLOSE_WAIT")
            self.assertIn(" sndq=100 ", self.conn_line(40042))
            # The retransmitted FIN in CLOSE_WAIT is ACKed again.
            p.send(FIN | ACK, seq=seq_add(p.snd_nxt, -1))
            p.expect(lambda s: s.ack == p.snd_nxt and not s.data, what="ACK of FIN again")
            p.win = 65535
            p.send(ACK)
            data = p.receive(100, fin=True)
            self.assertEqual(data, pattern(0, 100))
            self.assert_gone(40042)
        self.converse(run)

    def _source_close_first(self, p, n=100):
        """Ask source for n bytes and collect them and its FIN without
        ACKing anything; returns the FIN segment."""
        p.connect()
        p.request(b"%d\n" % n, wait_ack=False)
        f = p.expect(lambda s: s.has(FIN), what="FIN of source")
        got = b"".join(s.data for s in sorted(
            {s.seq: s for s in p.rx if s.data}.values(), key=lambda s: s.seq))
        self.assertEqual(got, pattern(0, n))
        self.assertEqual(f.seq, seq_add(p.rcv_nxt, n), f)
        return f

    def test_13_fin_in_fin_wait_2_and_time_wait(self):
        def run():
            p = self.peer(SOURCE, 40043, 43000)
            before = self.stats()
            f = self._source_close_first(p)
            self.assert_state(40043, "FIN_WAIT_1")
            # ACK the data and FIN: FIN_WAIT_2.
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(ACK)
            self.assert_state(40043, "FIN_WAIT_2")
            self.assertEqual(p.drain(0.2), [])
            # Our FIN: ACKed, TIME_WAIT.
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            a = p.expect(lambda s: True, what="ACK of FIN")
            self.assertEqual((a.flags, a.seq, a.ack), (ACK, p.rcv_nxt, p.snd_nxt), a)
            self.assert_state(40043, "TIME_WAIT")
            self.assert_moved(before, {"time_wait": 1})
            # Retransmitted FIN in TIME_WAIT: ACKed again, still TIME_WAIT.
            for _ in range(2):
                p.send(FIN | ACK, seq=seq_add(p.snd_nxt, -1))
                a = p.expect(lambda s: True, what="ACK in TIME_WAIT")
                self.assertEqual((a.flags, a.seq, a.ack), (ACK, p.rcv_nxt, p.snd_nxt), a)
            self.assert_state(40043, "TIME_WAIT")
            self.assert_moved(before, {"time_wait": 1, "rst_sent": 0})
        self.converse(run)

    def test_14_fin_in_fin_wait_1(self):
        """Our FIN|ACK acking everything the gateway sent, FIN included,
        arrives in FIN_WAIT_1: straight to TIME_WAIT."""
        def run():
            p = self.peer(SOURCE, 40044, 44000)
            before = self.stats()
            f = self._source_close_first(p)
            self.assert_state(40044, "FIN_WAIT_1")
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            a = p.expect(lambda s: s.ack == p.snd_nxt, what="ACK of FIN")
            self.assertEqual(a.flags, ACK, a)
            self.assert_state(40044, "TIME_WAIT")
            self.assert_moved(before, {"time_wait": 1})
        self.converse(run)

    def test_15_simultaneous_close_closing(self):
        def run():
            p = self.peer(SOURCE, 40045, 45000)
            before = self.stats()
            f = self._source_close_first(p)
            # Our FIN crosses theirs: it acks their data but not their FIN.
            p.rcv_nxt = f.seq
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            a = p.expect(lambda s: s.ack == p.snd_nxt, what="ACK of FIN")
            self.assert_state(40045, "CLOSING")
            # Their FIN is still owed an ACK: they retransmit it (RTO), or
            # we ACK it now and they go to TIME_WAIT.
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(ACK)
            self.assert_state(40045, "TIME_WAIT")
            self.assert_moved(before, {"time_wait": 1})
            # A retransmitted FIN is ACKed in TIME_WAIT.
            p.send(FIN | ACK, seq=seq_add(p.snd_nxt, -1))
            a = p.expect(lambda s: s.ack == p.snd_nxt and s.seq == p.rcv_nxt,
                         what="ACK in TIME_WAIT")
            self.assertEqual(a.flags, ACK, a)
        self.converse(run)

    def test_15b_time_wait_restarted_by_fin(self):
        """RFC 9293 3.10.7.4 (eighth check), TIME-WAIT: a retransmitted FIN
        is acknowledged and the 2 MSL timeout restarted."""
        def run():
            p = self.peer(SOURCE, 40046, 46000)
            before = self.stats()
            f = self._source_close_first(p)
            p.rcv_nxt = seq_add(f.seq, 1)
            p.send(FIN | ACK)
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            p.expect(lambda s: s.ack == p.snd_nxt, what="ACK of FIN")
            t0 = time.time()
            self.assert_state(40046, "TIME_WAIT")
            time.sleep(TIME_WAIT_MS / 1000 * 0.6)
            p.send(FIN | ACK, seq=seq_add(p.snd_nxt, -1))
            a = p.expect(lambda s: True, what="ACK in TIME_WAIT")
            self.assertEqual((a.flags, a.ack), (ACK, p.snd_nxt), a)
            t1 = time.time()
            # Past the first deadline, before the restarted one.
            time.sleep(max(0.0, t0 + TIME_WAIT_MS / 1000 * 1.25 - time.time()))
            line = self.conn_line(40046)
            self.assertIsNotNone(line, "TIME_WAIT ended %.1fs after it began, %.1fs after "
                                 "the retransmitted FIN: its timer was not restarted"
                                 % (time.time() - t0, time.time() - t1))
            self.assertIn(" TIME_WAIT ", line)
            # And it does end.
            self.assert_gone(40046, timeout=TIME_WAIT_MS / 1000)
            self.assert_moved(before, {"time_wait": 1, "closed": None})
        self.converse(run)

    # Options with bad lengths (the SYN is still handled; parsing stops).

    def _handshake_with(self, sport, raw, bad, ws=None, sack=None, mss_check=None):
        p = self.peer(ECHO if mss_check is None else SOURCE, sport, sport * 1000)
        before = self.stats()
        sa = p.connect(raw_opts=raw)
        self.assert_moved(before, {"rx_bad_options": 1 if bad else 0, "syn_rcvd": 1})
        if ws is not None:
            self.assertEqual("WScale" in sa.opts, ws, sa)
        if sack is not None:
            self.assertEqual("SAckOK" in sa.opts, sack, sa)
        self.assert_state(sport, "ESTABLISHED")
        if mss_check is None:
            self.echo_works(p, b"options %d" % sport)
        else:
            p.request(b"2000\n", wait_ack=False)
            s = p.expect(lambda s: s.data, what="data")
            self.assertEqual(len(s.data), mss_check, s)
        p.abort()
        self.assert_gone(sport)
        return sa

    def test_16_malformed_options(self):
        mss = b"\x02\x04\x05\xb4"
        cases = [
            # (name, raw options, counted as bad, window scale seen, SACK seen)
            ("length 0", mss + b"\x03\x00\x07\x00", True, False, None),
            ("length 1", mss + b"\x04\x01\x01\x01", True, False, False),
            ("past the header", mss + b"\x01\x03\x03\x07" + b"\x08\x0a\x00\x00", True, True,
             None),
            ("0xff garbage", b"\xff" * 40, True, False, False),
            ("all NOPs", b"\x01" * 40, False, False, False),
            ("EOL then garbage", mss + b"\x00\xff\x00\x05", False, False, False),
            ("unknown kind", b"\x63\x06abcd\x01\x01" + mss + b"\x04\x02\x01\x01", False, False,
             True),
            ("SACK-permitted of length 3", b"\x04\x03\x00\x01" + mss, False, False, False),
        ]

        def run():
            failed = []
            for i, (name, raw, bad, ws, sack) in enumerate(cases):
                try:
                    self._handshake_with(40050 + i, raw, bad, ws=ws, sack=sack)
                except AssertionError as e:
                    failed.append(f"{name}: {e}")
            self.assertEqual(failed, [])
        self.converse(run)

    def test_17_mss_of_length_3_ignored(self):
        # MSS with length 3: not an MSS (RFC 9293 3.2: length 4); the
        # default of 536 applies (RFC 9293 3.7.1).
        def run():
            self._handshake_with(40060, b"\x02\x03\x05\x01", False, mss_check=536)
        self.converse(run)

    def test_18_window_scale_200_clamped(self):
        # RFC 7323 2.3: a shift above 14 is used as 14.
        def run():
            p = self.peer(SOURCE, 40061, 61000)
            before = self.stats()
            sa = p.connect(opts=[("MSS", 1460), ("WScale", 200)], ack_win=1)
            self.assertEqual(sa.opts.get("WScale"), 3, sa)
            self.assert_moved(before, {"rx_bad_options": 0})
            p.win = 1  # 1 << 14 = 16384 bytes
            p.request(b"30000\n", wait_ack=False)
            segs = p.drain(0.5)
            sent = sum(len(s.data) for s in segs)
            # Scaled by 14, the window lets the initial cwnd out (10 MSS),
            # never more than 16384; unscaled it would be one byte.
            self.assertGreater(sent, 10000, segs)
            self.assertLessEqual(sent, 16384, segs)
            p.abort()
        self.converse(run)

    def test_19_bad_options_on_established_segments(self):
        def run():
            p = self.peer(ECHO, 40062, 62000)
            p.connect()
            before = self.stats()
            start = p.rcv_nxt
            # Timestamp option of length 1 on a data segment: parsing
            # stops, the data is delivered.
            p.send(ACK | PSH, raw_opts=b"\x01\x01\x08\x01", data=b"opt")
            p.snd_nxt = seq_add(p.snd_nxt, 3)
            s = p.expect(lambda s: s.data, what="echo")
            self.assertEqual((s.seq, s.data), (start, b"opt"))
            p.rcv_nxt = seq_add(start, 3)
            # SACK blocks of a length not 2 + 8n, and one past the header.
            p.send(ACK, raw_opts=b"\x05\x07" + b"\0" * 5 + b"\x00")
            p.send(ACK, raw_opts=b"\x01\x01\x05\x22" + b"\0" * 8)
            # SACK blocks beyond what was sent, and reversed.
            blk = struct.pack("!II", seq_add(p.rcv_nxt, 5000), seq_add(p.rcv_nxt, 9000))
            rev = struct.pack("!II", seq_add(p.rcv_nxt, 9000), seq_add(p.rcv_nxt, 5000))
            p.send(ACK, raw_opts=b"\x01\x01\x05\x12" + blk + rev)
            self.assert_moved(before, {"rx_bad_options": 2, "rst_sent": 0})
            self.assert_state(40062, "ESTABLISHED")
            self.echo_works(p)
            p.abort()
        self.converse(run)

    # RFC 5961 5 and RFC 9293 3.10.7.4: the ACK field.

    def test_21_ack_out_of_range(self):
        def run():
            p = self.peer(ECHO, 40080, 80000)
            p.connect()
            self.echo_works(p, b"first")
            una = p.rcv_nxt
            before = self.stats()
            # Acking data never sent: ACK, drop (the data is not taken).
            p.send(ACK | PSH, ack=seq_add(una, 5000), data=b"new")
            a = p.expect(lambda s: True, what="ACK")
            self.assertEqual((a.flags, a.seq, a.ack, a.data), (ACK, una, p.snd_nxt, b""), a)
            self.assert_moved(before, {"ack_too_new": 1, "bytes_in": 0})
            # Older than SND.UNA - MAX.SND.WND (65535 << 7 here): a
            # challenge ACK, the segment is dropped.
            b = self.stats()
            p.send(ACK | PSH, ack=seq_add(una, -(65535 << 7) - 1000), data=b"old")
            a = p.expect(lambda s: True, what="challenge ACK")
            self.assertEqual((a.flags, a.seq, a.ack, a.data), (ACK, una, p.snd_nxt, b""), a)
            self.assert_moved(b, {"ack_challenge": 1, "bytes_in": 0})
            self.assertEqual(p.drain(0.2), [])
            # A duplicate ACK within that range is fine: the data goes in.
            p.send(ACK | PSH, ack=seq_add(una, -1000), data=b"dup")
            p.snd_nxt = seq_add(p.snd_nxt, 3)
            s = p.expect(lambda s: s.data, what="echo")
            self.assertEqual((s.seq, s.data, s.ack), (una, b"dup", p.snd_nxt), s)
            p.rcv_nxt = seq_add(una, 3)
            self.assert_state(40080, "ESTABLISHED")
            p.abort()
        self.converse(run)

    # Windows: what the peer advertised bounds what is in flight; what we
    # advertised bounds what we take (issue 11, section 1).

    def test_22_window_below_mss_bounds_flight(self):
        """A peer without window scaling advertises 1,000 bytes, in its SYN
        and in every segment, and withholds its ACKs: at most 1,000 bytes
        are ever in flight, first transmissions and retransmissions alike;
        as it ACKs, the rest comes 1,000 at a time."""
        def run():
            p = self.peer(ECHO, 40090, 90000, win=1000)
            sa = p.connect(opts=[("MSS", 1460)])
            self.assertNotIn("WScale", sa.opts, sa)
            base = p.rcv_nxt
            before = self.stats()
            for i in range(3):
                p.request(stream_bytes(i * 1000, 1000), wait_ack=False)
            segs = p.drain(2.6)  # the first transmission and an RTO (1 s)
            data = [x for x in segs if x.data]
            self.assertGreaterEqual(len(data), 2, segs)
            for x in data:
                end = (x.seq + len(x.data) - base) & 0xFFFFFFFF
                self.assertLessEqual(end, 1000, f"beyond the 1,000-byte window: {x}")
            self.assert_moved(before, {"rto": None})
            p.queue = [x for x in segs if x.data and x.seq != base]
            got = p.receive(3000, timeout=10)
            self.assertEqual(got, stream_bytes(0, 3000))
            p.abort()
            self.assert_gone(40090)
        self.converse(run)

    def test_23_window_update_restarts_sending(self):
        """Echo data waits behind the peer's zero window; the gateway
        probes; the peer leaves the probes' byte unacknowledged and then
        opens its window with an ACK of the same SND.UNA: all 3,000 bytes
        arrive in order at once, from that byte on (a receiver that keeps
        nothing out of order has nothing to wait for), well before the
        backed-off RTO."""
        def run():
            p = self.peer(ECHO, 40091, 91000)
            p.connect(opts=[("MSS", 1460)], ack_win=0)
            p.win = 0
            for i in range(3):
                p.request(stream_bytes(i * 1000, 1000), wait_ack=False)
            # Two probes, each answered without taking its byte: the RTO
            # has backed off to 4 s by now.
            for _ in range(2):
                probe = p.expect(lambda x: x.data, timeout=5, what="zero-window probe")
                self.assertEqual((probe.seq, len(probe.data)), (p.rcv_nxt, 1), probe)
                p.send(ACK, win=0)
            p.win = 65535
            t0 = time.time()
            p.send(ACK)
            got = bytearray()
            while len(got) < 3000:
                left = 1.0 - (time.time() - t0)
                x = p.expect(lambda x: x.data and x.seq == p.rcv_nxt, timeout=max(left, 0.01),
                             what=f"in-order data at {len(got)} of 3,000 bytes within 1 s")
                got += x.data
                p.rcv_nxt = seq_add(p.rcv_nxt, len(x.data))
                p.send(ACK)
            self.assertEqual(bytes(got), stream_bytes(0, 3000))
            p.abort()
            self.assert_gone(40091)
        self.converse(run)

    def test_24_rst_outside_advertised_window_dropped(self):
        """Right after the handshake the gateway has advertised 65,535
        bytes (a SYN's window is never scaled), though its buffer holds
        more: an RST beyond that edge, before RCV.NXT, or before RCV.NXT
        carrying data that reaches into the window is dropped unanswered
        (RFC 5961 3.2); one inside it but not exact is challenged."""
        def run():
            p = self.peer(ECHO, 40092, 92000)
            sa = p.connect()
            self.assertEqual(sa.win, 65535)
            before = self.stats()
            p.send(RST, seq=seq_add(p.snd_nxt, 65535 + 100))
            p.send(RST, seq=seq_add(p.snd_nxt, 65535))
            p.send(RST, seq=seq_add(p.snd_nxt, -1))
            p.send(RST | ACK, seq=seq_add(p.snd_nxt, -10), data=b"x" * 64)
            self.assertEqual(p.drain(0.4), [])
            self.assert_moved(before, {"rst_bad": 4, "rst_challenge": 0, "rst_rcvd": 0})
            self.assert_state(40092, "ESTABLISHED")
            b = self.stats()
            p.send(RST, seq=seq_add(p.snd_nxt, 65534))
            a = p.expect(lambda x: True, what="challenge ACK")
            self.assertEqual((a.flags, a.ack), (ACK, p.snd_nxt), a)
            self.assert_moved(b, {"rst_challenge": 1})
            self.echo_works(p)
            p.abort()
            self.assert_gone(40092)
        self.converse(run)

    def test_25_data_beyond_advertised_window_not_sacked(self):
        """Data wholly beyond the window the gateway advertised (65,535
        right after the handshake) is not acceptable: an ACK of RCV.NXT
        that reports nothing of it in SACK blocks, and nothing is kept."""
        def run():
            p = self.peer(DISCARD, 40093, 93000)
            p.connect()
            before = self.stats()
            p.send(ACK, seq=seq_add(p.snd_nxt, 65535 + 1000), data=b"y" * 500)
            a = p.expect(lambda x: True, what="ACK")
            self.assertEqual((a.flags, a.ack), (ACK, p.snd_nxt), a)
            self.assertNotIn("SAck", a.opts, a)
            self.assert_moved(before, {"seg_out_of_window": 1, "ooo_queued": 0})
            self.assertIn(" ooo=0 ", self.conn_line(40093))
            p.abort()
            self.assert_gone(40093)
        self.converse(run)

    # PAWS (RFC 7323 5).

    def test_20_paws(self):
        def run():
            p = self.peer(ECHO, 40070, 70000, ts=True)
            p.ts_val = 1000
            sa = p.connect()
            self.assertIn("Timestamp", sa.opts, sa)
            self.assertEqual(sa.opts["Timestamp"][1], 1000, sa)
            p.ts_val = 2000
            self.echo_works(p, b"a")
            before = self.stats()
            # An older timestamp on the next in-order segment: dropped, ACKed.
            start = p.rcv_nxt
            p.send(ACK | PSH, data=b"b", ts=1500)
            a = p.expect(lambda s: True, what="ACK of the PAWS drop")
            self.assertEqual((a.flags, a.ack, a.data), (ACK, p.snd_nxt, b""), a)
            self.assertEqual(a.opts["Timestamp"][1], 2000, a)  # TS.Recent unchanged
            self.assertEqual(p.drain(0.3), [])
            self.assert_moved(before, {"paws_drops": 1, "bytes_in": 0})
            # The same segment with a current timestamp goes through.
            p.ts_val = 2001
            p.send(ACK | PSH, data=b"b")
            p.snd_nxt = seq_add(p.snd_nxt, 1)
            s = p.expect(lambda s: s.data, what="echo")
            self.assertEqual((s.seq, s.data), (start, b"b"))
            self.assertEqual(s.opts["Timestamp"][1], 2001, s)
            p.rcv_nxt = seq_add(start, 1)
            # A RST is not subject to PAWS; an old-timestamp in-window one
            # is challenged (not dropped by PAWS).
            b = self.stats()
            p.send(RST, seq=seq_add(p.snd_nxt, 10), ts=5)
            p.expect(lambda s: s.flags == ACK, what="challenge ACK")
            self.assert_moved(b, {"paws_drops": 0, "rst_challenge": 1})
            p.abort()
            self.assert_gone(40070)
        self.converse(run)

    # SYN flood against a backlog of 64, with a real transfer meanwhile.

    def test_zz_syn_flood(self):
        n, nbytes = 100_000, 20_000_000
        frames = syn_flood_frames(n, bytes.fromhex(self.env["gw_mac"].replace(":", "")),
                                  bytes.fromhex(self.env["my_mac"].replace(":", "")), 5)
        before = self.stats()
        legit = subprocess.Popen(["ip", "netns", "exec", self.tb.client, "/usr/bin/python3",
                                  "-c", LEGIT_CLIENT, "0.5", str(nbytes)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            f0, f1 = in_netns(self.tb.client, flood, self.tb.client_if, frames, timeout=120)
            out, err = legit.communicate(timeout=90)
        finally:
            if legit.poll() is None:
                legit.kill()
                legit.communicate()
        self.assertEqual(legit.returncode, 0, err)
        t0, t1, sent, rest = out.split()
        t0, t1 = float(t0), float(t1)
        self.assertEqual(int(sent), nbytes)
        self.assertEqual(int(rest), 0)  # EOF: the gateway took it all and closed
        print(f"\nflood {f1 - f0:.1f}s ({n / (f1 - f0):.0f} SYN/s); transfer of {nbytes} bytes "
              f"from {t0 - f0:+.1f}s to {t1 - f0:+.1f}s")
        self.assertLess(t0, f1, "the transfer did not start during the flood")
        self.assertTrue(self.gw.alive())
        d = self.moved(before)
        print("tcp counters moved:", {k: d[k] for k in sorted(d)})
        self.assertGreater(d.get("syn_backlog_full", 0), n // 2, d)
        self.assertGreater(d.get("syncookies_sent", 0), n // 2, d)
        self.assertEqual(d.get("syncookies_sent", 0), d.get("syn_backlog_full", 0), d)
        # The real client met the full backlog too: its cookie was good.
        self.assertGreaterEqual(d.get("syncookies_ok", 0), 1, d)
        self.assertGreaterEqual(d.get("bytes_in", 0), nbytes, d)
        # The backlog's 64 half-open connections remain (SYN-ACK retries).
        def half_open():
            s = self.stats()
            return s["connections_open"] - before["connections_open"] - (s["connections_time_wait"] - before["connections_time_wait"])
        wait_for(lambda: half_open() == 64, 3)
        self.assertEqual(half_open(), 64)
        # Still serving.
        r = self.tb.run(self.tb.client, "/usr/bin/python3", "-c",
                        "import socket; s = socket.create_connection(('198.18.0.1', 7), 5); "
                        "s.sendall(b'after'); print(s.recv(10).decode())")
        self.assertEqual(r.stdout.strip(), "after", r.stderr)
        self.assertTrue(self.tb.ping(self.tb.client, GW_IP, count=2))


if __name__ == "__main__":
    sltest.main()
