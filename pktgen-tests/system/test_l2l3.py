#!/usr/bin/env python3
"""L2/L3 on the virtual testbed against the Linux kernel in namespaces:
ping and arping of both gateway addresses, forwarding between the client and
upstream subnets, gratuitous ARP at start, neighbour resolution and ageing,
and a clean shutdown that exits 0 with its counters."""
import hashlib
import socket
import threading
import time
import unittest

import sltest
from sltest import Gateway, Testbed, in_netns, wait_for


def sniff_garp(iface, seconds):
    from scapy.all import ARP, sniff
    pkts = sniff(iface=iface, timeout=seconds, filter="arp")
    return [(p[ARP].op, p[ARP].psrc, p[ARP].pdst, p.src) for p in pkts if ARP in p]


XFER_PORT = 5001


def pattern_bytes(n, seed):
    block = hashlib.sha256(str(seed).encode()).digest() * 64
    return (block * (n // len(block) + 1))[:n]


def recv_sha(sock, n):
    """Up to n bytes from sock: (how many came, their sha256)."""
    h, got = hashlib.sha256(), 0
    while got < n:
        b = sock.recv(1 << 16)
        if not b:
            break
        h.update(b)
        got += len(b)
    return got, h.hexdigest()


def xfer_server(n):
    """Upstream side: take n bytes, send n bytes of seed 2 back; the sha of
    what came in."""
    with socket.create_server(("198.19.0.2", XFER_PORT)) as srv:
        srv.settimeout(30)
        c, _ = srv.accept()
        with c:
            c.settimeout(30)
            got = recv_sha(c, n)
            c.sendall(pattern_bytes(n, 2))
            return got


def xfer_client(n):
    with socket.create_connection(("198.19.0.2", XFER_PORT), timeout=30) as c:
        c.sendall(pattern_bytes(n, 1))
        return recv_sha(c, n)


class L2L3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("t1").up()
        # Short ARP timers so that ageing is observable within the test.
        cls.gw = Gateway(cls.tb, net_extra="arp = { reachable_ms = 1500; retrans_ms = 300; "
                                          "probes = 2; };", back_mtu=1400)
        # Sniff in the client namespace while the gateway starts: gratuitous ARP.
        import threading
        cls.garp = []
        t = threading.Thread(target=lambda: cls.garp.extend(
            in_netns(cls.tb.client, sniff_garp, cls.tb.client_if, 6)))
        t.start()
        time.sleep(1.5)
        cls.gw.start()
        t.join()

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def test_01_gratuitous_arp_at_start(self):
        mac = self.gw.port_stats("front")["mac"].lower()
        self.assertIn((1, "198.18.0.1", "198.18.0.1", mac), self.garp)

    def test_02_ping_front_and_back(self):
        self.assertTrue(self.tb.ping(self.tb.client, "198.18.0.1"))
        self.assertTrue(self.tb.ping(self.tb.upstream, "198.19.0.1"))
        self.assertGreaterEqual(self.gw.net_stats()["icmp_echo_replied"], 6)

    def test_03_arping_answered(self):
        r = self.tb.run(self.tb.client, "arping", "-c", "3", "-w", "3", "198.18.0.1")
        self.assertIn("3 packets received", r.stdout.replace("  ", " "), r.stdout)
        mac = self.gw.port_stats("front")["mac"].lower()
        self.assertIn(mac, r.stdout.lower())
        # Not our address: no answer.
        r = self.tb.run(self.tb.client, "arping", "-c", "2", "-w", "2", "198.18.0.77")
        self.assertNotEqual(r.returncode, 0)

    def test_04_forward_client_to_upstream(self):
        before = self.gw.net_stats()["ip_forwarded"]
        self.assertTrue(self.tb.ping(self.tb.client, "198.19.0.2", count=4))
        s = self.gw.net_stats()
        self.assertGreaterEqual(s["ip_forwarded"] - before, 8)  # requests and replies
        # TTL is decremented once by the gateway.
        r = self.tb.run(self.tb.client, "ping", "-c", "1", "-W", "1", "198.19.0.2")
        self.assertIn("ttl=63", r.stdout)
        # The gateway resolved the upstream host on the back port.
        n = self.gw.neigh()
        self.assertEqual(n["198.19.0.2"]["port"], "back")
        self.assertNotEqual(n["198.19.0.2"]["mac"], "")

    def test_04b_forward_tcp_both_ways(self):
        # Kernel to kernel across the gateway, 8 MiB each way, byte-exact.
        # The namespaces send TSO super-segments: on the vnet port they come
        # in whole (LRO) and leave for the port to cut to the egress MTU.
        n = 8 << 20
        # the upstream's link has the back port's MTU (a host with a larger
        # one would send frames the link drops)
        self.tb.run(self.tb.upstream, "ip", "link", "set", self.tb.upstream_if, "mtu", "1400",
                    check=True)
        before = self.gw.net_stats()
        srv = {}
        t = threading.Thread(target=lambda: srv.update(
            r=in_netns(self.tb.upstream, xfer_server, n, timeout=60)))
        t.start()
        time.sleep(0.5)
        try:
            got = in_netns(self.tb.client, xfer_client, n, timeout=60)
        finally:
            t.join()
            # forget the path MTU learnt here (test_05b expects the ICMP)
            self.tb.run(self.tb.client, "ip", "route", "flush", "cache", check=True)
        up_sha = hashlib.sha256(pattern_bytes(n, 1)).hexdigest()
        down_sha = hashlib.sha256(pattern_bytes(n, 2)).hexdigest()
        self.assertEqual(srv["r"], (n, up_sha))
        self.assertEqual(got, (n, down_sha))
        s = self.gw.net_stats()
        self.assertGreater(s["ip_forwarded"] - before["ip_forwarded"], 100)
        if sltest.PORT_KIND == "vnet":
            self.assertGreater(s["ip_fwd_lro"] - before["ip_fwd_lro"], 0)

    def test_05_unrouted_destination_counted(self):
        before = self.gw.net_stats()["ip_no_route"]
        self.tb.run(self.tb.client, "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.18.200.9")
        self.tb.run(self.tb.client, "ip", "route", "add", "198.18.99.0/24", "via", "198.18.0.1")
        self.tb.run(self.tb.client, "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.18.99.9")
        self.assertEqual(self.gw.net_stats()["ip_no_route"] - before, 4)

    def test_05b_icmp_errors(self):
        before = self.gw.net_stats()["icmp_err_sent"]
        frag_before = self.gw.net_stats()["ip_frag_needed"]
        # TTL expires at the gateway: time exceeded, from the gateway's front address.
        r = self.tb.run(self.tb.client, "ping", "-c", "1", "-W", "1", "-t", "1", "198.19.0.2")
        self.assertIn("From 198.18.0.1", r.stdout)
        self.assertIn("Time to live exceeded", r.stdout)
        # No route: network unreachable.
        r = self.tb.run(self.tb.client, "ping", "-c", "1", "-W", "1", "198.18.200.9")
        self.assertIn("Destination Net Unreachable", r.stdout)
        # DF and larger than the back port's MTU (1400): fragmentation needed, with it.
        r = self.tb.run(self.tb.client, "ping", "-c", "1", "-W", "1", "-M", "do", "-s", "1450",
                        "198.19.0.2")
        self.assertIn("Frag needed and DF set (mtu = 1400)", r.stdout)
        self.assertEqual(self.gw.net_stats()["icmp_err_sent"] - before, 3)
        self.assertEqual(self.gw.net_stats()["ip_frag_needed"] - frag_before, 1)

    def test_05c_forward_fragments_to_smaller_mtu(self):
        # Without DF the gateway fragments for the back port's MTU; the upstream
        # kernel (on a link of the same MTU) reassembles and answers.
        self.tb.run(self.tb.upstream, "ip", "link", "set", self.tb.upstream_if, "mtu", "1400",
                    check=True)
        # The client learnt a path MTU of 1400 above (frag needed): forget it,
        # or it fragments the pings itself.
        self.tb.run(self.tb.client, "ip", "route", "flush", "cache", check=True)
        before = self.gw.net_stats()["ip_frag_out"]
        self.assertTrue(self.tb.ping(self.tb.upstream, "198.19.0.1", count=1))
        r = self.tb.run(self.tb.client, "ping", "-c", "2", "-i", "0.2", "-W", "1", "-M", "dont",
                        "-s", "1450", "198.19.0.2")
        self.assertIn("2 received", r.stdout)
        self.assertEqual(self.gw.net_stats()["ip_frag_out"] - before, 4)

    def test_06_neighbour_confirmed_while_host_answers(self):

        self.assertTrue(self.tb.ping(self.tb.client, "198.18.0.1", count=1))
        before = self.gw.net_stats()
        time.sleep(3.5)  # beyond reachable_ms: the gateway probes, the kernel answers
        s = self.gw.net_stats()
        self.assertGreater(s["arp_probes_sent"], before["arp_probes_sent"])
        self.assertIn("198.18.0.2", self.gw.neigh())
        self.assertGreater(s["neigh_confirmed"], before["neigh_confirmed"])

    def test_07_neighbour_expires_when_host_is_silent(self):
        self.assertIn("198.18.0.2", self.gw.neigh())
        before = self.gw.net_stats()["neigh_expired"]
        # The client stops answering ARP.
        self.tb.run(self.tb.client, "ip", "link", "set", self.tb.client_if, "arp", "off",
                    check=True)
        try:
            gone = wait_for(lambda: "198.18.0.2" not in self.gw.neigh(), timeout=8)
            self.assertTrue(gone, self.gw.neigh())
            self.assertGreater(self.gw.net_stats()["neigh_expired"], before)
        finally:
            self.tb.run(self.tb.client, "ip", "link", "set", self.tb.client_if, "arp", "on")
        # And is learnt again when it comes back.
        self.assertTrue(self.tb.ping(self.tb.client, "198.18.0.1", count=2))
        self.assertIn("198.18.0.2", self.gw.neigh())

    def test_08_unresolvable_next_hop_fails_and_counts(self):
        before = self.gw.net_stats()
        self.tb.run(self.tb.client, "ping", "-c", "1", "-W", "1", "198.19.0.99")
        ok = wait_for(lambda: self.gw.net_stats()["neigh_failed"] > before["neigh_failed"],
                      timeout=5)
        self.assertTrue(ok)
        s = self.gw.net_stats()
        self.assertGreaterEqual(s["neigh_unresolved"] - before["neigh_unresolved"], 1)
        self.assertNotIn("198.19.0.99", self.gw.neigh())

    def test_09_counters_partition(self):
        sltest.check_partitions(self, self.gw.net_stats(), "net")

    def test_99_clean_shutdown(self):
        code, out = self.gw.stop()
        self.assertEqual(code, 0, out)
        self.assertIn("sluiced: final counters", out)
        self.assertIn("sluiced: stopped", out)
        self.assertRegex(out, r"net icmp_echo_replied \d+")
        self.assertRegex(out, r"port front: rx \d+ tx \d+")


class StartFailure(unittest.TestCase):
    def test_missing_interface_exits_1_naming_the_port(self):
        import os, subprocess, tempfile
        tb = Testbed("nx")  # never brought up: its interfaces do not exist
        fd, path = tempfile.mkstemp(suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(sltest.gateway_config(tb, f"sltest-nx-{os.getpid()}"))
        try:
            r = subprocess.run([sltest.SLUICED, "-c", path], capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)
        finally:
            os.unlink(path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("port: front: bring-up failed: No such device", r.stdout + r.stderr)
        self.assertNotIn("Invalid port_id", r.stdout + r.stderr)


if __name__ == "__main__":
    sltest.main()
