#!/usr/bin/env python3
"""Configuration changes under load: wrk runs through the gateway (keep-alive,
then "Connection: close") while pool members and routes are changed 100 times
through the REST API. No request may fail, no error counter may move, and the
traffic must follow the members: a removed member gets no new request, an
added one gets some (told apart by the access log of an nginx that listens on
three upstream addresses and logs $msec and $server_addr). Afterwards
/metrics parses as the Prometheus text format and counts exactly the requests
the clients made.

Testbed m1; one nginx (port 8081 on 198.19.0.2/.3/.4) started and removed
here."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import sltest
from sltest import Gateway, Testbed, wait_for

GW = "198.18.0.1"
A = ["198.19.0.2:8081", "198.19.0.3:8081"]
B = ["198.19.0.4:8081"]
CONNS = 8


def members(addrs):
    return [{"address": a.split(":")[0], "port": int(a.split(":")[1])} for a in addrs]


PROXY = f"""
  listeners = ( {{ name = "web"; address = "{GW}"; port = 80; }} );
  pools = (
    {{ name = "pa"; algorithm = "rr"; members = (
        {{ address = "198.19.0.2"; port = 8081; }}, {{ address = "198.19.0.3"; port = 8081; }} ); }},
    {{ name = "pb"; algorithm = "rr"; members = ( {{ address = "198.19.0.4"; port = 8081; }} ); }}
  );
  routes = (
    {{ name = "health"; path = "/healthz"; path_match = "exact"; return_status = 200;
       return_body = "ok\\n"; }},
    {{ name = "site"; default = true; pool = "pa"; }}
  );
"""

NGINX_CONF = """
worker_processes 1;
daemon on;
pid {dir}/nginx.pid;
error_log {dir}/nginx.error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format sl '$msec $server_addr:$server_port $status';
    access_log {dir}/nginx.access.log sl;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 198.19.0.2:8081;
        listen 198.19.0.3:8081;
        listen 198.19.0.4:8081;
        root {dir}/www;
    }}
}}
"""


class Live(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sltest-mgmt-live-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        os.chmod(cls.dir, 0o755)
        os.makedirs(f"{cls.dir}/www")
        with open(f"{cls.dir}/www/1k", "wb") as f:
            f.write(b"x" * 1024)
        cls.tb = Testbed("m1").up()
        cls.addClassCleanup(cls.tb.down)
        with open(f"{cls.dir}/nginx.conf", "w") as f:
            f.write(NGINX_CONF.format(dir=cls.dir))
        sltest.sh("ip", "netns", "exec", cls.tb.upstream, "nginx", "-e",
                  f"{cls.dir}/nginx.error.log", "-c", f"{cls.dir}/nginx.conf")
        cls.addClassCleanup(cls.stop_nginx)
        if not wait_for(lambda: os.path.exists(f"{cls.dir}/nginx.pid"), 10):
            raise RuntimeError("nginx did not start")
        cls.lines = []
        cls.gw = Gateway(cls.tb, proxy=PROXY, mgmt_extra="history = 1000;")
        cls.addClassCleanup(cls.kill_gateway)
        cls.gw.start()
        cls.drain = threading.Thread(target=lambda: [cls.lines.append(ln)
                                                     for ln in cls.gw.proc.stdout], daemon=True)
        cls.drain.start()
        cls.wrk_runs = []  # (connections, requests) of every wrk run

    @classmethod
    def stop_nginx(cls):
        try:
            with open(f"{cls.dir}/nginx.pid") as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 10)

    @classmethod
    def kill_gateway(cls):
        gw = cls.gw
        if gw.proc is not None:
            if gw.proc.poll() is None:
                gw.proc.kill()
            gw.proc.wait()
            cls.drain.join(5)
            gw.proc.stdout.close()
            gw.proc = None
        shutil.rmtree(f"/var/run/dpdk/{gw.prefix}", ignore_errors=True)
        if os.path.exists(gw.conf_path):
            os.unlink(gw.conf_path)

    # -- helpers ---------------------------------------------------------

    def ctx(self, *what):
        return "\n".join(str(w) for w in what) + "\n--- sluiced output tail:\n" + \
            "".join(self.lines)[-3000:]

    def api(self, method, path, body=None, status=200):
        st, _, b = self.gw.api(method, "/api/v1" + path, body)
        self.assertEqual(st, status, self.ctx(method, path, body, b))
        return b

    def access_log(self):
        """[(time, "addr:port", status)] of nginx."""
        out = []
        with open(f"{self.dir}/nginx.access.log") as f:
            for ln in f:
                t, addr, st = ln.split()
                out.append((float(t), addr, int(st)))
        return out

    def start_wrk(self, *extra):
        return subprocess.Popen(
            ["ip", "netns", "exec", self.tb.client, "wrk", "-t1", f"-c{CONNS}", "-d120s",
             "--timeout", "5s", *extra, f"http://{GW}/1k"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop_wrk(self, wrk):
        """SIGINT: wrk stops and prints its summary."""
        wrk.send_signal(signal.SIGINT)
        out, _ = wrk.communicate(timeout=30)
        m = re.search(r"(\d+) requests in", out)
        self.assertTrue(m, self.ctx(out))
        self.wrk_runs.append((CONNS, int(m.group(1))))
        return out, int(m.group(1))

    def check_wrk(self, out, n):
        self.assertNotIn("Socket errors", out, self.ctx(out))
        self.assertNotIn("Non-2xx", out, self.ctx(out))
        self.assertGreater(n, 500, self.ctx(out))

    def check_counters(self, before, after, runs=1):
        errors = {k: after[k] - before[k] for k in after
                  if k.startswith(("err_", "req_err_")) and after[k] != before[k]}
        self.assertEqual(errors, {}, self.ctx(after))
        # wrk, stopped, closes its connections: at most one exchange each is cut
        self.assertLessEqual(after["client_aborted"] - before["client_aborted"], CONNS * runs,
                             self.ctx(after))
        self.assertEqual(after["status_5xx"] - before["status_5xx"], 0)
        self.assertEqual(after["status_4xx"] - before["status_4xx"], 0)

    def changes(self, n, start):
        """n changes, one every ~50 ms: members of pa between A and B, the
        route between pa and pb, a route the load does not use added and
        removed, a member's weight."""
        state = {"pa": A, "site": "pa"}
        for i in range(start, start + n):
            k = i % 5
            if k == 0:
                state["pa"] = B if state["pa"] == A else A
                self.api("PUT", "/pools/pa", {"algorithm": "rr",
                                              "members": members(state["pa"])})
            elif k == 1:
                state["site"] = "pb" if state["site"] == "pa" else "pa"
                self.api("PATCH", "/routes/site", {"pool": state["site"]})
            elif k == 2:
                self.api("POST", "/routes", {"name": "unused", "host": "unused.test",
                                             "return_status": 204}, status=201)
            elif k == 3:
                self.api("DELETE", "/routes/unused")
            else:
                first = state["pa"][0]
                self.api("PATCH", f"/pools/pa/members/{first}", {"weight": 1 + i % 3})
            time.sleep(0.05)

    def check_moves(self, removed, added, kept):
        """pa := kept + added with the route on pa; afterwards removed members
        get no new request, added and kept ones get some."""
        self.api("PUT", "/pools/pa", {"algorithm": "rr", "members": members(kept + added)})
        self.api("PATCH", "/routes/site", {"pool": "pa"})
        t = time.time()
        time.sleep(2.5)
        late = [e for e in self.access_log() if e[0] > t + 0.5]
        by = {}
        for _, addr, _ in late:
            by[addr] = by.get(addr, 0) + 1
        for a in removed:
            self.assertNotIn(a, by, self.ctx(f"{a} removed but still gets requests", by))
        for a in added + kept:
            self.assertGreater(by.get(a, 0), 20, self.ctx(f"{a} gets no requests", by))

    # -- tests -----------------------------------------------------------

    def test_1_changes_under_keepalive_load(self):
        before = self.gw.proxy_stats()
        gen = self.api("GET", "/status")["generation"]
        wrk = self.start_wrk()
        try:
            time.sleep(1)
            self.changes(50, 0)
            self.check_moves(removed=["198.19.0.2:8081"], added=B, kept=["198.19.0.3:8081"])
        finally:
            out, n = self.stop_wrk(wrk)
        self.check_wrk(out, n)
        self.check_counters(before, self.gw.proxy_stats())
        self.assertEqual(self.api("GET", "/status")["generation"], gen + 52)
        seen = {addr for _, addr, _ in self.access_log()}
        self.assertEqual(seen, set(A + B))
        self.assertEqual({st for _, _, st in self.access_log()}, {200})

    def test_2_changes_with_connection_close(self):
        self.api("PUT", "/pools/pa", {"algorithm": "rr", "members": members(A)})
        before = self.gw.proxy_stats()
        wrk = self.start_wrk("-H", "Connection: close")
        try:
            time.sleep(1)
            self.changes(50, 50)
            self.check_moves(removed=["198.19.0.3:8081"], added=B, kept=["198.19.0.2:8081"])
        finally:
            out, n = self.stop_wrk(wrk)
        self.check_wrk(out, n)
        after = self.gw.proxy_stats()
        self.check_counters(before, after)
        self.assertGreaterEqual(after["accepted"] - before["accepted"], n)

    def test_3_metrics(self):
        """/metrics parses, and its request counters equal what clients did."""
        from prometheus_client.parser import text_string_to_metric_families

        def metrics():
            with urllib.request.urlopen(f"http://127.0.0.1:{self.gw.api_port}/metrics",
                                        timeout=10) as r:
                self.assertTrue(r.headers.get("Content-Type", "").startswith("text/plain"))
                text = r.read().decode()
            fams = {f.name: f for f in text_string_to_metric_families(text)}
            return text, fams

        def value(fams, name, **labels):
            self.assertIn(name, fams, f"no {name} in /metrics: {sorted(fams)}")
            return sum(s.value for s in fams[name].samples
                       if s.name in (name, name + "_total")
                       and all(s.labels.get(k) == v for k, v in labels.items()))

        # the counters agree with the telemetry after the load runs above
        text, fams = metrics()
        proxy = self.gw.proxy_stats()
        self.assertEqual(value(fams, "sluice_proxy_requests"), proxy["requests"], text[:3000])
        self.assertEqual(value(fams, "sluice_route_requests"), proxy["requests"])
        # a fixed number of requests (ab -n): exactly that many more
        before_p = value(fams, "sluice_proxy_requests")
        before_r = value(fams, "sluice_route_requests", route="site")
        r = self.tb.run(self.tb.client, "ab", "-k", "-n", "3000", "-c", str(CONNS), "-s", "10",
                        f"http://{GW}/1k", timeout=120)
        self.assertRegex(r.stdout, r"Complete requests:\s+3000\b", r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"Failed requests:\s+0\b", r.stdout)
        _, fams = metrics()
        self.assertEqual(value(fams, "sluice_proxy_requests") - before_p, 3000)
        self.assertEqual(value(fams, "sluice_route_requests", route="site") - before_r, 3000)
        # wrk: its count of completed requests, plus at most one cut
        # exchange per connection when it stops
        before_p = value(fams, "sluice_proxy_requests")
        wrk = self.start_wrk()
        time.sleep(3)
        out, n = self.stop_wrk(wrk)
        self.check_wrk(out, n)
        _, fams = metrics()
        got = value(fams, "sluice_proxy_requests") - before_p
        self.assertGreaterEqual(got, n, out)
        self.assertLessEqual(got, n + CONNS, out)
        self.assertEqual(value(fams, "sluice_config_generation"),
                         self.api("GET", "/status")["generation"])


if __name__ == "__main__":
    sltest.main()
