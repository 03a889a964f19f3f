#!/usr/bin/env python3
"""The counter registry (lib/core/sl_counters.h) reaches every output.

The list of counters comes from the daemon itself (`sluiced --list-counters`,
which prints the registry), so a counter added to any module is checked here
with nothing to change: it must appear in /metrics (Prometheus text format,
parsed by prometheus_client), in the console's `show counters all`, in DPDK
telemetry (/sluice/counters, and /sluice/counters,<module>), and, once it is
non-zero, in the shutdown report with at least the value /metrics showed.
The partitions the registry's marks declare hold in the telemetry."""
import re
import unittest
import urllib.request

import sltest
from sltest import Console, Gateway, Testbed, wait_for

GW = "198.18.0.1"
PROXY = f"""
  listeners = ( {{ name = "web"; address = "{GW}"; port = 80; }} );
  pools = ( {{ name = "sample"; members = ( {{ address = "198.19.0.2"; port = 80; }} ); }} );
  routes = ( {{ name = "site"; default = true; pool = "sample"; }} );
"""


class Counters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("ct").up()
        # one ACL rule, so that the per-rule block has an instance to show
        cls.gw = Gateway(cls.tb, proxy=PROXY, sections='acl = { rules = ( { name = "t"; '
                         'action = "deny"; prefixes = [ "198.19.255.0/24" ]; } ); };\n').start()
        cls.counters = sltest.catalogue()

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def traffic(self):
        """Make many counters move: ICMP, TCP services, proxied and refused
        requests, a console line, a REST call."""
        self.assertTrue(self.tb.ping(self.tb.client, GW, count=2))
        self.tb.run(self.tb.client, "curl", "-s", "-o", "/dev/null", f"http://{GW}/")
        self.tb.run(self.tb.client, "curl", "-s", "-o", "/dev/null", "-X", "BR@KEN",
                    f"http://{GW}/")
        self.gw.api("GET", "/api/v1/status")

    def metrics(self):
        from prometheus_client.parser import text_string_to_metric_families
        with urllib.request.urlopen(f"http://127.0.0.1:{self.gw.api_port}/metrics",
                                    timeout=10) as r:
            text = r.read().decode()
        return {f.name: f for f in text_string_to_metric_families(text)}, text

    def test_1_catalogue(self):
        modules = {c.module for c in self.counters}
        self.assertTrue({"net", "tcp", "proxy", "port", "mgmt", "worker"} <= modules, modules)
        names = [(c.module, c.name) for c in self.counters]
        self.assertEqual(len(names), len(set(names)), "a counter name is registered twice")
        for c in self.counters:
            self.assertRegex(c.name, r"^[A-Za-z0-9_]+$")
            self.assertIn(c.kind, ("counter", "gauge"))
            self.assertTrue(c.desc, f"{c.module} {c.name} has no description")

    def test_2_every_output(self):
        self.traffic()
        fams, text = self.metrics()
        con = Console(self.gw.console_port)
        self.addCleanup(con.close)
        shown = con.cmd("show counters all")
        tel = self.gw.telemetry("/sluice/counters")
        workers = {str(w) for w in range(1)}
        for c in self.counters:
            what = f"{c.module} {c.name}"
            # Prometheus: the family exists, with a sample per worker (and
            # instance), or one per label value for a labelled family.
            prom = fams.get(c.family_name().removesuffix("_total"))
            self.assertIsNotNone(prom, f"{what}: no {c.family_name()} in /metrics")
            self.assertEqual(prom.type, c.kind)
            samples = prom.samples
            if c.family != "-":
                label, value = c.family.split(":")[1].split("=")
                samples = [s for s in samples if s.labels.get(label) == value]
            self.assertTrue(samples, f"{what}: no sample in {prom.name}")
            if c.scope == "worker":
                self.assertEqual({s.labels.get("worker") for s in samples}, workers, what)
            # The console, every counter with `all`.
            inst = r"(\s\S+)?" if c.instance != "-" else ""
            self.assertRegex(shown, rf"(?m)^{c.module}{inst} {re.escape(c.name)}\s+\d+\r?$",
                             f"{what} not in 'show counters all'")
            # Telemetry: under its module, as name or instance/name.
            keys = tel.get(c.module, {})
            self.assertTrue(c.name in keys or any(k.endswith("/" + c.name) for k in keys),
                            f"{what} not in /sluice/counters")
        # One module alone.
        tcp = self.gw.telemetry("/sluice/counters,tcp")
        self.assertEqual(set(tcp), set(tel["tcp"]))
        sltest.check_partitions(self, self.gw.net_stats(), "net")
        sltest.check_partitions(self, self.gw.tcp_stats(), "tcp")

    def test_3_shutdown_report(self):
        self.traffic()
        fams, _ = self.metrics()
        nonzero = {}
        for c in self.counters:
            if c.family != "-" or c.kind != "counter":
                continue
            fam = fams[c.family_name().removesuffix("_total")]
            per_instance = {}
            for s in fam.samples:
                key = s.labels.get(c.instance) if c.instance != "-" else None
                per_instance[key] = per_instance.get(key, 0) + s.value
            for inst, v in per_instance.items():
                if v > 0:
                    nonzero[(c.module, inst, c.name)] = v
        self.assertIn(("tcp", None, "accepted"), nonzero)
        self.assertIn(("proxy", None, "requests"), nonzero)
        code, out = self.gw.stop()
        self.assertEqual(code, 0, out)
        report = out[out.index("sluiced: final counters"):]
        for (module, inst, name), v in nonzero.items():
            head = f"{module} {inst}" if inst else module
            m = re.search(rf"(?m)^{re.escape(head)} {re.escape(name)} (\d+)$", report)
            self.assertIsNotNone(m, f"{head} {name} ({v:.0f} in /metrics) not in the report")
            self.assertGreaterEqual(int(m.group(1)), v, f"{head} {name}")


if __name__ == "__main__":
    sltest.main()
