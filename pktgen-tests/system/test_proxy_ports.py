#!/usr/bin/env python3
"""Upstream source ports under churn: a proxy that closes its upstream
connections leaves them in TIME_WAIT, and a small ephemeral range would then
run dry for 2 MSL. Sluice takes over a TIME_WAIT tuple for a new active open
once it is a second old and timestamps were on (as Linux's tcp_tw_reuse).

Testbed "p5": four source ports, one request per upstream connection
(keepalive_requests = 1, so Sluice closes first), the testbed nginx."""
import subprocess
import time
import unittest

import sltest
from sltest import Gateway, Testbed

TCP = "listeners = ( ); ephemeral_min = 40000; ephemeral_max = 40003;"
PROXY = """
  listeners = ( { name = "web"; address = "198.18.0.1"; port = 80; } );
  pools = ( { name = "ng"; algorithm = "rr"; keepalive_requests = 1; retries = 0;
              max_fails = 0; members = ( { address = "198.19.0.2"; port = 80; } ); } );
  routes = ( { name = "all"; default = true; pool = "ng"; } );
"""


class Ports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("p5").up()
        cls.gw = Gateway(cls.tb, tcp=TCP, proxy=PROXY)
        try:
            cls.gw.start()
        except Exception:
            cls.gw.kill()
            cls.tb.down()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def statuses(self, n):
        out = []
        for i in range(n):
            r = self.tb.run(self.tb.client, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "--max-time", "10", f"http://198.18.0.1/1k?{i}")
            out.append(r.stdout)
        return out

    def test_time_wait_tuples_are_reused_after_a_second(self):
        self.assertEqual(self.statuses(4), ["200"] * 4)
        # All four ports are in TIME_WAIT now, and younger than a second:
        # not taken over yet, so the next request finds no port (503, ours).
        tcp0, px0 = self.gw.tcp_stats(), self.gw.proxy_stats()
        self.assertEqual(self.statuses(1), ["503"])
        self.assertGreater(self.gw.tcp_stats()["connect_failed"], tcp0["connect_failed"])
        self.assertEqual(self.gw.proxy_stats()["err_no_port"], px0["err_no_port"] + 1)
        # A second later they may be reused: four more go through.
        time.sleep(1.3)
        tcp1 = self.gw.tcp_stats()
        self.assertEqual(self.statuses(4), ["200"] * 4)
        tcp2 = self.gw.tcp_stats()
        self.assertGreaterEqual(tcp2["time_wait_reused"] - tcp1["time_wait_reused"], 4, tcp2)
        self.assertEqual(tcp2["connect_failed"], tcp1["connect_failed"], tcp2)


if __name__ == "__main__":
    sltest.main()
