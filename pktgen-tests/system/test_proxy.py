#!/usr/bin/env python3
"""The HTTP reverse proxy (docs/proxy.md) between real clients (curl, wrk, ab,
raw Python sockets in the client namespace) and real upstreams (nginx and
upstream_server.py in the upstream namespace):

  - methods, HEAD without a body; bodies byte-exact both ways (sha256),
    Content-Length and chunked, 0 B .. 100 MiB;
  - pipelining, Expect: 100-continue, HTTP/1.0 clients (chunked responses
    de-chunked and ended by close);
  - upstream keep-alive reuse; wrk and ab without errors;
  - the forwarded head: X-Forwarded-*, Via, X-Request-Id, hop-by-hop fields
    removed both ways, host_rewrite;
  - routing: no route (404), default route, fixed responses and redirects that
    never reach an upstream, a path route;
  - failures: retry past a dead member, 502 for a refused POST, 504 for an
    upstream that does not answer, and the counters of each;
  - afterwards the gateway is alive, holds no client connection, and exits 0
    on SIGTERM.

One testbed (p1), one gateway, two nginx instances (ports 8001-8003) and one
upstream_server.py (port 9001), all started and removed here."""
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import sltest
from sltest import Gateway, Testbed, in_netns, wait_for
from upstream_server import pattern, pattern_chunks, pattern_sha256

GW = "198.18.0.1"
CLIENT = "198.18.0.2"
WEB, DFLT = 80, 8080  # listeners: without / with a default route
KB, MB = 1024, 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))
UPSTREAM_SERVER = os.path.join(HERE, "upstream_server.py")

# Upstreams: nginx A on .2:8001 and .4:8003 (pool "ka": its own address, so
# its access log lines are told apart), nginx B on .3:8002 (with
# upstream_server.py on .2:9001, the pool "pair"; B is stopped in the failover
# test), upstream_server.py on .2:9001 and .3:9001 (pool "slow"); nothing
# listens on .4:9999 (pool "refuse").
NG_A, NG_B, NG_KA = "198.19.0.2:8001", "198.19.0.3:8002", "198.19.0.4:8003"
PY, PY_SLOW, REFUSED = "198.19.0.2:9001", "198.19.0.3:9001", "198.19.0.4:9999"


def member(addr, weight=1):
    host, port = addr.split(":")
    return f'{{ address = "{host}"; port = {port}; weight = {weight}; }}'


def pool(name, members, extra=""):
    return (f'{{ name = "{name}"; algorithm = "rr"; keepalive_timeout_ms = 3000; {extra}\n'
            f'      members = ( {", ".join(member(m) for m in members)} ); }}')


PROXY = f"""
  max_body_bytes = 1073741824;
  client_body_timeout_ms = 2000;
  listeners = (
    {{ name = "web";  address = "{GW}"; port = {WEB}; }},
    {{ name = "dflt"; address = "{GW}"; port = {DFLT}; }}
  );
  pools = (
    {pool("py", [PY])},
    {pool("ng", [NG_A])},
    {pool("ka", [NG_KA])},
    {pool("pair", [NG_B, PY], "retries = 1; idle_timeout_ms = 4000; max_fails = 0;")},
    {pool("eject", [NG_B, PY], "retries = 1; max_fails = 1; fail_timeout_ms = 60000;")},
    {pool("refuse", [REFUSED], "retries = 0;")},
    {pool("slow", [PY_SLOW], "retries = 0; response_timeout_ms = 1000;")}
  );
  routes = (
    {{ name = "py"; listener = "web"; host = "py.test"; pool = "py"; }},
    {{ name = "ng"; listener = "web"; host = "ng.test"; pool = "ng"; }},
    {{ name = "ngapi"; listener = "web"; host = "ng.test"; path = "/api/";
       path_match = "prefix"; pool = "py"; }},
    {{ name = "ka"; listener = "web"; host = "ka.test"; pool = "ka"; }},
    {{ name = "pair"; listener = "web"; host = "pair.test"; pool = "pair"; }},
    {{ name = "eject"; listener = "web"; host = "eject.test"; pool = "eject"; }},
    {{ name = "refuse"; listener = "web"; host = "refuse.test"; pool = "refuse"; }},
    {{ name = "slow"; listener = "web"; host = "slow.test"; pool = "slow"; }},
    {{ name = "rewrite"; listener = "web"; host = "rewrite.test"; pool = "py";
       host_rewrite = "backend.internal"; }},
    {{ name = "fixed"; listener = "web"; host = "fixed.test"; return_status = 200;
       return_body = "fixed answer\\n"; return_content_type = "text/plain"; }},
    {{ name = "redir"; listener = "web"; host = "redir.test";
       redirect = "http://{GW}/moved"; return_status = 301; }},
    {{ name = "fallback"; listener = "dflt"; default = true; pool = "ng"; }}
  );
"""

NGINX_CONF = """
worker_processes 1;
daemon on;
pid {dir}/nginx-{n}.pid;
error_log {dir}/nginx-{n}.error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format sl '$server_addr:$server_port $connection $connection_requests '
                  '"$request" $status $body_bytes_sent';
    access_log {dir}/nginx-{n}.access.log sl;
    keepalive_requests 100000;
    keepalive_timeout 75s;
    client_body_temp_path {dir}/nginx-{n}-body;
    proxy_temp_path {dir}/nginx-{n}-proxy;
    fastcgi_temp_path {dir}/nginx-{n}-fastcgi;
    uwsgi_temp_path {dir}/nginx-{n}-uwsgi;
    scgi_temp_path {dir}/nginx-{n}-scgi;
    server {{
{listen}
        root {dir}/www;
        location / {{ add_header X-Upstream $server_addr:$server_port; }}
        location /ret/ {{ return 200 "$request_method $request_uri $server_port\\n"; }}
    }}
}}
"""

# ---------------------------------------------------------------------------
# A small HTTP/1.x client on raw sockets: exact control of what is sent, and
# of how the response was framed. Runs in the client namespace (in_netns).


class Client:
    def __init__(self, port=WEB, timeout=30):
        self.s = socket.create_connection((GW, port), timeout=timeout)
        self.buf = bytearray()

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.sendall(data)

    def fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            return False
        self.buf += d
        return True

    def line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                ln = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return ln
            if not self.fill():
                return None

    def read_into(self, n, sink):
        while n > 0:
            if not self.buf and not self.fill():
                raise EOFError(f"connection closed with {n} body bytes missing")
            k = min(n, len(self.buf))
            sink(bytes(self.buf[:k]))
            del self.buf[:k]
            n -= k

    def read_head(self):
        """(version, status, reason, [[name, value]]); None at a clean EOF."""
        ln = self.line()
        if ln is None:
            return None
        m = re.match(rb"(HTTP/\d\.\d) (\d{3}) ?(.*?)\r?\n$", ln)
        if not m:
            raise ValueError(f"bad status line {ln!r} (then {bytes(self.buf[:200])!r})")
        fields = []
        while True:
            h = self.line()
            if h is None:
                raise EOFError("connection closed in a response head")
            h = h.rstrip(b"\r\n")
            if not h:
                break
            k, _, v = h.decode("latin-1").partition(":")
            fields.append([k, v.strip()])
        return m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1"), fields

    def response(self, method="GET", keep=2 * MB):
        """Read one response (1xx included); the body is hashed, and kept if
        at most `keep` bytes."""
        t0 = time.time()
        head = self.read_head()
        if head is None:
            return None
        version, status, reason, fields = head
        hdr = lower(fields)
        sha = hashlib.sha256()
        kept = []
        n = 0

        def sink(b):
            nonlocal n
            sha.update(b)
            n += len(b)
            if n <= keep:
                kept.append(b)
        te = hdr.get("transfer-encoding", "").lower()
        framing = "none"
        if method == "HEAD" or status < 200 or status in (204, 304):
            pass
        elif te:
            framing = "chunked"
            while True:
                ln = self.line()
                if ln is None:
                    raise EOFError("closed in chunked body")
                n_chunk = int(ln.split(b";")[0].strip(), 16)
                if n_chunk == 0:
                    break
                self.read_into(n_chunk, sink)
                if self.line() != b"\r\n":
                    raise ValueError("chunk data not followed by CRLF")
            while self.line() not in (b"\r\n", None):  # trailers
                pass
        elif "content-length" in hdr:
            framing = "length"
            self.read_into(int(hdr["content-length"]), sink)
        else:
            framing = "close"
            if self.buf:
                sink(bytes(self.buf))
                self.buf.clear()
            while True:
                d = self.s.recv(1 << 20)
                if not d:
                    break
                sink(d)
        return {"version": version, "status": status, "reason": reason, "headers": fields,
                "framing": framing, "len": n, "sha": sha.hexdigest(),
                "body": b"".join(kept) if n <= keep else None, "elapsed": time.time() - t0}

    def closed_by_peer(self, timeout=3.0):
        """True if the server ends the connection (FIN or RST) within timeout."""
        if self.buf:
            return False
        self.s.settimeout(timeout)
        try:
            return self.s.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def lower(fields):
    """Fields as a dict of lowercase name -> values joined by ", "."""
    d = {}
    for k, v in fields:
        k = k.lower()
        d[k] = d[k] + ", " + v if k in d else v
    return d


def request_bytes(method, target, host, headers=(), body=None, chunked=False,
                  version="HTTP/1.1"):
    """The head (and a small body) of one request. `body` may be bytes, or
    ("pattern", n, seed) for a streamed body (see send_request)."""
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{k}: {v}" for k, v in headers]
    size = None
    if body is not None:
        size = len(body) if isinstance(body, (bytes, bytearray)) else body[1]
        lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if isinstance(body, (bytes, bytearray)):
        return head + (chunk_frame(body) if chunked else bytes(body))
    return head


CHUNKS = (1, 3000, 65536, 17, 100000)


def chunk_frame(body):
    out = []
    i = k = 0
    while i < len(body):
        c = body[i:i + CHUNKS[k % len(CHUNKS)]]
        out.append(b"%x\r\n" % len(c) + c + b"\r\n")
        i += len(c)
        k += 1
    return b"".join(out) + b"0\r\n\r\n"


def send_request(c, method, target, host, headers=(), body=None, chunked=False,
                 version="HTTP/1.1"):
    """Send one request; a ("pattern", n, seed) body is streamed (threaded by
    the caller if the response may come before the body is all sent)."""
    c.send(request_bytes(method, target, host, headers, body, chunked, version))
    if body is not None and not isinstance(body, (bytes, bytearray)):
        _, n, seed = body
        for piece in pattern_chunks(n, seed):
            c.send(b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece)
        if chunked:
            c.send(b"0\r\n\r\n")


def exchange(reqs, port=WEB, pipeline=False, timeout=60, check_close=False, close_wait=3.0):
    """Requests on one connection (each a dict of send_request's arguments),
    in turn or all in one write; returns the responses (None: the connection
    ended; a string: the error met) and, if check_close, whether the server
    then closed the connection within close_wait seconds."""
    c = Client(port, timeout)
    out = []
    try:
        if pipeline:
            c.send(b"".join(request_bytes(**r) for r in reqs))
            for r in reqs:
                out.append(c.response(r.get("method", "GET")))
        else:
            for r in reqs:
                try:
                    send_request(c, **r)
                    resp = c.response(r.get("method", "GET"))
                    while resp is not None and resp["status"] < 200:
                        resp = c.response(r.get("method", "GET"))
                except (OSError, EOFError, ValueError) as e:
                    out.append(f"{r['method']} {r['target']}: {e!r}")
                    return out + ([None] if check_close else [])
                out.append(resp)
                if resp is None:  # the server closed the connection
                    return out + ([True] if check_close else [])
        if check_close:
            out.append(c.closed_by_peer(close_wait))
        return out
    finally:
        c.close()


def one(port=WEB, check_close=False, timeout=60, close_wait=3.0, **req):
    r = exchange([req], port=port, timeout=timeout, check_close=check_close,
                 close_wait=close_wait)
    return r if check_close else r[0]


def big_upload(n, seed, chunked, timeout=300, port=WEB):
    """POST n pattern bytes to the py pool's /info; the response while the
    body is streamed by a thread."""
    c = Client(port, timeout)
    err = []

    def writer():
        try:
            send_request(c, "POST", f"/info/upload-{n}-{int(chunked)}", "py.test",
                         body=("pattern", n, seed), chunked=chunked)
        except OSError as e:
            err.append(repr(e))
    t = threading.Thread(target=writer)
    t.start()
    try:
        r = c.response()
    finally:
        t.join()
        c.close()
    r["writer_error"] = err
    return r


def expect_continue(n, port=WEB):
    """Head with Expect: 100-continue, wait for the interim response, then
    the body; (interim response, final response, body sha)."""
    c = Client(port, 10)
    body = pattern(n, 5)
    try:
        c.send(request_bytes("POST", "/info/expect-py", "py.test",
                             [("Expect", "100-continue"), ("Content-Length", str(n))]))
        interim = c.response()
        if interim is None or interim["status"] != 100:
            return interim, None, None
        c.send(body)
        return interim, c.response(), hashlib.sha256(body).hexdigest()
    finally:
        c.close()


def keepalive_clients(nconn, nreq, host, path, port=WEB):
    """nconn threads, each nreq GETs on its own keep-alive connection;
    returns the statuses."""
    statuses = []
    lock = threading.Lock()

    def worker(i):
        got = []
        try:
            c = Client(port, 30)
            for k in range(nreq):
                c.send(request_bytes("GET", f"{path}?c={i}&r={k}", host))
                r = c.response()
                got.append(r["status"] if r else None)
            c.close()
        except Exception as e:  # noqa: BLE001 - reported as a status
            got.append(repr(e))
        with lock:
            statuses.extend(got)
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(nconn)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return statuses


def sequential(n, host, path, port=WEB):
    """n GETs, each on a new connection; [(status, len, X-Upstream, seconds)]."""
    out = []
    for i in range(n):
        t0 = time.time()
        r = one(port, method="GET", target=f"{path}?i={i}", host=host, timeout=15)
        if isinstance(r, dict):
            out.append((r["status"], r["len"], lower(r["headers"]).get("x-upstream"),
                        round(time.time() - t0, 3)))
        else:
            out.append((r, 0, None, round(time.time() - t0, 3)))
    return out


def read_file(path, mode="r"):
    """The file's content; empty if it does not exist."""
    try:
        text = {} if "b" in mode else {"encoding": "latin-1", "newline": ""}
        with open(path, mode, **text) as f:
            return f.read()
    except FileNotFoundError:
        return b"" if "b" in mode else ""


def timed(fn, *args, **kw):
    t0 = time.time()
    r = fn(*args, **kw)
    return r, time.time() - t0


def show(r):
    """A response (or anything else) for a failure message."""
    if not isinstance(r, dict) or "framing" not in r:
        return repr(r)[:3000]
    body = r.get("body")
    return (f"{r['version']} {r['status']} {r['reason']} framing={r['framing']} len={r['len']}\n"
            + "\n".join(f"  {k}: {v}" for k, v in r["headers"])
            + ("" if body is None else f"\n  body: {body[:400]!r}"))


# ---------------------------------------------------------------------------


class Proxy(unittest.TestCase):
    tb = gw = None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sltest-proxy-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        os.chmod(cls.dir, 0o755)  # nginx's workers run unprivileged
        os.makedirs(f"{cls.dir}/www")
        with open(f"{cls.dir}/www/1k", "wb") as f:
            f.write(pattern(KB, 1))
        with open(f"{cls.dir}/www/16k", "wb") as f:
            f.write(pattern(16 * KB, 2))
        cls.tb = Testbed("p1").up()
        cls.addClassCleanup(cls.tb.down)
        # The testbed's own nginx (port 80) is not used here.
        for n, addrs in (("a", (NG_A, NG_KA)), ("b", (NG_B,))):
            listen = "\n".join(f"        listen {a};" for a in addrs)
            with open(f"{cls.dir}/nginx-{n}.conf", "w") as f:
                f.write(NGINX_CONF.format(dir=cls.dir, n=n, listen=listen))
            cls.start_nginx(n)
            cls.addClassCleanup(cls.stop_nginx, n)
        cls.py_log = f"{cls.dir}/py.log"
        cls.py_err = open(f"{cls.dir}/py.err", "w")
        cls.addClassCleanup(cls.py_err.close)
        cls.py = subprocess.Popen(
            ["ip", "netns", "exec", cls.tb.upstream, sys.executable, UPSTREAM_SERVER,
             "--log", cls.py_log, PY, PY_SLOW],
            stdout=subprocess.PIPE, stderr=cls.py_err, text=True)
        cls.addClassCleanup(cls.stop_py)
        ready, _, _ = select.select([cls.py.stdout], [], [], 20)
        if not ready or cls.py.stdout.readline().strip() != "ready":
            raise RuntimeError("upstream_server.py did not start: " + read_file(cls.py_err.name))
        cls.drain = None
        cls.gw_lines = []
        cls.gw = Gateway(cls.tb, proxy=PROXY)
        cls.addClassCleanup(cls.kill_gateway)
        cls.gw.start()
        # Keep reading what the daemon prints: a full pipe would block it.
        cls.gw_lines.append(cls.gw.output)
        cls.drain = threading.Thread(target=cls.drain_gateway, args=(cls.gw.proc,),
                                     daemon=True)
        cls.drain.start()
        m = re.search(r"(\d+) worker\(s\)", cls.gw.output)
        cls.workers = int(m.group(1)) if m else 1

    # -- processes -------------------------------------------------------

    @classmethod
    def drain_gateway(cls, proc):
        for line in proc.stdout:
            cls.gw_lines.append(line)

    @classmethod
    def gw_tail(cls, n=4000):
        return "".join(cls.gw_lines)[-n:]

    @classmethod
    def kill_gateway(cls):
        gw = cls.gw
        if gw.proc is not None:
            if gw.proc.poll() is None:
                gw.proc.kill()
            gw.proc.wait()
            if cls.drain is not None:
                cls.drain.join(5)
            gw.proc.stdout.close()
            if gw.proc.returncode not in (0, -signal.SIGKILL):
                print(f"\nsluiced exited with {gw.proc.returncode}:\n{cls.gw_tail(20000)}",
                      file=sys.stderr)
            gw.proc = None
            shutil.rmtree(f"/var/run/dpdk/{gw.prefix}", ignore_errors=True)
        if os.path.exists(gw.conf_path):
            os.unlink(gw.conf_path)

    @classmethod
    def nginx_pid(cls, n):
        try:
            with open(f"{cls.dir}/nginx-{n}.pid") as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    @classmethod
    def start_nginx(cls, n):
        sltest.sh("ip", "netns", "exec", cls.tb.upstream, "nginx", "-e",
                  f"{cls.dir}/nginx-{n}.error.log", "-c", f"{cls.dir}/nginx-{n}.conf")
        if not wait_for(lambda: cls.nginx_pid(n), 10):
            raise RuntimeError(f"nginx {n} did not start")

    @classmethod
    def stop_nginx(cls, n):
        pid = cls.nginx_pid(n)
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)  # the master: its worker follows
        except ProcessLookupError:
            return
        if not wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 10):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: cls.nginx_pid(n) is None, 5)

    @classmethod
    def stop_py(cls):
        if cls.py.poll() is None:
            cls.py.kill()
        cls.py.wait()
        cls.py.stdout.close()

    # -- helpers ---------------------------------------------------------

    def client(self, fn, *args, ns_timeout=120, **kw):
        """fn(*args, **kw) in the client namespace."""
        return in_netns(self.tb.client, lambda: fn(*args, **kw), timeout=ns_timeout)

    def ctx(self, *what):
        """Context of a failure: what was seen, and the daemon's last words."""
        alive = self.gw.proc is not None and self.gw.proc.poll() is None
        return ("\n".join(w if isinstance(w, str) else show(w) for w in what)
                + f"\n--- sluiced {'alive' if alive else 'DEAD'}, output tail:\n"
                + self.gw_tail())

    def curl(self, *args, timeout=60):
        """curl in the client namespace: (status, header text, body, stderr, -w text)."""
        hf, bf = f"{self.dir}/curl.head", f"{self.dir}/curl.body"
        for p in (hf, bf):
            if os.path.exists(p):
                os.unlink(p)
        r = self.tb.run(self.tb.client, "curl", "-sS", "--max-time", str(timeout - 5),
                        "-D", hf, "-o", bf, "-w", "%{http_code} %{time_total}", *args,
                        timeout=timeout)
        head = read_file(hf)
        body = read_file(bf, "rb")
        code, _, rest = r.stdout.partition(" ")
        return int(code or 0), head, body, r.stderr, rest

    def py_records(self, marker):
        """upstream_server.py's records of requests whose target contains marker."""
        out = []
        with open(self.py_log) as f:
            for line in f:
                rec = json.loads(line)
                if marker in rec.get("target", ""):
                    out.append(rec)
        return out

    def nginx_log(self, n):
        return read_file(f"{self.dir}/nginx-{n}.access.log").splitlines()

    def stats(self):
        return self.gw.proxy_stats()

    def delta(self, before, after, key):
        self.assertIn(key, after, f"/sluice/proxy/stats has no {key}: {sorted(after)}")
        return after[key] - before[key]

    def member(self, pool_name, addr):
        """The /sluice/proxy/members entry of pool/address:port."""
        table = self.gw.proxy_members()  # {"pool/index": {..., "address": "a:p"}}
        for k, e in table.items():
            if k.split("/")[0] == pool_name and e.get("address") == addr:
                return e
        self.fail(f"no member {pool_name}/{addr} in /sluice/proxy/members: {sorted(table)}")

    def route(self, name):
        table = self.gw.proxy_routes()
        if isinstance(table, dict) and name in table:
            return table[name]
        if isinstance(table, list):
            for e in table:
                if isinstance(e, dict) and e.get("name") == name:
                    return e
        self.fail(f"no route {name} in /sluice/proxy/routes: {table}")

    def body_json(self, r):
        self.assertIsInstance(r, dict, self.ctx("no response", r))
        self.assertEqual(r["status"], 200, self.ctx(r))
        try:
            return json.loads(r["body"])
        except (TypeError, ValueError):
            self.fail(self.ctx("body is not the upstream's JSON record", r))

    # -- 1. methods ------------------------------------------------------

    def test_01_methods(self):
        reqs = [dict(method="GET", target="/info/m-get", host="py.test"),
                dict(method="HEAD", target="/info/m-head", host="py.test"),
                dict(method="POST", target="/echo/m-post", host="py.test", body=b"posted body"),
                dict(method="PUT", target="/info/m-put", host="py.test", body=b"x" * 1000),
                dict(method="DELETE", target="/info/m-delete", host="py.test"),
                dict(method="HEAD", target="/16k", host="ng.test"),
                dict(method="GET", target="/16k", host="ng.test"),
                dict(method="OPTIONS", target="/info/m-options", host="py.test"),
                # The head of a chunked response, without its body.
                dict(method="HEAD", target="/gen?n=5000&chunked=1", host="py.test"),
                dict(method="GET", target="/info/m-after-head", host="py.test")]
        # All on one keep-alive connection: a body after HEAD would be read
        # as the next status line and break the exchange.
        got = self.client(exchange, reqs)
        self.assertEqual(len(got), len(reqs), self.ctx(*got))
        for req, r in zip(reqs, got):
            self.assertIsNotNone(r, self.ctx(f"{req['method']} {req['target']}: no response"))
            self.assertEqual(r["status"], 200, self.ctx(req, r))
        get, head, post, put, delete, nhead, nget, options, chead, after = got
        self.assertEqual(self.body_json(get)["method"], "GET")
        self.assertEqual(head["len"], 0, self.ctx(head))
        self.assertEqual(post["body"], b"posted body", self.ctx(post))
        rec = self.body_json(put)
        self.assertEqual((rec["method"], rec["body_len"]), ("PUT", 1000))
        self.assertEqual(self.body_json(delete)["method"], "DELETE")
        self.assertEqual(self.body_json(options)["method"], "OPTIONS")
        self.assertEqual(chead["len"], 0, self.ctx(chead))
        self.assertEqual(self.body_json(after)["target"], "/info/m-after-head")
        self.assertEqual(lower(nhead["headers"]).get("content-length"), "16384", self.ctx(nhead))
        self.assertEqual(nhead["len"], 0)
        self.assertEqual(nget["sha"], hashlib.sha256(pattern(16 * KB, 2)).hexdigest(),
                         self.ctx(nget))
        # The upstream saw each once, HEAD as HEAD.
        self.assertEqual([r["method"] for r in self.py_records("/info/m-head")], ["HEAD"])
        # curl: -I, -X PUT / DELETE.
        code, head_text, out, err, _ = self.curl("-I", "-H", "Host: ng.test",
                                                f"http://{GW}/1k")
        # curl -I writes the head to -o as well: nothing may follow it.
        self.assertEqual((code, out), (200, head_text.encode("latin-1")), self.ctx(head_text, err))
        self.assertRegex(head_text, r"(?i)content-length: 1024")
        for m in ("PUT", "DELETE", "POST"):
            code, head_text, body, err, _ = self.curl(
                "-X", m, "-H", "Host: py.test", "--data-binary", f"{m} data",
                f"http://{GW}/info/curl-{m}")
            self.assertEqual(code, 200, self.ctx(head_text, err))
            rec = json.loads(body)
            self.assertEqual((rec["method"], rec["body_len"]), (m, len(m) + 5))

    # -- 2. bodies -------------------------------------------------------

    def test_02_bodies_both_ways(self):
        for size in (0, KB, MB):
            for chunked in (False, True):
                body = pattern(size, size + 3)
                want = hashlib.sha256(body).hexdigest()
                what = f"POST /echo {size} bytes {'chunked' if chunked else 'sized'}"
                marker = f"/echo/b{size}-{int(chunked)}"
                r = self.client(one, method="POST", target=marker + "?chunked=" +
                                ("1" if chunked else "0"), host="py.test", body=body,
                                chunked=chunked)
                self.assertEqual(r["status"], 200, self.ctx(what, r))
                self.assertEqual((r["len"], r["sha"]), (size, want), self.ctx(what, r))
                if size:
                    self.assertEqual(r["framing"], "chunked" if chunked else "length",
                                     self.ctx(what, r))
                recs = self.py_records(marker)
                self.assertEqual(len(recs), 1, self.ctx(what, recs))
                self.assertEqual((recs[0]["body_len"], recs[0]["body_sha256"], recs[0]["chunked"]),
                                 (size, want, chunked), self.ctx(what, recs[0]))
        # Responses of every framing the upstream can choose.
        for size in (0, 1, KB, MB):
            for q in ("", "&chunked=1", "&chunked=1&ext=1"):
                what = f"GET /gen?n={size}{q}"
                r = self.client(one, method="GET", target=f"/gen?n={size}&seed=9{q}",
                                host="py.test")
                self.assertEqual((r["status"], r["len"], r["sha"]),
                                 (200, size, pattern_sha256(size, 9)), self.ctx(what, r))
        # A response delimited by the upstream's close: the client's ends too.
        r, closed = self.client(one, method="GET", target="/close?n=70000&seed=4",
                                host="py.test", check_close=True)
        self.assertEqual((r["status"], r["len"], r["sha"]), (200, 70000, pattern_sha256(70000, 4)),
                         self.ctx("/close", r))
        self.assertIn(r["framing"], ("close", "chunked"), self.ctx(r))
        if r["framing"] == "close":
            self.assertTrue(closed, self.ctx("a close-delimited body must end with the connection",
                                             r))
        # curl sends a file chunked.
        path = f"{self.dir}/up.bin"
        with open(path, "wb") as f:
            f.write(pattern(MB + 5, 6))
        code, head, body, err, _ = self.curl("-H", "Host: py.test", "-H",
                                             "Transfer-Encoding: chunked", "--data-binary",
                                             f"@{path}", f"http://{GW}/info/curl-chunked")
        self.assertEqual(code, 200, self.ctx(head, err))
        rec = json.loads(body)
        self.assertEqual((rec["chunked"], rec["body_len"], rec["body_sha256"]),
                         (True, MB + 5, pattern_sha256(MB + 5, 6)), self.ctx(rec))

    def test_03_bodies_100mib(self):
        n = 100 * MB
        r = self.client(big_upload, n, 21, False, ns_timeout=300)
        self.assertEqual(r["status"], 200, self.ctx(r))
        rec = json.loads(r["body"])
        self.assertEqual((rec["body_len"], rec["body_sha256"]), (n, pattern_sha256(n, 21)),
                         self.ctx(r))
        r = self.client(one, method="GET", target=f"/gen?n={n}&seed=22&chunked=1",
                        host="py.test", ns_timeout=300)
        self.assertEqual((r["status"], r["len"], r["sha"]), (200, n, pattern_sha256(n, 22)),
                         self.ctx(r))

    # -- 3. pipelining ---------------------------------------------------

    def test_04_pipelining(self):
        reqs = []
        for i in range(10):
            if i == 4:
                reqs.append(dict(method="POST", target=f"/echo/pipe/{i}", host="py.test",
                                 body=b"pipelined body 4"))
            elif i == 7:
                reqs.append(dict(method="GET", target=f"/ret/pipe/{i}", host="ng.test"))
            else:
                reqs.append(dict(method="GET", target=f"/info/pipe/{i}", host="py.test"))
        got = self.client(exchange, reqs, pipeline=True)
        self.assertEqual(len(got), 10)
        for i, r in enumerate(got):
            self.assertIsNotNone(r, self.ctx(f"response {i} missing", *got[:i]))
            self.assertEqual(r["status"], 200, self.ctx(f"response {i}", r))
            if i == 4:
                self.assertEqual(r["body"], b"pipelined body 4", self.ctx(r))
            elif i == 7:
                self.assertEqual(r["body"], b"GET /ret/pipe/7 8001\n", self.ctx(r))
            else:
                self.assertEqual(json.loads(r["body"])["target"], f"/info/pipe/{i}",
                                 self.ctx(f"response {i} out of order", r))

    # -- 4. Expect: 100-continue ------------------------------------------

    def test_05_expect_100_continue(self):
        interim, final, sha = self.client(expect_continue, 5000)
        self.assertIsNotNone(interim, self.ctx("no interim response"))
        self.assertEqual(interim["status"], 100, self.ctx(interim))
        self.assertIsNotNone(final, self.ctx(interim))
        rec = self.body_json(final)
        self.assertEqual((rec["sent_100"], rec["body_len"], rec["body_sha256"]),
                         (True, 5000, sha), self.ctx(rec))
        path = f"{self.dir}/expect.bin"
        with open(path, "wb") as f:
            f.write(pattern(3000, 8))
        # curl waits --expect100-timeout for the 100 before sending anyway.
        code, head, body, err, t = self.curl("-H", "Host: py.test", "-H", "Expect: 100-continue",
                                             "--expect100-timeout", "5", "--data-binary",
                                             f"@{path}", f"http://{GW}/info/expect-curl")
        self.assertEqual(code, 200, self.ctx(head, err))
        rec = json.loads(body)
        self.assertEqual((rec["sent_100"], rec["body_len"], rec["body_sha256"]),
                         (True, 3000, pattern_sha256(3000, 8)), self.ctx(rec))
        self.assertLess(float(t), 3.0, self.ctx(f"curl took {t}s: the 100 was not relayed", head))

    # -- 5. HTTP/1.0 clients ----------------------------------------------

    def test_06_http10_client(self):
        # A chunked upstream response reaches a 1.0 client de-chunked, ended by close.
        n = 300000
        r, closed = self.client(one, method="GET", target=f"/gen?n={n}&seed=3&chunked=1&ext=1",
                                host="py.test", version="HTTP/1.0", check_close=True)
        self.assertEqual(r["status"], 200, self.ctx(r))
        self.assertNotIn("transfer-encoding", lower(r["headers"]), self.ctx(r))
        self.assertEqual(r["framing"], "close", self.ctx(r))
        self.assertEqual((r["len"], r["sha"]), (n, pattern_sha256(n, 3)), self.ctx(r))
        self.assertTrue(r["version"] in ("HTTP/1.0", "HTTP/1.1"), self.ctx(r))
        self.assertTrue(closed, self.ctx("the 1.0 client's connection stays open", r))
        # Sized: as is.
        r = self.client(one, method="GET", target="/gen?n=1000&seed=3", host="py.test",
                        version="HTTP/1.0")
        self.assertEqual((r["status"], r["len"], r["sha"]), (200, 1000, pattern_sha256(1000, 3)),
                         self.ctx(r))
        # Upstream requests are HTTP/1.1 whatever the client spoke.
        rec = self.body_json(self.client(one, method="GET", target="/info/v10", host="py.test",
                                         version="HTTP/1.0"))
        self.assertEqual(rec["version"], "HTTP/1.1", self.ctx(rec))
        # curl -0, sized and chunked.
        code, head, body, err, _ = self.curl("-0", "-H", "Host: py.test",
                                             f"http://{GW}/gen?n=5000&seed=2&chunked=1")
        self.assertEqual(code, 200, self.ctx(head, err))
        self.assertNotRegex(head, r"(?i)transfer-encoding")
        self.assertEqual(body, pattern(5000, 2), self.ctx(head, err))
        code, head, body, err, _ = self.curl("-0", "-H", "Host: ng.test", f"http://{GW}/16k")
        self.assertEqual((code, body), (200, pattern(16 * KB, 2)), self.ctx(head, err))

    # -- 6. upstream keep-alive ------------------------------------------

    def test_07_keepalive_reuse(self):
        tag = "/1k"
        before_log = len(self.nginx_log("a"))
        before_tcp = self.gw.tcp_stats()
        before_m = self.member("ka", NG_KA)
        statuses = self.client(keepalive_clients, 4, 50, "ka.test", tag)
        self.assertEqual(statuses, [200] * 200, self.ctx(statuses))
        lines = [ln for ln in self.nginx_log("a")[before_log:] if ln.startswith(NG_KA + " ")]
        self.assertEqual(len(lines), 200, self.ctx(*lines[-5:]))
        conns = {ln.split()[1] for ln in lines}
        limit = 2 * self.workers * 4
        self.assertLessEqual(len(conns), limit,
                             self.ctx(f"{len(conns)} upstream connections for 200 requests "
                                      f"({self.workers} worker(s))"))
        after_m = self.member("ka", NG_KA)
        self.assertGreater(after_m["reuses"] - before_m["reuses"], 0, self.ctx(after_m))
        self.assertEqual(after_m["requests"] - before_m["requests"], 200, self.ctx(after_m))
        self.assertLessEqual(after_m["connects"] - before_m["connects"], limit, self.ctx(after_m))
        # The client side kept its 4 connections too.
        self.assertEqual(self.gw.tcp_stats()["accepted"] - before_tcp["accepted"], 4)

    # -- 7. load ---------------------------------------------------------

    def test_08_wrk_and_ab(self):
        before = self.stats()
        r = self.tb.run(self.tb.client, "wrk", "-t2", "-c32", "-d3s", "--timeout", "5s",
                        f"http://{GW}:{DFLT}/1k", timeout=60)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, self.ctx(out))
        self.assertNotIn("Socket errors", out, self.ctx(out))
        self.assertNotIn("Non-2xx", out, self.ctx(out))
        m = re.search(r"(\d+) requests in", out)
        self.assertTrue(m and int(m.group(1)) > 100, self.ctx(out))
        r = self.tb.run(self.tb.client, "ab", "-k", "-n", "2000", "-c", "16", "-s", "10",
                        f"http://{GW}:{DFLT}/1k", timeout=120)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, self.ctx(out))
        self.assertRegex(out, r"Complete requests:\s+2000\b", self.ctx(out))
        self.assertRegex(out, r"Failed requests:\s+0\b", self.ctx(out))
        self.assertNotIn("Non-2xx", out, self.ctx(out))
        self.assertRegex(out, r"Total transferred:\s+\d+", self.ctx(out))
        self.assertRegex(out, r"Document Length:\s+1024 bytes", self.ctx(out))
        self.assertTrue(self.gw.alive(), self.ctx("after wrk and ab"))
        after = self.stats()
        errors = {k: after[k] - before[k] for k in after
                  if k.startswith(("err_", "req_err_")) and after[k] != before[k]}
        self.assertEqual(errors, {}, self.ctx(after))

    # -- 8. headers ------------------------------------------------------

    def test_09_forwarded_headers(self):
        hop = [("X-Forwarded-For", "198.18.0.99"), ("Connection", "keep-alive, X-Hop-Foo"),
               ("X-Hop-Foo", "secret"), ("Keep-Alive", "timeout=5"), ("TE", "trailers"),
               ("Upgrade", "websocket"), ("Proxy-Connection", "keep-alive"),
               ("X-End-To-End", "kept")]
        got = self.client(exchange, [
            dict(method="GET", target="/info/hdr-1", host="py.test", headers=hop),
            dict(method="GET", target="/info/hdr-2", host="py.test",
                 headers=[("X-Request-Id", "client-chosen-id-42")]),
            dict(method="GET", target="/info/hdr-3", host="py.test"),
            dict(method="GET", target="/hop", host="py.test"),
            dict(method="GET", target="/info/hdr-rw", host="rewrite.test")])
        self.assertEqual(len(got), 5, self.ctx(*got))
        first, second, third, hopr, rw = got
        rec = self.body_json(first)
        h = lower(rec["headers"])
        xff = [a.strip() for a in h.get("x-forwarded-for", "").split(",")]
        self.assertEqual(xff, ["198.18.0.99", CLIENT], self.ctx(rec))
        self.assertEqual(h.get("x-forwarded-proto"), "http", self.ctx(rec))
        self.assertEqual(h.get("x-forwarded-host"), "py.test", self.ctx(rec))
        self.assertIn("sluice", h.get("via", ""), self.ctx(rec))
        self.assertRegex(h.get("x-request-id", ""), r"^[0-9a-fA-F]{32}$", self.ctx(rec))
        self.assertEqual(h.get("x-end-to-end"), "kept", self.ctx(rec))
        for name in ("x-hop-foo", "keep-alive", "te", "upgrade", "proxy-connection"):
            self.assertNotIn(name, h, self.ctx(f"hop-by-hop {name} forwarded", rec))
        tokens = {t.strip().lower() for t in h.get("connection", "").split(",") if t.strip()}
        self.assertLessEqual(tokens, {"keep-alive", "close"}, self.ctx(rec))
        self.assertEqual(h.get("host"), "py.test", self.ctx(rec))
        # X-Request-Id: the client's kept; generated ones differ.
        h2 = lower(self.body_json(second)["headers"])
        self.assertEqual(h2.get("x-request-id"), "client-chosen-id-42", self.ctx(second))
        h3 = lower(self.body_json(third)["headers"])
        self.assertRegex(h3.get("x-request-id", ""), r"^[0-9a-fA-F]{32}$", self.ctx(third))
        self.assertNotEqual(h3["x-request-id"], h["x-request-id"])
        # Without a client X-Forwarded-For: just the client.
        self.assertEqual(h3.get("x-forwarded-for"), CLIENT, self.ctx(third))
        # Response: hop-by-hop fields removed, Via added, the rest relayed.
        rh = lower(hopr["headers"])
        self.assertEqual(hopr["status"], 200, self.ctx(hopr))
        for name in ("x-resp-hop", "keep-alive", "proxy-connection"):
            self.assertNotIn(name, rh, self.ctx(f"hop-by-hop {name} relayed", hopr))
        self.assertNotIn("x-resp-hop", rh.get("connection", "").lower(), self.ctx(hopr))
        self.assertEqual(rh.get("x-end-to-end"), "kept", self.ctx(hopr))
        self.assertIn("sluice", rh.get("via", ""), self.ctx(hopr))
        # host_rewrite.
        hr = lower(self.body_json(rw)["headers"])
        self.assertEqual(hr.get("host"), "backend.internal", self.ctx(rw))
        # curl's own request.
        code, head, body, err, _ = self.curl("-H", "Host: py.test", f"http://{GW}/info/hdr-curl")
        hc = lower(json.loads(body)["headers"])
        self.assertEqual((code, hc.get("x-forwarded-for")), (200, CLIENT), self.ctx(head, err))

    # -- 9. routing ------------------------------------------------------

    def test_10_routing(self):
        before = self.stats()
        # No route, no default route: 404 from the proxy; the request was well
        # formed, so the connection stays open (docs/proxy.md, Errors).
        r, closed = self.client(one, method="GET", target="/info/route-none",
                                host="nowhere.test", check_close=True, close_wait=1.0)
        self.assertEqual(r["status"], 404, self.ctx(r))
        self.assertFalse(closed, self.ctx("a 404 for an unrouted request closed the connection", r))
        self.assertEqual(self.delta(before, self.stats(), "no_route"), 1)
        self.assertGreaterEqual(self.route("_no_route")["status_4xx"], 1)
        # The same on the listener with a default route: proxied (nginx A).
        r = self.client(one, port=DFLT, method="GET", target="/1k", host="nowhere.test")
        self.assertEqual((r["status"], r["sha"]), (200, pattern_sha256(KB, 1)), self.ctx(r))
        self.assertEqual(lower(r["headers"]).get("x-upstream"), NG_A, self.ctx(r))
        # Host routes do not belong to the default listener.
        r = self.client(one, port=DFLT, method="GET", target="/ret/x", host="fixed.test")
        self.assertEqual(r["body"], b"GET /ret/x 8001\n", self.ctx(r))
        # A path route inside a host.
        rec = self.body_json(self.client(one, method="GET", target="/api/route-api",
                                         host="ng.test"))
        self.assertEqual(rec["target"], "/api/route-api")
        r = self.client(one, method="GET", target="/ret/route-noapi", host="ng.test")
        self.assertEqual(r["body"], b"GET /ret/route-noapi 8001\n", self.ctx(r))
        # Absolute form: the authority routes, whatever Host says, and the
        # upstream gets origin form (RFC 9112 3.2.2) with Host from it.
        rec = self.body_json(self.client(one, method="GET", host="ng.test",
                                         target="HTTP://py.test:80/info/route-abs?q=1"))
        self.assertEqual((rec["target"], lower(rec["headers"]).get("host")),
                         ("/info/route-abs?q=1", "py.test:80"), self.ctx(rec))
        # Fixed response and redirect: no upstream sees them.
        ng_before = len(self.nginx_log("a")) + len(self.nginx_log("b"))
        r = self.client(one, method="GET", target="/route-fixed", host="fixed.test")
        self.assertEqual((r["status"], r["body"]), (200, b"fixed answer\n"), self.ctx(r))
        self.assertTrue(lower(r["headers"]).get("content-type", "").startswith("text/plain"),
                        self.ctx(r))
        code, head, body, err, _ = self.curl("-H", "Host: redir.test",
                                             f"http://{GW}/route-redir")
        self.assertEqual(code, 301, self.ctx(head, err))
        self.assertRegex(head, r"(?im)^location: http://198\.18\.0\.1/moved\r?$", self.ctx(head))
        self.assertEqual(self.py_records("/route-fixed") + self.py_records("/route-redir"), [])
        ng = self.nginx_log("a") + self.nginx_log("b")
        self.assertEqual(len(ng), ng_before, self.ctx(*ng[-3:]))
        self.assertEqual(self.route("fixed")["requests"], 1)
        self.assertEqual(self.route("redir")["requests"], 1)

    # -- 10. failures ----------------------------------------------------

    def test_11_retry_past_dead_member(self):
        # Both members answer in turn (rr): nginx B serves the file, the
        # Python upstream its record of the request.
        got = self.client(sequential, 10, "pair.test", "/16k?warm")
        self.assertEqual([g[0] for g in got], [200] * 10, self.ctx(got))
        self.assertEqual({g[2] for g in got}, {PY, NG_B}, self.ctx(got))
        # Then B goes away: every request still succeeds, by retrying.
        before = self.stats()
        before_py, before_b = self.member("pair", PY), self.member("pair", NG_B)
        self.stop_nginx("b")
        try:
            self.check_retries(before, before_py, before_b)
            self.check_ejection()
        finally:
            self.start_nginx("b")

    def check_ejection(self):
        # Pool "eject" (max_fails = 1): B's first failure ejects it on that
        # worker for 60 s, so later requests no longer try it first.
        before = self.stats()
        got = self.client(sequential, 20, "eject.test", "/16k?ejected")
        self.assertEqual([(g[0], g[2]) for g in got], [(200, PY)] * 20, self.ctx(got))
        retried = self.delta(before, self.stats(), "retries")
        self.assertGreaterEqual(retried, 1)
        self.assertLessEqual(retried, self.workers, self.ctx("retries", retried))
        b = self.member("eject", NG_B)
        self.assertGreaterEqual(b["ejections"], 1, self.ctx(b))
        self.assertEqual(b["up"], 0, self.ctx(b))

    def check_retries(self, before, before_py, before_b):
        # New client connections.
        got = self.client(sequential, 20, "pair.test", "/16k?dead")
        self.assertEqual([(g[0], g[2]) for g in got], [(200, PY)] * 20, self.ctx(got))
        after = self.stats()
        self.assertGreaterEqual(self.delta(before, after, "retries"), 1, self.ctx(after))
        # Failed attempts count even when their retry succeeded.
        self.assertGreaterEqual(self.delta(before, after, "err_upstream_connect"), 1,
                                self.ctx(after))
        after_b = self.member("pair", NG_B)
        self.assertGreaterEqual(after_b["connect_failures"] - before_b["connect_failures"], 1,
                                self.ctx(after_b))
        # Each request reached the live member once: a retry is no duplicate.
        self.assertEqual(sorted(r["target"] for r in self.py_records("/16k?dead")),
                         sorted(f"/16k?dead?i={i}" for i in range(20)))
        with self.subTest("retried requests on one keep-alive client connection"):
            # All answered, and the connection stays open (no Connection: close).
            reqs = [dict(method="GET", target=f"/16k?ka{i}", host="pair.test") for i in range(6)]
            got = self.client(exchange, reqs, check_close=True, close_wait=1.0)
            *resps, closed = got
            self.assertEqual([r["status"] if isinstance(r, dict) else r for r in resps],
                             [200] * 6, self.ctx("responses on one keep-alive connection", *got,
                                                 self.delta_stats(before)))
            self.assertFalse(closed, self.ctx("the proxy closed a keep-alive client connection",
                                              *resps))
        with self.subTest("retried PUT bodies beyond the replay budget"):
            # Nothing reached B, so the whole request goes to the other member.
            # Two in a row: one of them finds a pooled connection to reuse.
            for k in range(2):
                n = 300 * KB + k
                b = self.stats()
                r = self.client(one, method="PUT", target=f"/info/put-retry-{k}",
                                host="pair.test", body=pattern(n, 12), timeout=10)
                self.assertIsInstance(r, dict, self.ctx(f"PUT of {n} bytes: no response", r,
                                                        self.delta_stats(b)))
                rec = self.body_json(r)
                self.assertEqual((rec["body_len"], rec["body_sha256"]),
                                 (n, pattern_sha256(n, 12)), self.ctx(rec))
        with self.subTest("pooled connections kept after retried exchanges"):
            after_py = self.member("pair", PY)
            self.assertLessEqual(after_py["connects"] - before_py["connects"], 3,
                                 self.ctx("upstream connections not kept after retried "
                                          "exchanges", after_py, self.delta_stats(before)))

    def delta_stats(self, before):
        after = self.stats()
        return {k: after[k] - before[k] for k in after if after[k] != before.get(k)}

    def test_12_refused_post_502(self):
        before = self.stats()
        before_m = self.member("refuse", REFUSED)
        r, closed = self.client(one, method="POST", target="/info/refused", host="refuse.test",
                                body=b"data " * 100, check_close=True)
        self.assertEqual(r["status"], 502, self.ctx(r))
        self.assertTrue(lower(r["headers"]).get("content-type", "").startswith("text/plain"),
                        self.ctx(r))
        self.assertTrue(closed, self.ctx("502 did not end the connection", r))
        after = self.stats()
        self.assertGreaterEqual(self.delta(before, after, "err_upstream_connect"), 1,
                                self.ctx(after))
        after_m = self.member("refuse", REFUSED)
        self.assertGreaterEqual(after_m["connect_failures"] - before_m["connect_failures"], 1,
                                self.ctx(after_m))
        self.assertGreaterEqual(self.route("refuse")["status_5xx"], 1)

    def test_13_response_timeout_504(self):
        before = self.stats()
        r, t = self.client(timed, one, method="GET", target="/sleep?ms=8000",
                           host="slow.test", check_close=True, timeout=30)
        r, closed = r
        self.assertEqual(r["status"], 504, self.ctx(r))
        self.assertTrue(lower(r["headers"]).get("content-type", "").startswith("text/plain"),
                        self.ctx(r))
        self.assertTrue(0.9 <= t < 4.0, self.ctx(f"504 after {t:.2f}s (timeout 1 s)", r))
        self.assertTrue(closed, self.ctx("504 did not end the connection", r))
        after = self.stats()
        self.assertEqual(self.delta(before, after, "err_response_timeout"), 1, self.ctx(after))
        self.assertEqual(self.delta(before, after, "retries"), 0, self.ctx(after))

    def test_14_stalled_body_408(self):
        # A body that stops half way: 408 once it made no progress for
        # client_body_timeout_ms (2 s here), and the connection ends.
        before = self.stats()

        def stall():
            c = Client(WEB, 15)
            try:
                c.send(b"POST /info/stall HTTP/1.1\r\nHost: py.test\r\n"
                       b"Content-Length: 100\r\n\r\n" + b"x" * 10)
                t0 = time.time()
                r = c.response("POST")
                return r, time.time() - t0, c.closed_by_peer(2.0)
            finally:
                c.close()

        r, t, closed = self.client(stall)
        self.assertEqual(r["status"], 408, self.ctx(r))
        self.assertTrue(1.8 <= t < 6.0, self.ctx(f"408 after {t:.2f}s (timeout 2 s)", r))
        self.assertTrue(closed, self.ctx("408 did not end the connection", r))
        self.assertEqual(self.delta(before, self.stats(), "client_body_timeout"), 1)

    # -- 11. afterwards --------------------------------------------------

    def test_99_clean_state_and_sigterm(self):
        self.assertTrue(self.gw.alive(), self.ctx("the gateway died"))
        # Still serving.
        r = self.client(one, method="GET", target="/16k", host="ng.test")
        self.assertEqual(r["status"], 200, self.ctx(r))

        def client_conns():
            return [c for c in self.gw.tcp_conns()
                    if c.split()[0].split(":")[0] in (str(WEB), str(DFLT))
                    and c.split()[1] != "TIME_WAIT"]
        self.assertEqual(wait_for(lambda: not client_conns(), 10), True,
                         self.ctx(*client_conns()))
        # Idle upstream connections end after keepalive_timeout_ms (3 s).
        settled = wait_for(lambda: self.gw.tcp_stats()["connections_open"] ==
                           self.gw.tcp_stats()["connections_time_wait"], 15)
        self.assertTrue(settled, self.ctx(self.gw.tcp_stats(), *self.gw.tcp_conns()))
        # Route and member counters saw the traffic.
        py = self.route("py")
        self.assertGreater(py["requests"], 20)
        self.assertGreater(py["status_2xx"], 20)
        self.assertGreaterEqual(self.route("slow")["status_5xx"], 1)
        self.gw.proc.send_signal(signal.SIGTERM)
        code = self.gw.proc.wait(30)
        self.drain.join(5)
        self.assertEqual(code, 0, self.ctx(f"exit code {code}"))


if __name__ == "__main__":
    sltest.main()
