#!/usr/bin/env python3
"""The management plane (lib/mgmt): the REST API and the console against a
running gateway, with the effect of each change checked in real traffic
(curl in the client namespace, the testbed's nginx on 198.19.0.2/.3/.4:80,
which names itself in X-Upstream).

  Rest (m1)        CRUD of every object kind; every refusal (400, 404, 405,
                   409, 412, 413, 422) leaves the generation, GET /config and
                   the persisted file exactly as they were; transactions are
                   all or nothing; history, and rollback to generation 1.
  Security (m2)    the API token for changes (401/403), read_needs_token with
                   token_file, the console's auth.
  Console (m3)     every command over a raw socket and the real telnet client
                   (option negotiation), two sessions at once, idle timeout.
  Durability (m4)  a restart on the same file restores the applied state; a
                   SIGKILL at random moments of a stream of changes always
                   leaves a file that loads and is either the state before
                   or after the change in flight, and no temporary files."""
import glob
import json
import os
import pty
import random
import re
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import sltest
from sltest import Console, Gateway, Testbed, wait_for

GW = "198.18.0.1"
NG2, NG3, NG4 = "198.19.0.2", "198.19.0.3", "198.19.0.4"
API = "/api/v1"

PROXY = f"""
  listeners = ( {{ name = "web"; address = "{GW}"; port = 80; }} );
  pools = (
    {{ name = "sample"; members = ( {{ address = "{NG2}"; port = 80; }} ); }},
    {{ name = "alt"; members = ( {{ address = "{NG4}"; port = 80; }} ); }}
  );
  routes = (
    {{ name = "health"; path = "/healthz"; path_match = "exact"; return_status = 200;
       return_body = "ok\\n"; }},
    {{ name = "site"; default = true; pool = "sample"; }}
  );
"""


# ---------------------------------------------------------------------------
# helpers shared by the classes

def drain(gw, lines):
    """Keep reading what the daemon prints (one line per generation): a full
    pipe would block its main loop."""
    t = threading.Thread(target=lambda: [lines.append(ln) for ln in gw.proc.stdout],
                         daemon=True)
    t.start()
    return t


def stop_gateway(gw, thread, sig=signal.SIGKILL):
    """Stop the daemon (without removing its configuration file)."""
    if gw.proc is None:
        return None
    if gw.proc.poll() is None:
        gw.proc.send_signal(sig)
    try:
        code = gw.proc.wait(30)
    except subprocess.TimeoutExpired:
        gw.proc.kill()
        code = gw.proc.wait()
    if thread is not None:
        thread.join(5)
    gw.proc.stdout.close()
    gw.proc = None
    return code


def remove_gateway(gw, thread):
    stop_gateway(gw, thread)
    for p in [gw.conf_path] + glob.glob(gw.conf_path + ".tmp*"):
        if os.path.exists(p):
            os.unlink(p)
    subprocess.run(["rm", "-rf", f"/var/run/dpdk/{gw.prefix}"], check=False)


def raw_get(gw, path, token=None):
    """GET as bytes: byte-exact comparisons of /config."""
    req = urllib.request.Request(f"http://127.0.0.1:{gw.api_port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def curl(tb, path, *args, port=80, host=None):
    """(status, {lowercase header: value}, body) of one request from the
    client namespace; status 0 if the connection failed."""
    cmd = ["curl", "-sS", "--max-time", "5", "-D", "-", "-o", "/dev/stderr",
           "-w", "", f"http://{GW}:{port}{path}"]
    if host:
        cmd += ["-H", f"Host: {host}"]
    r = subprocess.run(["ip", "netns", "exec", tb.client] + cmd + list(args),
                       capture_output=True, timeout=20)
    head = r.stdout.decode("latin-1")
    m = re.match(r"HTTP/1\.\d (\d{3})", head)
    if r.returncode != 0 or not m:
        return 0, {}, r.stderr
    hdr = {}
    for ln in head.split("\r\n")[1:]:
        k, sep, v = ln.partition(":")
        if sep:
            hdr[k.strip().lower()] = v.strip()
    return int(m.group(1)), hdr, r.stderr


def upstream_of(tb, path="/", **kw):
    st, hdr, _ = curl(tb, path, **kw)
    return hdr.get("x-upstream") if st else None


class MgmtCase(unittest.TestCase):
    """A testbed and one gateway whose output is drained; helpers."""

    TB = None
    MGMT = ""
    lines = []

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed(cls.TB).up()
        cls.addClassCleanup(cls.tb.down)
        cls.start_gateway(cls.MGMT)

    @classmethod
    def start_gateway(cls, mgmt_extra, proxy=PROXY):
        cls.lines = []
        cls.gw = Gateway(cls.tb, proxy=proxy, mgmt_extra=mgmt_extra)
        cls.drainer = None
        cls.addClassCleanup(lambda gw=cls.gw: remove_gateway(gw, cls.drainer))
        cls.gw.start()
        cls.drainer = drain(cls.gw, cls.lines)
        try:
            cls.initial_config = raw_get(cls.gw, API + "/config")
        except OSError:  # read_needs_token
            cls.initial_config = None

    @classmethod
    def token(cls):
        return None

    def ctx(self, *what):
        alive = self.gw.proc is not None and self.gw.proc.poll() is None
        return ("\n".join(w if isinstance(w, str) else repr(w) for w in what)
                + f"\n--- sluiced {'alive' if alive else 'DEAD'}, output tail:\n"
                + "".join(self.gw.output)[-1500:] + "".join(self.lines)[-2500:])

    def api(self, method, path, body=None, **kw):
        kw.setdefault("token", self.token())
        return self.gw.api(method, API + path, body, **kw)

    def ok(self, method, path, body=None, status=200, **kw):
        st, hdr, b = self.api(method, path, body, **kw)
        self.assertEqual(st, status, self.ctx(method, path, body, b))
        return hdr, b

    def generation(self):
        return self.ok("GET", "/status")[1]["generation"]

    def snapshot(self):
        st, hdr, status = self.api("GET", "/status")
        with open(self.gw.conf_path, "rb") as f:
            text = f.read()
        return {"etag": hdr.get("ETag"), "generation": status["generation"],
                "config": raw_get(self.gw, API + "/config", token=self.token()),
                "file": text, "history": self.ok("GET", "/generations")[1]}

    def refused(self, method, path, body=None, status=400, code=None, field=None, **kw):
        """The request fails as told, and nothing changed."""
        before = self.snapshot()
        st, hdr, b = self.api(method, path, body, **kw)
        self.assertEqual(st, status, self.ctx(method, path, body, b))
        self.assertIsInstance(b, dict, self.ctx(b))
        err = b.get("error")
        self.assertIsInstance(err, dict, self.ctx(b))
        self.assertEqual(err.get("status"), status, self.ctx(b))
        if code is not None:
            self.assertEqual(err.get("code"), code, self.ctx(b))
        if field is not None:
            if isinstance(field, re.Pattern):
                self.assertRegex(err.get("field", ""), field, self.ctx(b))
            else:
                self.assertEqual(err.get("field"), field, self.ctx(b))
        self.assertTrue(err.get("message"), self.ctx(b))
        after = self.snapshot()
        for k in ("etag", "generation", "config", "file", "history"):
            self.assertEqual(after[k], before[k], self.ctx(f"{k} changed after a refused "
                                                          f"{method} {path}", b))
        return hdr, err


# ---------------------------------------------------------------------------

class Rest(MgmtCase):
    TB = "m1"
    MGMT = "max_body_bytes = 2048; history = 1000;"

    def eventually(self, fn, want, timeout=5):
        got = wait_for(lambda: fn() == want, timeout)
        self.assertTrue(got, self.ctx(f"wanted {want!r}, last {fn()!r}"))

    # -- 1. CRUD of every object kind -------------------------------------

    def test_01_listeners(self):
        _, lst = self.ok("GET", "/listeners")
        self.assertEqual([x["name"] for x in lst], ["web"])
        _, web = self.ok("GET", "/listeners/web")
        self.assertEqual((web["address"], web["port"], web["backlog"]), (GW, 80, 1024))
        g = self.generation()
        hdr, made = self.ok("POST", "/listeners", {"name": "l2", "address": GW, "port": 8080},
                            status=201)
        self.assertEqual(hdr.get("Location"), API + "/listeners/l2")
        self.assertEqual(made, {"name": "l2", "address": GW, "port": 8080, "backlog": 1024})
        self.assertEqual(self.ok("GET", "/listeners/l2")[1], made)
        self.assertEqual(self.generation(), g + 1)
        self.eventually(lambda: curl(self.tb, "/healthz", port=8080)[0], 200)
        # replace: another port; the old one refuses
        _, rep = self.ok("PUT", "/listeners/l2", {"address": GW, "port": 8081, "backlog": 64})
        self.assertEqual(rep, {"name": "l2", "address": GW, "port": 8081, "backlog": 64})
        self.eventually(lambda: curl(self.tb, "/healthz", port=8081)[0], 200)
        self.eventually(lambda: curl(self.tb, "/healthz", port=8080)[0], 0)
        # patch, and null back to the default
        self.assertEqual(self.ok("PATCH", "/listeners/l2", {"backlog": 16})[1]["backlog"], 16)
        self.assertEqual(self.ok("PATCH", "/listeners/l2", {"backlog": None})[1]["backlog"],
                         1024)
        self.assertEqual(self.ok("GET", "/listeners/l2")[1]["port"], 8081)
        _, d = self.ok("DELETE", "/listeners/l2")
        self.assertEqual(d["generation"], g + 5)
        self.refused("GET", "/listeners/l2", status=404, code="not_found")
        self.eventually(lambda: curl(self.tb, "/healthz", port=8081)[0], 0)
        self.assertEqual(curl(self.tb, "/healthz")[0], 200)

    def test_02_pools_and_members(self):
        self.assertEqual([p["name"] for p in self.ok("GET", "/pools")[1]], ["sample", "alt"])
        self.assertEqual(self.ok("GET", "/pools/sample")[1]["members"],
                         [{"address": NG2, "port": 80, "weight": 1}])
        hdr, p2 = self.ok("POST", "/pools", {"name": "p2", "members": [
            {"address": NG3, "port": 80}]}, status=201)
        self.assertEqual(hdr.get("Location"), API + "/pools/p2")
        self.assertEqual(p2["algorithm"], "swrr")
        self.ok("POST", "/routes", {"name": "r2", "host": "p2.test", "pool": "p2"}, status=201)
        self.eventually(lambda: upstream_of(self.tb, host="p2.test"), NG3)
        # replace: another member, another algorithm
        _, rep = self.ok("PUT", "/pools/p2", {"algorithm": "rr", "members": [
            {"address": NG4, "port": 80}]})
        self.assertEqual((rep["algorithm"], rep["retries"]), ("rr", 1))
        self.eventually(lambda: upstream_of(self.tb, host="p2.test"), NG4)
        self.assertEqual(self.ok("PATCH", "/pools/p2", {"retries": 3})[1]["retries"], 3)
        self.assertEqual(self.ok("PATCH", "/pools/p2", {"retries": None})[1]["retries"], 1)
        self.assertEqual(self.ok("GET", "/pools/p2")[1]["algorithm"], "rr")
        # members
        self.assertEqual(self.ok("GET", "/pools/p2/members")[1],
                         [{"address": NG4, "port": 80, "weight": 1}])
        hdr, m = self.ok("POST", "/pools/p2/members", {"address": NG2, "port": 80}, status=201)
        self.assertEqual(hdr.get("Location"), API + f"/pools/p2/members/{NG2}:80")
        self.assertEqual(m, {"address": NG2, "port": 80, "weight": 1})
        self.assertEqual(self.ok("GET", f"/pools/p2/members/{NG2}:80")[1], m)
        seen = {upstream_of(self.tb, host="p2.test") for _ in range(6)}
        self.assertEqual(seen, {NG2, NG4}, self.ctx("rr over two members"))
        self.assertEqual(self.ok("PUT", f"/pools/p2/members/{NG2}:80", {"weight": 5})[1],
                         {"address": NG2, "port": 80, "weight": 5})
        self.assertEqual(self.ok("PATCH", f"/pools/p2/members/{NG2}:80",
                                 {"weight": None})[1]["weight"], 1)
        self.ok("DELETE", f"/pools/p2/members/{NG4}:80")
        self.refused("GET", f"/pools/p2/members/{NG4}:80", status=404, code="not_found")
        self.assertEqual({upstream_of(self.tb, host="p2.test") for _ in range(4)}, {NG2})
        self.ok("DELETE", "/routes/r2")
        self.ok("DELETE", "/pools/p2")
        self.refused("GET", "/pools/p2", status=404, code="not_found")
        # the traffic of that host falls back to the default route
        self.assertEqual(upstream_of(self.tb, host="p2.test"), NG2)

    def test_03_routes(self):
        names = [r["name"] for r in self.ok("GET", "/routes")[1]]
        self.assertEqual(names, ["health", "site"])
        self.assertEqual(self.ok("GET", "/routes/site")[1]["pool"], "sample")
        hdr, x = self.ok("POST", "/routes", {"name": "x", "path": "/index.html",
                                             "path_match": "exact",
                                             "return_status": 201, "return_body": "made\n"},
                         status=201)
        self.assertEqual(hdr.get("Location"), API + "/routes/x")
        self.assertEqual((x["return_status"], x["return_content_type"]), (201, "text/plain"))
        st, _, body = curl(self.tb, "/index.html")
        self.assertEqual((st, body), (201, b"made\n"))
        self.assertEqual(curl(self.tb, "/index.htm")[1].get("x-upstream"), None)  # 404
        # replace: path_match, left out, is back to its default (prefix)
        _, rep = self.ok("PUT", "/routes/x", {"path": "/index", "return_status": 202,
                                              "return_body": "replaced\n",
                                              "return_content_type": "text/x-test"})
        self.assertEqual(rep["path_match"], "prefix")
        st, hdr, body = curl(self.tb, "/index.htm")
        self.assertEqual((st, body, hdr.get("content-type")),
                         (202, b"replaced\n", "text/x-test"))
        self.ok("PATCH", "/routes/x", {"return_body": "patched\n", "return_content_type": None})
        st, hdr, body = curl(self.tb, "/index.html")
        self.assertEqual((st, body, hdr.get("content-type")), (202, b"patched\n", "text/plain"))
        # from a fixed response to a pool
        _, r = self.ok("PATCH", "/routes/x", {"return_status": None, "return_body": None,
                                               "pool": "alt"})
        self.assertEqual((r["return_status"], r["return_body"], r["pool"]), (0, "", "alt"))
        st, hdr, _ = curl(self.tb, "/index.html")
        self.assertEqual((st, hdr.get("x-upstream")), (200, NG4))
        self.ok("DELETE", "/routes/x")
        self.refused("GET", "/routes/x", status=404, code="not_found")
        st, hdr, _ = curl(self.tb, "/index.html")
        self.assertEqual((st, hdr.get("x-upstream")), (200, NG2))  # the default route

    def test_04_settings_and_config(self):
        _, s = self.ok("GET", "/settings")
        self.assertNotIn("listeners", s)
        self.assertEqual((s["via"], s["request_id"]), (True, True))
        self.assertIn("via", curl(self.tb, "/")[1])
        self.assertEqual(self.ok("PATCH", "/settings", {"via": False})[1]["via"], False)
        st, hdr, _ = curl(self.tb, "/")
        self.assertEqual(st, 200)
        self.assertNotIn("via", hdr)
        self.assertEqual(self.ok("PATCH", "/settings", {"via": None})[1]["via"], True)
        self.assertIn("via", curl(self.tb, "/")[1])
        # replace: what is left out takes its default, collections stay
        self.ok("PATCH", "/settings", {"max_fields": 50})
        _, s = self.ok("PUT", "/settings", {"via": False})
        self.assertEqual((s["via"], s["max_fields"]), (False, 100))
        self.assertEqual(len(self.ok("GET", "/routes")[1]), 2)
        self.assertNotIn("via", curl(self.tb, "/")[1])
        self.refused("PUT", "/settings", {"routes": []}, status=400, code="invalid_field",
                     field="routes")
        self.ok("PUT", "/settings", {})
        # the whole configuration
        _, conf = self.ok("GET", "/config")
        conf["routes"][0]["return_body"] = "whole\n"
        conf["request_id"] = False
        _, new = self.ok("PUT", "/config", conf)
        self.assertEqual(new, conf)
        st, _, body = curl(self.tb, "/healthz")
        self.assertEqual((st, body), (200, b"whole\n"))
        self.assertEqual(self.ok("PATCH", "/config", {"request_id": None})[1]["request_id"],
                         True)
        conf["routes"][0]["return_body"] = "ok\n"
        conf["request_id"] = True
        self.ok("PUT", "/config", conf)
        self.assertEqual(raw_get(self.gw, API + "/config"), self.initial_config)

    # -- 2. refusals change nothing ---------------------------------------

    def test_05_bad_bodies(self):
        self.refused("POST", "/routes", raw=b'{"name": "m", ', status=400,
                     code="malformed_json")
        self.refused("POST", "/routes", raw=b'{"name": "a", "name": "b"}', status=400,
                     code="malformed_json")
        self.refused("POST", "/routes", [1, 2], status=400, code="not_an_object")
        self.refused("PATCH", "/settings", ["via"], status=400, code="not_an_object")
        self.refused("POST", "/routes", {"name": "u", "bogus": 1}, status=400,
                     code="invalid_field", field="bogus")
        self.refused("PATCH", "/pools/sample", {"retries": "x"}, status=400,
                     code="invalid_field", field="retries")
        self.refused("PATCH", "/listeners/web", {"port": 70000}, status=400,
                     code="invalid_field", field="port")
        self.refused("PATCH", "/pools/sample", {"algorithm": "fastest"}, status=400,
                     code="invalid_field", field="algorithm")
        self.refused("POST", "/pools/sample/members", {"address": "not-an-ip"}, status=400,
                     code="invalid_field", field="address")
        self.refused("POST", "/routes", None, status=400, code="no_body")
        self.refused("POST", "/routes", raw=b'{"name": "' + b"a" * 4000 + b'"}',
                     status=413, code="body_too_large")

    def test_06_cross_object_and_conflicts(self):
        self.refused("POST", "/routes", {"name": "m", "path": "/m", "pool": "nope"},
                     status=422, code="invalid_config", field="routes[2].pool")
        self.refused("DELETE", "/pools/sample", status=422, code="invalid_config",
                     field=re.compile(r"^routes\[\d+\]\.pool$"))
        self.refused("PATCH", "/routes/site", {"pool": "nope"}, status=422,
                     code="invalid_config", field="routes[1].pool")
        self.refused("POST", "/pools", {"name": "sample", "members": [{"address": NG3}]},
                     status=409, code="exists")
        self.refused("POST", "/pools/sample/members", {"address": NG2, "port": 80},
                     status=409, code="exists")
        self.refused("PATCH", "/routes/health", {"name": "site"}, status=409, code="exists")
        self.refused("PUT", "/routes/health", {"name": "other"}, status=422,
                     code="id_mismatch")
        for method, path in (("GET", "/routes/nope"), ("PATCH", "/routes/nope"),
                             ("DELETE", "/listeners/nope"), ("GET", "/pools/nope/members"),
                             ("DELETE", f"/pools/sample/members/{NG4}:80"),
                             ("GET", "/nothing"), ("GET", "/generations/99999"),
                             ("PATCH", "/routes/site/deeper/still/more")):
            self.refused(method, path, {} if method == "PATCH" else None, status=404,
                         code="not_found")
        hdr, _ = self.refused("DELETE", "/config", status=405, code="method_not_allowed")
        self.assertEqual(hdr.get("Allow"), "GET, PUT, PATCH")
        hdr, _ = self.refused("POST", "/settings", {"via": True}, status=405,
                              code="method_not_allowed")
        self.assertEqual(hdr.get("Allow"), "GET, PUT, PATCH")
        hdr, _ = self.refused("PUT", "/routes", {"name": "z"}, status=405,
                              code="method_not_allowed")
        self.assertEqual(hdr.get("Allow"), "GET, POST")
        hdr, _ = self.refused("OPTIONS", "/routes", status=405, code="method_not_allowed")
        self.assertIn("POST", hdr.get("Allow", ""))
        self.refused("POST", "/rollback", {"generation": 99999}, status=404,
                     code="not_found")
        self.refused("POST", "/rollback", {"generation": "1"}, status=400,
                     code="invalid_field")

    def test_07_if_match(self):
        before = self.snapshot()
        self.assertRegex(before["etag"], r'^"[0-9a-f]{8}-\d+"$')
        self.assertEqual(before["etag"], f'"{self.ok("GET", "/status")[1]["etag"]}"')
        self.refused("PATCH", "/routes/health", {"return_body": "x\n"}, status=412,
                     code="stale", headers={"If-Match": '"00000000-1"'})
        hdr, _ = self.ok("PATCH", "/routes/health", {"return_body": "matched\n"},
                         headers={"If-Match": before["etag"]})
        self.assertNotEqual(hdr.get("ETag"), before["etag"])
        self.assertEqual(hdr.get("ETag"), self.snapshot()["etag"])
        self.assertEqual(curl(self.tb, "/healthz")[2], b"matched\n")
        # the old ETag is now stale
        self.refused("PATCH", "/routes/health", {"return_body": "ok\n"}, status=412,
                     code="stale", headers={"If-Match": before["etag"]})
        self.ok("PATCH", "/routes/health", {"return_body": "ok\n"}, headers={"If-Match": "*"})

    def test_08_transactions(self):
        ops = [
            {"op": "create", "path": "/pools", "value": {"name": "t", "members": [
                {"address": NG3, "port": 80}]}},
            {"op": "create", "path": "/routes", "value": {"name": "t", "host": "t.test",
                                                          "pool": "t"}},
        ]
        # the third operation fails: nothing of the first two is applied
        for third, status, code in (
                ({"op": "patch", "path": "/routes/site", "value": {"pool": 7}}, 400,
                 "invalid_field"),
                ({"op": "delete", "path": "/routes/nope"}, 404, "not_found"),
                ({"op": "create", "path": "/routes", "value": {"name": "u", "pool": "nope"}},
                 422, "invalid_config"),
                ({"op": "frob", "path": "/routes"}, 400, "invalid_field")):
            self.refused("POST", "/transactions", {"operations": ops + [third]},
                         status=status, code=code)
            self.refused("GET", "/pools/t", status=404)
        self.refused("POST", "/transactions", {"operations": []}, status=400,
                     code="invalid_field")
        self.refused("POST", "/transactions", [], status=400)
        # a valid one: exactly one new generation
        before = self.snapshot()
        third = {"op": "patch", "path": "/routes/health", "value": {"return_body": "txn\n"}}
        _, r = self.ok("POST", "/transactions", {"operations": ops + [third]})
        self.assertEqual(r["generation"], before["generation"] + 1)
        self.assertEqual([a["op"] for a in r["applied"]], ["create", "create", "patch"])
        after = self.snapshot()
        self.assertEqual(after["generation"], before["generation"] + 1)
        self.assertEqual(after["history"][0]["source"], "POST /api/v1/transactions")
        self.assertEqual(after["history"][1:], before["history"])
        self.assertEqual(upstream_of(self.tb, host="t.test"), NG3)
        self.assertEqual(curl(self.tb, "/healthz")[2], b"txn\n")
        _, r = self.ok("POST", "/transactions", {"operations": [
            {"op": "delete", "path": "/routes/t"}, {"op": "delete", "path": "/pools/t"},
            {"op": "patch", "path": "/routes/health", "value": {"return_body": "ok\n"}}]})
        self.assertEqual(r["generation"], after["generation"] + 1)

    # -- 4. history and rollback -----------------------------------------

    def test_09_history_and_rollback(self):
        self.ok("PATCH", "/routes/health", {"return_body": "before rollback\n"})
        self.ok("POST", "/routes", {"name": "late", "path": "/late", "return_status": 204},
                status=201)
        _, hist = self.ok("GET", "/generations")
        gens = [h["generation"] for h in hist]
        g = self.generation()
        self.assertEqual(gens, list(range(g, 0, -1)), self.ctx(hist))
        self.assertEqual(hist[-1]["source"], "startup")
        self.assertEqual(hist[0]["source"], "POST /api/v1/routes")
        self.assertEqual(hist[1]["source"], "PATCH /api/v1/routes/health")
        self.assertTrue(all(abs(h["time"] - time.time()) < 600 for h in hist))
        _, one = self.ok("GET", "/generations/1")
        self.assertEqual(one["source"], "startup")
        self.assertEqual(one["config"], json.loads(self.initial_config))
        hdr, r = self.ok("POST", "/rollback", {"generation": 1})
        self.assertEqual(r["generation"], g + 1)
        self.assertEqual(raw_get(self.gw, API + "/config"), self.initial_config)
        _, hist = self.ok("GET", "/generations")
        self.assertEqual((hist[0]["generation"], hist[0]["source"]), (g + 1, "rollback to 1"))
        self.assertEqual(curl(self.tb, "/healthz")[2], b"ok\n")
        self.assertEqual(curl(self.tb, "/late")[0], 404)  # nginx, by the default route
        with open(self.gw.conf_path) as f:
            text = f.read()
        self.assertIn(f"generation {g + 1},", text)
        self.assertNotIn("late", text)
        self.assertEqual(subprocess.run([sltest.SLUICED, "--check", "-c", self.gw.conf_path],
                                        capture_output=True).returncode, 0)
        # and forward again
        self.ok("POST", "/rollback", {"generation": g})
        self.assertEqual(self.ok("GET", "/routes/late")[1]["return_status"], 204)
        self.assertTrue(self.gw.alive(), self.ctx())


# ---------------------------------------------------------------------------

class Security(MgmtCase):
    TB = "m2"
    MGMT = 'token = "s3cret";'

    def test_1_token_for_changes(self):
        g = self.generation()
        st, _, s = self.gw.api("GET", API + "/status")
        self.assertEqual((st, s["token_required"]), (200, True))
        self.assertEqual(self.gw.api("GET", API + "/routes")[0], 200)
        self.assertEqual(self.gw.api("GET", "/metrics")[0], 200)
        body = {"name": "t", "path": "/t", "return_status": 200, "return_body": "tok\n"}
        hdr, _ = self.refused("POST", "/routes", body, status=401, code="unauthorized",
                              token=None)
        # RFC 6750 3: a 401 names the scheme it wants
        self.assertEqual(hdr.get("WWW-Authenticate"), 'Bearer realm="sluice"', hdr)
        self.refused("POST", "/routes", body, status=403, code="forbidden", token="s3cre")
        self.refused("POST", "/routes", body, status=403, code="forbidden", token="s3cret2")
        # a credential of another scheme is a wrong one
        self.refused("POST", "/routes", body, status=403, code="forbidden", token=None,
                     headers={"Authorization": "Basic czNjcmV0"})
        self.refused("POST", "/rollback", {"generation": 1}, status=401, token=None)
        self.refused("POST", "/transactions", {"operations": [
            {"op": "delete", "path": "/routes/health"}]}, status=401, token=None)
        self.ok("POST", "/routes", body, status=201, token="s3cret")
        self.assertEqual(self.generation(), g + 1)
        self.assertEqual(curl(self.tb, "/t")[2], b"tok\n")

    def test_2_console_auth(self):
        c = Console(self.gw.console_port)
        try:
            g = self.generation()
            self.assertIn("(needs auth)", c.cmd("help create"))
            self.assertRegex(c.cmd("show routes"), r"health\s")
            out = c.cmd('create routes {"name": "c", "path": "/c", "return_status": 204}')
            self.assertIn("error 401 unauthorized", out)
            self.assertIn("error 401", c.cmd("set routes/health return_body x"))
            self.assertIn("error 401", c.cmd("delete routes/health"))
            self.assertIn("error 401", c.cmd("rollback 1"))
            self.assertIn("error 403 forbidden", c.cmd("auth nope"))
            self.assertIn("error 401", c.cmd("delete routes/health"))
            self.assertEqual(self.generation(), g)
            self.assertIn("ok: authorized", c.cmd("auth s3cret"))
            out = c.cmd('create routes {"name": "c", "path": "/c", "return_status": 204}')
            self.assertIn(f"ok: generation {g + 1}", out)
            # a wrong token later takes the authorization back
            self.assertIn("error 403", c.cmd("auth wrong"))
            self.assertIn("error 401", c.cmd("delete routes/c"))
        finally:
            c.close()
        # another session starts unauthorized
        c = Console(self.gw.console_port)
        try:
            self.assertIn("error 401", c.cmd("delete routes/c"))
        finally:
            c.close()

    def test_3_read_needs_token_from_file(self):
        fd, tok = tempfile.mkstemp(prefix="sluice-token-")
        self.addCleanup(os.unlink, tok)
        with os.fdopen(fd, "w") as f:
            f.write("fi1e-t0ken\nsecond line ignored\n")
        remove_gateway(self.gw, self.drainer)
        type(self).start_gateway(f'token = "s3cret"; token_file = "{tok}"; '
                                 'read_needs_token = true;')
        for path in ("/status", "/config", "/routes/health", "/generations"):
            st, _, b = self.gw.api("GET", API + path)
            self.assertEqual((st, b["error"]["code"]), (401, "unauthorized"), path)
            st, _, b = self.gw.api("GET", API + path, token="s3cret")  # the file wins
            self.assertEqual((st, b["error"]["code"]), (403, "forbidden"), path)
            self.assertEqual(self.gw.api("GET", API + path, token="fi1e-t0ken")[0], 200)
        self.assertEqual(self.gw.api("GET", "/metrics")[0], 401)
        self.assertEqual(self.gw.api("GET", "/metrics", token="fi1e-t0ken")[0], 200)
        self.assertEqual(self.gw.api("PATCH", API + "/routes/health", {"return_body": "f\n"},
                                     token="fi1e-t0ken")[0], 200)
        c = Console(self.gw.console_port)
        try:
            self.assertIn("error 401", c.cmd("show routes"))
            self.assertIn("error 401", c.cmd("get routes/health"))
            self.assertIn("list the commands", c.cmd("help"))
            self.assertIn("ok: authorized", c.cmd("auth fi1e-t0ken"))
            self.assertRegex(c.cmd("show routes"), r"health\s")
        finally:
            c.close()

    @classmethod
    def token(cls):
        return None


# ---------------------------------------------------------------------------

COMMANDS = ("help", "show", "get", "create", "replace", "patch", "set", "delete",
            "transaction", "rollback", "auth", "quit", "exit")


class ConsoleTest(MgmtCase):
    TB = "m3"

    def setUp(self):
        self.c = Console(self.gw.console_port)
        self.addCleanup(self.c.close)

    def test_1_help(self):
        self.assertIn("Sluice console", self.c.banner)
        out = self.c.cmd("help")
        listed = re.findall(r"^  (\w+)", out, re.M)
        self.assertEqual([c for c in listed if c in COMMANDS], list(COMMANDS), out)
        for c in listed:  # every command listed is known to help and to the console
            self.assertNotIn("error: no command", self.c.cmd(f"help {c}"), c)
        self.assertIn("set PATH FIELD VALUE", self.c.cmd("help set"))
        self.assertIn("error: no command 'frob'", self.c.cmd("help frob"))

    def test_2_show(self):
        self.assertEqual(curl(self.tb, "/")[0], 200)
        out = self.c.cmd("show listeners")
        self.assertRegex(out, r"NAME\s+ADDRESS\s+PORT\s+BACKLOG")
        self.assertRegex(out, rf"web\s+{GW}\s+80\s+1024")
        self.assertRegex(self.c.cmd("show pools"), r"sample\s+swrr\s+1\s+32\s+1")
        out = self.c.cmd("show members")
        self.assertRegex(out, rf"sample\s+{NG2}:80\s+yes")
        self.assertRegex(out, rf"alt\s+{NG4}:80\s+yes")
        self.assertNotIn("alt", self.c.cmd("show members sample"))
        out = self.c.cmd("show routes")
        self.assertRegex(out, r"health\s+\*/healthz exact\s+return 200")
        self.assertRegex(out, r"site\s+default\s+pool sample\s+[1-9]\d*\s+[1-9]")
        out = self.c.cmd("show ports")
        self.assertRegex(out, r"front\s+198\.18\.0\.1/24\s+[0-9A-F:]{17}\s+1500")
        self.assertRegex(out, r"back\s+198\.19\.0\.1/24")
        out = self.c.cmd("show lcores")
        self.assertRegex(out, r"\n0\s+management")
        self.assertRegex(out, r"\n1\s+worker")
        out = self.c.cmd("show counters")
        self.assertRegex(out, r"proxy requests\s+[1-9]")
        self.assertRegex(out, r"tcp connections_open\s+\d+")
        self.assertGreater(len(self.c.cmd("show counters all").splitlines()), len(out.splitlines()))
        st = self.ok("GET", "/status")[1]
        out = self.c.cmd("show generation")
        self.assertIn(f"generation {st['generation']}\r\n", out)
        self.assertIn(f'etag "{st["etag"]}"', out)
        self.assertIn(f"file {self.gw.conf_path}", out)
        self.assertRegex(self.c.cmd("show history"), r"\n1\s+\S+Z\s+startup")
        self.assertEqual(json.loads(self.c.cmd("show config")), self.ok("GET", "/config")[1])
        self.assertEqual(json.loads(self.c.cmd("show settings")),
                         self.ok("GET", "/settings")[1])
        self.assertIn("error: show what?", self.c.cmd("show frob"))

    def test_3_get_and_changes(self):
        self.assertEqual(json.loads(self.c.cmd("get routes/site")),
                         self.ok("GET", "/routes/site")[1])
        self.assertEqual(json.loads(self.c.cmd("get /pools/sample/members")),
                         self.ok("GET", "/pools/sample/members")[1])
        self.assertIn("error 404 not_found", self.c.cmd("get routes/nope"))
        g = self.generation()
        out = self.c.cmd('create routes {"name": "c", "path": "/c", "path_match": "exact", '
                         '"return_status": 200, "return_body": "console\\n"}')
        self.assertIn(f"ok: generation {g + 1}", out)
        self.assertEqual(curl(self.tb, "/c")[2], b"console\n")
        self.assertIn(f"ok: generation {g + 2}",
                      self.c.cmd('patch routes/c {"return_body": "patched\\n"}'))
        self.assertIn(f"ok: generation {g + 3}", self.c.cmd("set routes/c return_status 203"))
        self.assertIn(f"ok: generation {g + 4}",
                      self.c.cmd("set routes/c return_content_type text/x-console"))
        st, hdr, body = curl(self.tb, "/c")
        self.assertEqual((st, hdr.get("content-type"), body),
                         (203, "text/x-console", b"patched\n"))
        self.assertIn(f"ok: generation {g + 5}", self.c.cmd(
            'replace routes/c {"path": "/index.html", "pool": "alt"}'))
        self.assertEqual(upstream_of(self.tb, "/index.html"), NG4)
        self.assertIn(f"ok: generation {g + 6}", self.c.cmd(
            'create pools/alt/members {"address": "198.19.0.3", "port": 80}'))
        self.assertIn(f"ok: generation {g + 7}", self.c.cmd(
            'transaction {"operations": [{"op": "delete", "path": "/pools/alt/members/'
            '198.19.0.4:80"}, {"op": "patch", "path": "/routes/c", "value": '
            '{"path": "/index.htm"}}]}'))
        self.assertEqual(upstream_of(self.tb, "/index.html"), NG3)
        self.assertIn(f"ok: generation {g + 8}", self.c.cmd("delete routes/c"))
        self.assertIn(f"ok: generation {g + 9}", self.c.cmd(f"rollback {g}"))
        self.assertEqual(self.ok("GET", "/pools/alt/members")[1],
                         [{"address": NG4, "port": 80, "weight": 1}])
        self.assertEqual(self.generation(), g + 9)
        self.assertRegex(self.c.cmd("show history"), rf"{g + 9}\s+\S+\s+console \d+: rollback")

    def test_4_errors(self):
        g = self.generation()
        before = raw_get(self.gw, API + "/config")
        self.assertIn("error: unknown command 'frobnicate'", self.c.cmd("frobnicate now"))
        self.assertIn("error 400 malformed_json", self.c.cmd('patch routes/site {"pool": '))
        self.assertIn("error: a JSON object is expected", self.c.cmd("patch routes/site"))
        self.assertIn("error 400 not_an_object", self.c.cmd("patch routes/site [1]"))
        out = self.c.cmd("set routes/site pool nope")
        self.assertIn("error 422 invalid_config", out)
        self.assertIn("(field routes[1].pool)", out)
        self.assertIn("error 400 invalid_field", self.c.cmd("set routes/site priority high"))
        self.assertIn("error 409 exists", self.c.cmd(
            'create pools {"name": "alt", "members": [{"address": "198.19.0.3"}]}'))
        self.assertIn("error 404 not_found", self.c.cmd("delete routes/nope"))
        self.assertIn("error: usage: rollback", self.c.cmd("rollback x"))
        self.assertIn("error: usage: set", self.c.cmd("set routes/site"))
        self.assertIn("error: line too long", self.c.cmd("get " + "x" * 5000))
        self.assertIn("error 405", self.c.cmd("delete config"))
        self.assertEqual(self.generation(), g)
        self.assertEqual(raw_get(self.gw, API + "/config"), before)

    def test_5_two_sessions(self):
        other = Console(self.gw.console_port)
        self.addCleanup(other.close)
        g = self.generation()
        self.c.s.sendall(b"show generation\r\n")
        other.s.sendall(b"show generation\r\n")
        self.assertIn(f"generation {g}", other.until_prompt())
        self.assertIn(f"generation {g}", self.c.until_prompt())
        self.assertIn(f"ok: generation {g + 1}",
                      self.c.cmd('set routes/health return_body "two\\n"'))
        self.assertEqual(json.loads(other.cmd("get routes/health"))["return_body"], "two\n")
        self.assertIn(f"ok: generation {g + 2}",
                      other.cmd("set routes/health return_body \"ok\\n\""))
        self.assertEqual(json.loads(self.c.cmd("get routes/health"))["return_body"], "ok\n")
        self.assertRegex(self.c.cmd("show history"),
                         rf"{g + 2}\s+\S+\s+console (\d+): set /routes/health return_body")
        self.assertIn("bye", other.s.sendall(b"quit\r\n") or other.rest())

    def test_6_telnet_options_raw(self):
        # IAC DO ECHO, IAC WILL NAWS, a subnegotiation, IAC IAC in a line
        self.c.s.sendall(bytes([255, 253, 1, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240])
                         + b"show generation\r\n")
        out = b""
        while b"sluice> " not in out:
            out += self.c.s.recv(4096)
        self.assertTrue(out.startswith(bytes([255, 252, 1, 255, 254, 31])), out)
        self.assertIn(b"generation ", out)
        self.assertNotIn(b"unknown command", out)
        self.c.s.sendall(b"get routes/x" + bytes([255, 255]) + b"\r\n")
        self.assertIn("not_found", self.c.until_prompt())
        # Ctrl-D on an empty line ends the session
        self.c.s.sendall(b"\x04")
        self.assertEqual(self.c.rest(), "")

    def test_7_real_telnet(self):
        """inetutils telnet with "-PORT": it negotiates options at once."""
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp("telnet", ["telnet", "--", "127.0.0.1", f"-{self.gw.console_port}"])
        out = b""

        def read_until(marker, timeout=10):
            nonlocal out
            deadline = time.time() + timeout
            while marker not in out and time.time() < deadline:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        out += os.read(fd, 65536)
                    except OSError:
                        break
            return marker in out
        try:
            self.assertTrue(read_until(b"sluice> "), out)
            g = self.generation()
            os.write(fd, b"show generation\r")
            self.assertTrue(read_until(f"generation {g}".encode()), out)
            os.write(fd, b"set routes/health return_body telnet\r")
            self.assertTrue(read_until(f"ok: generation {g + 1}".encode()), out)
            os.write(fd, b"quit\r")
            self.assertTrue(read_until(b"bye"), out)
            self.assertTrue(read_until(b"Connection closed"), out)
        finally:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(fd)
        self.assertNotIn(b"unknown command", out)
        self.assertEqual(self.ok("GET", "/routes/health")[1]["return_body"], "telnet")

    def test_8_idle_timeout(self):
        self.c.close()
        remove_gateway(self.gw, self.drainer)
        type(self).start_gateway("console_idle_timeout_s = 1;")
        busy, idle = Console(self.gw.console_port), Console(self.gw.console_port)
        self.addCleanup(busy.close)
        self.addCleanup(idle.close)
        t0 = time.time()
        while time.time() - t0 < 2.5:  # activity keeps a session open
            self.assertIn("generation", busy.cmd("show generation"))
            time.sleep(0.3)
        self.assertIn("idle timeout", idle.rest())
        self.assertLess(time.time() - t0, 6)
        self.assertIn("generation", busy.cmd("show generation"))
        time.sleep(1.6)
        self.assertIn("idle timeout", busy.rest())


# ---------------------------------------------------------------------------

class Durability(MgmtCase):
    TB = "m4"

    def restart(self, sig):
        code = stop_gateway(self.gw, self.drainer, sig)
        self.gw.start()
        type(self).drainer = drain(self.gw, self.lines)
        return code

    def test_1_restart_restores_the_applied_state(self):
        self.ok("POST", "/pools", {"name": "p3", "algorithm": "rr", "members": [
            {"address": NG3, "port": 80}]}, status=201)
        self.ok("POST", "/routes", {"name": "p3", "host": "p3.test", "pool": "p3"}, status=201)
        self.ok("PATCH", "/routes/site", {"pool": "alt"})
        self.ok("POST", "/pools/alt/members", {"address": NG3, "port": 80, "weight": 3},
                status=201)
        self.ok("DELETE", f"/pools/alt/members/{NG4}:80")
        self.ok("PATCH", "/routes/health", {"return_body": "restarted \"quoted\"\\ \u00e9\n"})
        self.ok("POST", "/listeners", {"name": "l2", "address": GW, "port": 8080}, status=201)
        self.ok("PATCH", "/settings", {"via": False, "max_fields": 77})
        self.ok("POST", "/transactions", {"operations": [
            {"op": "delete", "path": "/routes/p3"}, {"op": "delete", "path": "/pools/p3"},
            {"op": "create", "path": "/routes", "value": {"name": "fixed", "path": "/f",
                                                          "return_status": 299}}]})
        pre = raw_get(self.gw, API + "/config")
        self.assertEqual(self.restart(signal.SIGTERM), 0)
        post = raw_get(self.gw, API + "/config")
        self.assertEqual(post, pre)
        self.assertEqual(self.generation(), 1)
        st, hdr, _ = curl(self.tb, "/", port=8080)
        self.assertEqual((st, hdr.get("x-upstream")), (200, NG3))
        self.assertNotIn("via", hdr)
        self.assertEqual(curl(self.tb, "/f")[0], 299)
        self.assertEqual(curl(self.tb, "/healthz")[2], "restarted \"quoted\"\\ \u00e9\n".encode())
        self.assertEqual(self.ok("GET", "/pools/p3", status=404)[1]["error"]["code"],
                         "not_found")

    def test_2_sigkill_during_changes(self):
        """Changes as fast as they are taken; SIGKILL at random moments."""
        rng = random.Random(4242)
        path = self.gw.conf_path
        killed = []
        value = 0
        stale = []
        for cycle in range(20):
            state = {"acked": value, "inflight": None, "stop": False}

            def loop():
                i = state["acked"]
                while not state["stop"]:
                    i += 1
                    state["inflight"] = i
                    try:
                        st, _, _ = self.gw.api("PATCH", API + "/routes/health",
                                               {"return_body": f"v{i}"}, timeout=5)
                    except Exception:  # the daemon is gone
                        return
                    if st != 200:
                        state["error"] = st
                        return
                    state["acked"] = i
            t = threading.Thread(target=loop, daemon=True)
            t.start()
            wait_for(lambda: state["acked"] > value or "error" in state, 10, 0.005)
            time.sleep(rng.uniform(0.05, 0.5))
            pid = self.gw.proc.pid
            self.gw.proc.kill()
            self.gw.proc.wait()
            state["stop"] = True
            t.join(10)
            killed.append(pid)
            self.assertNotIn("error", state, self.ctx(state))
            self.assertGreater(state["acked"], value, self.ctx("no change was applied", state))
            r = subprocess.run([sltest.SLUICED, "--check", "-c", path], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, self.ctx(f"cycle {cycle}: the file does not load",
                                                       r.stdout, r.stderr))
            with open(path) as f:
                text = f.read()
            m = re.findall(r'return_body = "v(\d+)";', text)
            self.assertEqual(len(m), 1, self.ctx(text))
            got = int(m[0])
            self.assertIn(got, (state["acked"], state["inflight"]), self.ctx(
                f"cycle {cycle}: the file has v{got}", state))
            # temporary files: at most the one the killed save was writing,
            # which the next save reuses
            tmps = sorted(glob.glob(path + ".tmp*"))
            others = [p for p in tmps if p != f"{path}.tmp"]
            if others:
                stale.append((cycle, others))
            stop_gateway(self.gw, self.drainer)
            self.gw.start()
            type(self).drainer = drain(self.gw, self.lines)
            self.assertEqual(self.ok("GET", "/routes/health")[1]["return_body"], f"v{got}")
            value = got
        self.assertTrue(self.gw.alive())
        # Checked last, so that the checks above ran for every cycle.
        left = sorted({p for _, ps in stale for p in ps})
        self.assertEqual(left, [], f"stale temporary files of killed processes accumulate "
                         f"next to the configuration file (first seen after cycle "
                         f"{stale[0][0] if stale else '-'} of 20; killed pids {killed})")


if __name__ == "__main__":
    sltest.main()
