#!/usr/bin/env python3
"""The user-space TCP stack against the Linux kernel's in the client namespace:
byte-exact transfers both ways through the echo, source and discard services
(1 KB, 1 MB, 256 MB; sha256 compared), 1,000 concurrent connections, 10,000
short connections with no state left behind, and the same transfers under
random loss and duplication (nftables on the namespace side) and reordering
(the gateway's port impairment option)."""
import array
import hashlib
import os
import socket
import threading
import time
import unittest

import sltest
from sltest import Gateway, Testbed, in_netns, wait_for

GW = "198.18.0.1"
ECHO, DISCARD, SOURCE = 7, 9, 19
KB, MB = 1024, 1024 * 1024


def pattern(n):
    """What the source service sends: each 8-byte word is its index (LE)."""
    return array.array("Q", range((n + 7) // 8)).tobytes()[:n]


def recv_all(s):
    """Read until EOF; return (sha256 hex, bytes)."""
    got = hashlib.sha256()
    n = 0
    while True:
        d = s.recv(1 << 20)
        if not d:
            return got.hexdigest(), n
        got.update(d)
        n += len(d)


def echo_transfer(size, seed, timeout=120):
    """Send size pseudo-random bytes to echo; return (sent sha, received sha)."""
    import random
    rnd = random.Random(seed)
    block = rnd.randbytes(1 << 20)
    s = socket.create_connection((GW, ECHO), timeout=timeout)
    sent = hashlib.sha256()

    def writer():
        left = size
        while left > 0:
            chunk = block[:min(left, len(block))]
            s.sendall(chunk)
            sent.update(chunk)
            left -= len(chunk)
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=writer)
    t.start()
    got, n = recv_all(s)
    t.join()
    s.close()
    return sent.hexdigest(), got, n


def source_transfer(size, timeout=120):
    s = socket.create_connection((GW, SOURCE), timeout=timeout)
    s.sendall(f"{size}\n".encode())
    got, n = recv_all(s)
    s.close()
    return got, n


def discard_transfer(size, timeout=120):
    s = socket.create_connection((GW, DISCARD), timeout=timeout)
    block = bytes(range(256)) * 4096
    left = size
    while left > 0:
        s.sendall(block[:min(left, len(block))])
        left -= min(left, len(block))
    s.shutdown(socket.SHUT_WR)
    eof = s.recv(1) == b""  # the service closes after our FIN
    s.close()
    return eof


def many_concurrent(n, timeout=60):
    """n connections open at once to echo, each echoing its own message."""
    import asyncio
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def one(i, barrier):
        r, w = await asyncio.open_connection(GW, ECHO)
        await barrier.wait()  # all n are established before any talks
        msg = f"connection {i} ".encode() * 8
        w.write(msg)
        await w.drain()
        got = await r.readexactly(len(msg))
        w.close()
        await w.wait_closed()
        return got == msg

    async def main():
        barrier = asyncio.Barrier(n)
        return await asyncio.wait_for(asyncio.gather(*(one(i, barrier) for i in range(n))),
                                      timeout)
    return sum(asyncio.run(main()))


def churn(n, parallel=25, timeout=120):
    """n short connections: connect, one byte each way, close."""
    import asyncio

    async def worker(count):
        ok = 0
        for _ in range(count):
            r, w = await asyncio.open_connection(GW, ECHO)
            w.write(b"x")
            ok += await r.readexactly(1) == b"x"
            w.close()
            await w.wait_closed()
        return ok

    async def main():
        counts = [n // parallel + (i < n % parallel) for i in range(parallel)]
        return await asyncio.wait_for(asyncio.gather(*(worker(c) for c in counts)), timeout)
    return sum(asyncio.run(main()))


class Transfers(unittest.TestCase):
    """Byte-exact transfers, concurrency and churn on a clean link."""

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t3").up()
        cls.gw = Gateway(cls.tb).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def check_echo(self, size, seed=1):
        sent, got, n = in_netns(self.tb.client, echo_transfer, size, seed, timeout=300)
        self.assertEqual(n, size)
        self.assertEqual(sent, got)

    def check_source(self, size):
        got, n = in_netns(self.tb.client, source_transfer, size, timeout=300)
        self.assertEqual(n, size)
        self.assertEqual(got, hashlib.sha256(pattern(size)).hexdigest())

    def check_discard(self, size):
        before = self.gw.tcp_stats()["bytes_in"]
        self.assertTrue(in_netns(self.tb.client, discard_transfer, size, timeout=300))
        self.assertEqual(self.gw.tcp_stats()["bytes_in"] - before, size)

    def test_1kb(self):
        self.check_echo(1 * KB)
        self.check_source(1 * KB)
        self.check_discard(1 * KB)

    def test_1mb(self):
        self.check_echo(1 * MB, seed=2)
        self.check_source(1 * MB)
        self.check_discard(1 * MB)

    def test_256mb(self):
        self.check_echo(256 * MB, seed=3)
        self.check_source(256 * MB)
        self.check_discard(256 * MB)

    def test_concurrent_1000(self):
        self.assertEqual(in_netns(self.tb.client, many_concurrent, 1000, timeout=120), 1000)

    def settled(self):
        """No connection but TIME_WAITs (earlier tests' closes have finished)."""
        return wait_for(lambda: self.gw.tcp_stats()["connections_open"] == self.gw.tcp_stats()["connections_time_wait"],
                        10)

    def test_zz_churn_10000_leaves_no_state(self):
        self.assertTrue(self.settled())
        before = self.gw.tcp_stats()
        self.assertEqual(in_netns(self.tb.client, churn, 10000, timeout=300), 10000)
        # The client closes first, so these leave no TIME_WAIT state at the
        # gateway: only TIME_WAITs of earlier tests (source closes first) stay.
        settled = wait_for(lambda: self.gw.tcp_stats()["connections_open"] == before["connections_time_wait"], 10)
        s = self.gw.tcp_stats()
        self.assertTrue(settled, s)
        self.assertEqual(s["connections_time_wait"], before["connections_time_wait"])
        self.assertEqual(s["conn_objects_in_use"], s["connections_open"])
        self.assertEqual(s["closed"] - before["closed"], 10000)
        self.assertEqual(s["accepted"] - before["accepted"], 10000)
        self.assertEqual(self.gw.port_stats("front")["pool_in_use"], self.gw.idle_mbufs)


def parallel_echo(n, size, timeout=120):
    """n echo transfers of size bytes at once; returns how many came back exact."""
    results = []

    def one(i):
        sent, got, m = echo_transfer(size, i, timeout)
        results.append(sent == got and m == size)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


class MemoryPressure(unittest.TestCase):
    """A small mbuf pool and many busy connections: windows close when the
    pool runs low, and the headers and ACKs that drain it come from their own
    pool, so the worker never starves itself (SLUICE_PRESSURE_RUNS repeats)."""

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t9").up()
        # 1023 mbufs for the stack; net_tap's rx rings hold theirs on top.
        rx_rings = 2 * 64 if sltest.PORT_KIND == "tap" else 0
        cls.gw = Gateway(cls.tb, ports_extra=f"mbufs = {1023 + rx_rings}; mbuf_cache = 32;",
                         port_extra="rx_desc = 64;" if rx_rings else "").start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def test_many_echoes_with_a_small_pool(self):
        # 60 connections could be offered 256 KiB windows each: 15 MiB of
        # promises against a pool of 1023 mbufs (2 MiB).
        for run in range(int(os.environ.get("SLUICE_PRESSURE_RUNS", "1"))):
            ok = in_netns(self.tb.client, parallel_echo, 60, 4 * MB, timeout=600)
            self.assertEqual(ok, 60, (run, self.gw.tcp_stats(), self.gw.port_stats("front")))
            self.assertTrue(wait_for(lambda: self.gw.tcp_stats()["connections_open"] ==
                                     self.gw.tcp_stats()["connections_time_wait"], 10))
        s = self.gw.tcp_stats()
        port = self.gw.port_stats("front")
        # Memory did bound the windows (else this proves nothing), and they
        # closed instead of frames being lost for want of an mbuf.
        self.assertGreater(s["win_capped"], 0)
        self.assertEqual(port["rx_nombuf"], 0)
        self.assertEqual(s["no_mbuf"], 0)
        self.assertEqual(port["pool_in_use"], self.gw.idle_mbufs)
        self.assertEqual(port["ctl_pool_in_use"], 0)


def impair(tid, loss_pct, dup_pct):
    """Loss of what the gateway sends, and duplication of what it receives, by
    nftables on the namespace's device. (Loss the other way is the gateway's
    rx_drop_pct: a drop on the namespace's egress is a local send error that
    its TCP simply retries, not loss on the wire.)"""
    dev = f"{tid}-fp"
    egress = [f'type filter hook egress device "{dev}" priority 0;']
    ingress = [f'type filter hook ingress device "{dev}" priority 0;']
    if dup_pct:
        egress.append(f'ip daddr {GW} numgen random mod 100 < {dup_pct} dup to "{dev}";')
    if loss_pct:
        ingress.append(f"ip saddr {GW} numgen random mod 100 < {loss_pct} drop;")
    return ("table netdev sltest_impair {\n"
            f"  chain egress {{ {' '.join(egress)} }}\n"
            f"  chain ingress {{ {' '.join(ingress)} }}\n"
            "}\n")


class Impaired(unittest.TestCase):
    """Loss and duplication: every transfer still byte-exact."""

    gw = None

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t4").up()

    @classmethod
    def tearDownClass(cls):
        cls.tb.down()

    def with_impairment(self, loss, dup, sizes):
        self.gw = Gateway(self.tb, front_extra=f"rx_drop_pct = {loss};").start()
        try:
            return self.transfers(loss, dup, sizes)
        finally:
            self.gw.kill()

    def transfers(self, loss, dup, sizes):
        nft = impair(self.tb.id, loss, dup)
        p = sltest.sh("ip", "netns", "exec", self.tb.client, "nft", "-f", "-", input=nft,
                      check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        try:
            before = self.gw.tcp_stats()
            for size in sizes:
                sent, got, n = in_netns(self.tb.client, echo_transfer, size, size, timeout=600)
                self.assertEqual((n, sent), (size, got), f"echo {size} at {loss}% loss")
                got, n = in_netns(self.tb.client, source_transfer, size, timeout=600)
                self.assertEqual((n, got), (size, hashlib.sha256(pattern(size)).hexdigest()))
            return before, self.gw.tcp_stats()
        finally:
            self.tb.run(self.tb.client, "nft", "delete", "table", "netdev", "sltest_impair")

    def test_loss_1pct(self):
        before, after = self.with_impairment(1, 0, (1 * KB, 1 * MB, 16 * MB))
        self.assertGreater(after["retransmits"], before["retransmits"])

    def test_loss_5pct(self):
        before, after = self.with_impairment(5, 0, (1 * KB, 1 * MB, 4 * MB))
        self.assertGreater(after["retransmits"], before["retransmits"])
        self.assertGreater(after["ooo_queued"], before["ooo_queued"])

    def test_loss_10pct(self):
        before, after = self.with_impairment(10, 0, (1 * KB, 1 * MB))
        self.assertGreater(after["retransmits"], before["retransmits"])
        self.assertGreater(after["rto"] + after["fast_retransmits"],
                           before["rto"] + before["fast_retransmits"])

    def test_duplication_5pct(self):
        before, after = self.with_impairment(0, 5, (1 * KB, 1 * MB, 16 * MB))
        # Wholly old segments fail the window test; partly old ones are trimmed.
        self.assertGreater(after["seg_out_of_window"] + after["dup_data"],
                           before["seg_out_of_window"] + before["dup_data"])


def hold_open(port, seconds):
    """Connect and stay silent for `seconds`; return how the connection ended."""
    s = socket.create_connection((GW, port), timeout=seconds + 5)
    s.settimeout(seconds)
    try:
        d = s.recv(1)
        return "closed" if d == b"" else "data"
    except socket.timeout:
        return "open"
    except ConnectionResetError:
        return "reset"
    finally:
        s.close()


class Timeouts(unittest.TestCase):
    """Keepalive probes answered keep a connection; unanswered, and idle
    timeouts, end it with a reset."""

    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails half way (the second
        # gateway not starting must not leave the first one running).
        cls.tb = Testbed("t10").up()
        cls.addClassCleanup(cls.tb.down)
        tcp = sltest.DEFAULT_TCP + """
  keepalive = { enabled = true; idle_s = 1; interval_s = 1; probes = 3; };
"""
        cls.gw = Gateway(cls.tb, tcp=tcp)
        cls.addClassCleanup(cls.gw.kill)
        cls.gw.start()
        tcp_idle = sltest.DEFAULT_TCP + "  idle_timeout_s = 2;\n"
        cls.tb2 = Testbed("t11").up()
        cls.addClassCleanup(cls.tb2.down)
        cls.gw2 = Gateway(cls.tb2, tcp=tcp_idle)
        cls.addClassCleanup(cls.gw2.kill)
        cls.gw2.start()

    def test_keepalive_answered_keeps_the_connection(self):
        before = self.gw.tcp_stats()
        self.assertEqual(in_netns(self.tb.client, hold_open, DISCARD, 5, timeout=30), "open")
        after = self.gw.tcp_stats()
        self.assertGreaterEqual(after["keepalives"] - before["keepalives"], 3)
        self.assertEqual(after["timeouts"], before["timeouts"])

    def test_keepalive_unanswered_drops_the_connection(self):
        before = self.gw.tcp_stats()
        # The client goes silent: everything from the gateway is dropped.
        nft = (f'table netdev sltest_ka {{\n  chain in {{ type filter hook ingress device '
               f'"{self.tb.client_if}" priority 0; ip saddr {GW} tcp sport {DISCARD} drop; }}\n}}\n')

        def silent_client():
            import subprocess
            s = socket.create_connection((GW, DISCARD), timeout=5)
            subprocess.run(["nft", "-f", "-"], input=nft, text=True, check=True)
            time.sleep(6)
            s.close()
        try:
            in_netns(self.tb.client, silent_client, timeout=30)
        finally:
            self.tb.run(self.tb.client, "nft", "delete", "table", "netdev", "sltest_ka")
        after = self.gw.tcp_stats()
        self.assertGreater(after["timeouts"], before["timeouts"])
        self.assertGreater(after["keepalives"], before["keepalives"])

    def test_idle_timeout_resets(self):
        before = self.gw2.tcp_stats()
        self.assertEqual(in_netns(self.tb2.client, hold_open, DISCARD, 6, timeout=30), "reset")
        after = self.gw2.tcp_stats()
        self.assertEqual(after["timeouts"] - before["timeouts"], 1)


class Reordered(unittest.TestCase):
    """The gateway's own port reorders 10% of what it sends."""

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t6").up()
        cls.gw = Gateway(cls.tb, front_extra="reorder_pct = 10;").start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def test_reordering(self):
        for size in (1 * KB, 1 * MB, 16 * MB):
            sent, got, n = in_netns(self.tb.client, echo_transfer, size, 7, timeout=300)
            self.assertEqual((n, sent), (size, got))
            got, n = in_netns(self.tb.client, source_transfer, size, timeout=300)
            self.assertEqual((n, got), (size, hashlib.sha256(pattern(size)).hexdigest()))
        # About 10% of the frames (TSO sends fewer, larger ones).
        port = self.gw.port_stats("front")
        self.assertGreater(port["tx_reordered"], max(100, port["tx_packets"] // 20))


UPSTREAM_ECHO = """
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("198.19.0.2", 5001)); srv.listen(256)
def serve(c):
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def relay_echo(size, seed, port):
    global ECHO
    ECHO = port
    return echo_transfer(size, seed)


def http_get(path, port=8080):
    import http.client
    conn = http.client.HTTPConnection(GW, port, timeout=60)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, hashlib.sha256(body).hexdigest(), len(body)


def refused(port):
    """Connect to a relay whose upstream refuses: reset (or closed) at once.
    The reset may even beat the end of connect()."""
    try:
        s = socket.create_connection((GW, port), timeout=10)
    except ConnectionResetError:
        return "reset"
    try:
        s.sendall(b"hello")
        return s.recv(10)
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    finally:
        s.close()


class Relay(unittest.TestCase):
    """Active opens: the relay service, with two workers handing segments of
    flows they do not own to their owner."""

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t7").up()
        cls.big = os.urandom(64 * MB)
        with open(f"/run/sluice-testbed-{cls.tb.id}/www/64m", "wb") as f:
            f.write(cls.big)
        cls.echo = sltest.subprocess.Popen(
            ["ip", "netns", "exec", cls.tb.upstream, "/usr/bin/python3", "-c", UPSTREAM_ECHO])
        tcp = sltest.DEFAULT_TCP.replace(");", """,
    { address = "198.18.0.1"; port = 8080; service = "relay";
      upstream = "198.19.0.2"; upstream_port = 80; },
    { address = "198.18.0.1"; port = 8081; service = "relay";
      upstream = "198.19.0.2"; upstream_port = 5001; },
    { address = "198.18.0.1"; port = 8082; service = "relay";
      upstream = "198.19.0.2"; upstream_port = 5999; }
  );""")
        # Two workers on the second CPU, the management lcore on the first.
        cls.gw = Gateway(cls.tb, tcp=tcp, lcores="0@0,1@1,2@1").start()
        time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.echo.kill()
        cls.echo.wait()
        cls.tb.down()

    def test_two_workers(self):
        self.assertIn("2 worker(s)", self.gw.output)

    def test_get_64mb_through_relay(self):
        status, digest, n = in_netns(self.tb.client, http_get, "/64m", timeout=120)
        self.assertEqual((status, n), (200, 64 * MB))
        self.assertEqual(digest, hashlib.sha256(self.big).hexdigest())

    def test_echo_both_ways_through_relay(self):
        for size in (1 * KB, 1 * MB, 32 * MB):
            sent, got, n = in_netns(self.tb.client, relay_echo, size, 11, 8081, timeout=300)
            self.assertEqual((n, sent), (size, got))

    def test_many_short_relayed_requests_and_handoff(self):
        before = self.gw.tcp_stats()
        for _ in range(100):
            status, _, n = in_netns(self.tb.client, http_get, "/16k", timeout=30)
            self.assertEqual((status, n), (200, 16384))
        after = self.gw.tcp_stats()
        self.assertEqual(after["connected"] - before["connected"], 100)
        # Replies to the relay's connections land on either worker's queue
        # (af_packet's kernel fanout); those for the other worker are handed over.
        self.assertGreater(after["rx_handoff"], before["rx_handoff"])
        self.assertEqual(after["rx_handoff_full"], 0)

    def test_upstream_refused_resets_client(self):
        before = self.gw.tcp_stats()
        self.assertIn(in_netns(self.tb.client, refused, 8082, timeout=30), ("reset", b""))
        after = self.gw.tcp_stats()
        self.assertEqual(after["connect_failed"] - before["connect_failed"], 1)

    def test_zz_counters_partition(self):
        s = self.gw.tcp_stats()
        self.assertEqual(s["rx_segments"], sum(s[k] for k in (
            "rx_bad_header", "rx_bad_cksum", "rx_no_conn", "rx_listen", "rx_conn",
            "rx_handoff", "rx_handoff_full")))


if __name__ == "__main__":
    sltest.main()
