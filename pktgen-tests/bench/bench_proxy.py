#!/usr/bin/env python3
"""HTTP reverse-proxy benchmark (roadmap 3): Sluice's proxy against nginx and
HAProxy as reverse proxies, and against the client talking to the upstream
directly, side by side in one run, on a testbed of its own.

    sudo python3 pktgen-tests/bench/bench_proxy.py [--quick] [--sluiced PATH]
                                                   [--baseline PATH]

Measures and prints, in markdown (DESIGN.md section 5: a benchmark, not a test;
nothing is asserted, a target that fails shows its error in the table):
  (a) requests/s (median of 3 runs; --quick: 1 short run), p50 and p99 latency
      and errors, from wrk (one thread, --latency) in the client namespace, for
      keep-alive 1 KiB x 32 and x 256 connections, keep-alive 16 KiB x 32, and
      'Connection: close' 1 KiB x 32; with ratios to the direct ceiling, to
      nginx and to HAProxy;
  (b) user-space instructions per proxied request (callgrind over a fixed
      number of requests minus an idle stretch of the same length) of Sluice,
      nginx and HAProxy, for keep-alive 1 KiB, keep-alive 16 KiB and close 1 KiB;
      with --baseline PATH, also of another sluiced binary (an earlier build)
      on the same configuration in the same run, and the ratio of the two:
      what a change did to the cost of a request.

Topology (ID = --id, default "bp"; only 198.18.0.0/15 and 127.0.0.1):

                  testbed.sh (af_packet, veth offloads off)
    ID-client ---- ID-fp/ID-front == sluiced == ID-back/ID-bp ---- ID-up
    198.18.0.2         198.18.0.1 (proxy :80, L4 relay :8080)     198.19.0.2-.4
       |  198.18.1.2                                        198.19.1.2  |
       +---- ID-kc ---- ID-kf  [ ID-kp ]  ID-kb ---- ID-ku -------------+
       |            198.18.1.1  nginx :80  198.19.1.1                   |
       |                        HAProxy :81, ip_forward=1               |
       +---- ID-dc ------------------------------------- ID-du ---------+
          198.18.2.2                                        198.18.2.1

- The upstream is an nginx of this script's own in ID-up (one process,
  access_log off, keepalive_requests 1000000, /1k and /16k files), on port
  8080 of 198.19.0.2, .3 and .4, with stub_status on 127.0.0.1:8081 inside
  ID-up: every figure of (b) divides by the number of requests the upstream
  actually served. The testbed's own nginx (port 80, access_log on) is left
  idle.
- Sluice: the proxy listener 198.18.0.1:80, one pool with the one member
  198.19.0.2:8080 (keepalive 32). Between client and upstream there is one hop,
  sluiced, on its two af_packet links.
- nginx and HAProxy run on the kernel stack in a namespace of their own,
  ID-kp, joined to the client and to the upstream namespace by two veth pairs
  of their own: also exactly one hop between client and upstream, on the same
  kind of link (veth, MTU 1500, cubic; offloads on as the kernel gives them,
  or off as testbed.sh sets Sluice's with --kernel-offloads off),
  reaching the same upstream address 198.19.0.2:8080 (routed over ID-kb/ID-ku;
  ID-up routes 198.19.1.0/24 and 198.18.1.0/24 back that way, 198.18.0.0/24
  through sluiced). Neither touches Sluice's links, and Sluice's numbers do
  not include a kernel hop.
- Direct, three ways, all to the same upstream nginx:
  'direct (veth)'    client -> 198.19.0.4 over ID-dc/ID-du, a veth pair
                     straight into the upstream namespace: no hop at all. This
                     is the ceiling of the testbed (client + upstream alone on
                     these 2 CPUs) and the base of the 'vs direct' ratios.
  'direct (kernel L3)' client -> 198.19.0.3 routed through ID-kp by the kernel
                     (ip_forward): the path the kernel proxies use, with
                     forwarding in place of proxying.
  'direct (Sluice L3)' client -> 198.19.0.2 routed through sluiced
                     (net.ip_forward = true): the path Sluice's proxy uses.
  A proxy terminates and re-opens TCP, so the fair comparison between proxies
  is proxy vs proxy (each with one hop); the directs bound what the testbed can
  do and show what a forwarding hop of each kind costs.
- 'Sluice L4 relay' (--l4; tcp listener 198.18.0.1:8080, service relay, to
  198.19.0.3:8080): Sluice's TCP splice without HTTP, for context. Off by
  default: it opens one upstream connection per client connection, and the
  TIME_WAITs it leaves (Sluice has no tcp_tw_reuse) starve later Sluice runs
  of ephemeral ports.

Pinning (default; --no-pin to float): the proxy under test alone on CPU 1
(nginx, HAProxy, sluiced's worker lcore), wrk, the upstream nginx and
sluiced's management lcore on CPU 0, the same for every proxy.

Equivalent configurations: keep-alive on both sides everywhere; 32 idle
upstream connections kept (nginx 'keepalive 32', HAProxy 'pool-max-conn 32'
with 'http-reuse always', Sluice 'keepalive = 32'; --keepalive N for all
three: with 256 client connections every proxy opens and closes upstream
connections beyond the 32 it keeps, which is part of what that case
measures; 'Upstream conns opened / 1k req' counts them: the kernel proxies'
namespace's ActiveOpens, Sluice's tcp 'connects'); the same ephemeral port
range for upstream connections (kernel ip_local_port_range and Sluice
tcp.ephemeral_min/max 1024-65535); tcp_tw_reuse = 1 in the kernel proxies'
namespace (and the client's), which Sluice has no equivalent of, so a proxy
that churns upstream connections runs out of ports sooner on Sluice (its
TIME_WAIT is 60 s); no request limit per connection on either side; no
logging; no added headers (Sluice x_forwarded,
via and request_id off; nginx and HAProxy add none by default); one worker
each (nginx worker_processes 1 with master_process off, so the worker is the
process callgrind watches; HAProxy nbthread 1, -db; sluiced one management
and one worker lcore). Nothing is pinned: sluiced's lcores float over both
CPUs ('0@(0-1),1@(0-1)', --lcores to change), everything shares the machine's
2 CPUs with the client and the upstream; numbers are noisy, ratios within one
run are what to read. sluiced stays up (idle, backing off) while the other
targets run; the targets are interleaved, in reversed order every other run.

Callgrind (b): each proxy in turn runs under 'valgrind --tool=callgrind' with
GLIBC_TUNABLES keeping memcpy/memset off 'rep movsb' (bench_tcp.GLIBC_TUNABLES,
the same for all three); sluiced with eal.huge = false and the idle back-off of
bench_tcp. Counters are zeroed, wrk drives N requests (20,000; a Lua script
exits wrk at the N-th response: wrk's own threads can stop, its main thread
would sleep out -d), the counters are dumped; then zeroed, the same number of
seconds idle, dumped; Ir per request = (loaded - idle) / requests the upstream
served (N plus the few in flight when wrk exited). The top functions by net
self cost per request are listed too (parsed from the dumps: callgrind_annotate
3.19 misreads partial dumps of threaded programs). Callgrind sees user space
only: nginx and HAProxy get their TCP/IP from the kernel for free in these
figures, while Sluice's include its own TCP stack, L2/L3 and the af_packet
PMD. Read them as 'what each process executes', not as total cost per
request.

Everything created here (testbed, namespaces, processes, DPDK runtime
directories, temporary files) is removed at exit, on Ctrl-C and on failure;
processes are stopped by pid. Results are printed only (--out FILE also writes
the markdown to FILE); docs/benchmarks.md is written by hand from them.
"""
import argparse
import datetime
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "system"))
sys.path.insert(0, HERE)
import sltest  # noqa: E402
from sltest import Testbed, sh  # noqa: E402
import bench_tcp  # noqa: E402
from bench_tcp import CG_IDLE, GLIBC_TUNABLES, IDLE  # noqa: E402
from callgrind import Callgrind  # noqa: E402

ROOT = sltest.ROOT
UP_PORT = 8080
PROXY_CPU, LOAD_CPU = 1, 0  # --pin: the proxy under test alone on one CPU
STATUS = "http://127.0.0.1:8081/"

# (key, label, path, connections, close)
CASES = (
    ("ka1k32", "keep-alive 1 KiB, 32 conns", "/1k", 32, False),
    ("ka1k256", "keep-alive 1 KiB, 256 conns", "/1k", 256, False),
    ("ka16k32", "keep-alive 16 KiB, 32 conns", "/16k", 32, False),
    ("ka16k256", "keep-alive 16 KiB, 256 conns", "/16k", 256, False),
    ("ka16k1024", "keep-alive 16 KiB, 1024 conns", "/16k", 1024, False),
    ("cl1k32", "close 1 KiB, 32 conns", "/1k", 32, True),
)
CG_CASES = ("ka1k32", "ka16k32", "cl1k32")
SIZES = {"/1k": 1024, "/16k": 16384}

# (key, label); the URL base is set up in Bench.targets
TARGETS = (
    ("direct", "direct (veth)"),
    ("direct_k", "direct (kernel L3)"),
    ("direct_s", "direct (Sluice L3)"),
    ("sluice", "Sluice proxy"),
    ("sluice_l4", "Sluice L4 relay"),
    ("nginx", "nginx"),
    ("haproxy", "HAProxy"),
)
SLUICE_TARGETS = ("direct_s", "sluice", "sluice_l4")


def latency_quantiles(before, after):
    """(p50, p99) upper bounds in µs from two snapshots of a 'lat_lt_Nus' /
    'lat_ge_Nus' histogram; the open last bucket reads as '>N'."""
    def bound(name):
        n = name.split("_")[2][:-2]
        return int(n) if name.startswith("lat_lt_") else f">{n}"

    names = sorted(after, key=lambda k: (k.startswith("lat_ge_"),
                                         int(k.split("_")[2][:-2])))
    delta = [(k, after[k] - before.get(k, 0)) for k in names]
    total = sum(d for _, d in delta)
    if total <= 0:
        return None
    out = []
    for q in (0.50, 0.99):
        seen = 0
        for k, d in delta:
            seen += d
            if seen >= q * total:
                out.append(bound(k))
                break
    return tuple(out)

FIXED_LUA = """
-- A fixed number of responses: wrk's threads can stop, but its main thread
-- sleeps out the whole duration; so exit the process after the n-th response
-- (connections still open are closed by the kernel). Use with -t1.
local n, bad, limit = 0, 0, 0
function init(args) limit = tonumber(args[1]) end
function response(status, headers, body)
  n = n + 1
  if status ~= 200 then bad = bad + 1 end
  if n >= limit then
    io.write(string.format("fixed: %d responses, %d not 200\\n", n, bad))
    io.flush()
    os.exit(0)
  end
end
"""

UPSTREAM_NGINX = """
worker_processes 1;
daemon off;
master_process off;
pid {d}/up.pid;
error_log {d}/up.err warn;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path {d}/up-body;
    server {{
        listen 198.19.0.2:{port} backlog=4096;
        listen 198.19.0.3:{port} backlog=4096;
        listen 198.19.0.4:{port} backlog=4096;
        root {d}/www;
    }}
    server {{
        listen 127.0.0.1:8081;
        location / {{ stub_status; }}
    }}
}}
"""

PROXY_NGINX = """
worker_processes 1;
daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/nginx.err warn;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path {d}/nginx-body;
    proxy_temp_path {d}/nginx-proxy;
    upstream up {{
        server 198.19.0.2:{port};
        keepalive {keepalive};
        keepalive_requests 1000000;
    }}
    server {{
        listen 198.18.1.1:80 backlog=4096;
        location / {{
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""

PROXY_HAPROXY = """
global
    nbthread 1
    maxconn 8000
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 75s
    http-reuse always
frontend fe
    bind 198.18.1.1:81 backlog 4096
    default_backend be
backend be
    server up 198.19.0.2:{port} pool-max-conn {keepalive}
"""

SLUICE_PROXY = """
  x_forwarded = false; via = false; request_id = false;
  client_max_requests = 0;
  listeners = ( {{ name = "web"; address = "198.18.0.1"; port = 80; }} );
  pools = ( {{ name = "up"; algorithm = "rr"; keepalive = {keepalive}; keepalive_requests = 1000000;
              members = ( {{ address = "198.19.0.2"; port = {port}; weight = 1; }} ); }} );
  routes = ( {{ name = "all"; listener = "web"; default = true; pool = "up"; }} );
"""

# The kernel proxies' namespace gets ip_local_port_range 1024-65535: the same
# range for Sluice's upstream connections. The relay (--l4) goes to .3, so that
# its connections are not in the proxy's (198.19.0.2:8080) 4-tuples.
SLUICE_TCP = f"""
  ephemeral_min = 1024; ephemeral_max = 65535;
  listeners = (
    {{ address = "198.18.0.1"; port = 8080; service = "relay";
      upstream = "198.19.0.3"; upstream_port = {UP_PORT}; }}
  );
"""


def first_line(s, n=300):
    s = (s or "").strip()
    lines = [x for x in s.splitlines() if x.strip()]
    # DPDK's EAL chatter first: prefer a line that says what went wrong
    for x in lines:
        if re.search(r"error|invalid|unknown|fail|not ", x, re.I):
            return x[:n]
    return (lines[-1] if lines else "?")[:n]


def parse_time(v, unit):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}[unit]


def parse_wrk(out):
    """{rps, requests, p50, p99 (ms), errors, non2xx, sock} or raise."""
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if not m:
        raise RuntimeError("wrk: " + first_line(out))
    r = {"rps": float(m.group(1))}
    m = re.search(r"^\s+(\d+) requests in", out, re.M)
    r["requests"] = int(m.group(1)) if m else 0
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        r[f"p{pct}"] = parse_time(*m.groups()) if m else float("nan")
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["sock"] = tuple(int(x) for x in m.groups()) if m else (0, 0, 0, 0)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    r["errors"] = sum(r["sock"]) + r["non2xx"]
    return r


class Bench:
    def __init__(self, args):
        self.args = args
        self.tid = args.id
        self.tb = Testbed(self.tid)
        self.tmp = tempfile.mkdtemp(prefix="bench-proxy-")
        os.chmod(self.tmp, 0o755)  # nginx reads www as its own user
        self.procs = {}        # name -> Popen we started (stopped by pid)
        self.logs = {}         # name -> log path
        self.netns = []        # namespaces we created (besides the testbed's)
        self.prefixes = []     # DPDK runtime directories to remove
        self.notes = []
        self.failed = {}       # target -> error that disables it for the whole run
        self.sluice_starts = 0
        self.cg_top = {}
        self.kp = f"{self.tid}-kp"

    # --- processes ----------------------------------------------------------

    def start(self, name, argv, ns=None, env=None, cpu=None):
        log = os.path.join(self.tmp, f"{name}.log")
        self.logs[name] = log
        if cpu is not None and self.args.pin:
            argv = ["taskset", "-c", str(cpu)] + list(argv)
        if ns:
            argv = ["ip", "netns", "exec", ns] + list(argv)
        with open(log, "w") as f:
            p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env=env, start_new_session=True)
        self.procs[name] = p
        return p

    def stop(self, name, sig=signal.SIGTERM, timeout=30):
        p = self.procs.pop(name, None)
        if p is None:
            return
        if p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    print(f"bench_proxy: {name} (pid {p.pid}) did not exit", file=sys.stderr)

    def log_tail(self, name, n=2000):
        try:
            with open(self.logs[name], errors="replace") as f:
                return f.read()[-n:]
        except (KeyError, OSError):
            return ""

    def cleanup(self):
        for name in list(self.procs):
            self.stop(name, signal.SIGKILL if name.startswith("wrk") else signal.SIGTERM,
                      timeout=10)
        for ns in self.netns:
            sh("ip", "netns", "del", ns, check=False)
        self.tb.down()
        for prefix in self.prefixes:
            shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        if self.args.keep_tmp:
            print(f"bench_proxy: kept {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def curl(self, ns, url, timeout=5):
        """(status, body length) of a GET from namespace ns, or (0, error)."""
        r = sh("ip", "netns", "exec", ns, "curl", "-s", "-o", "/dev/null", "-m", str(timeout),
               "-w", "%{http_code} %{size_download}", url, check=False, timeout=timeout + 10)
        if r.returncode != 0:
            return 0, f"curl exit {r.returncode}"
        code, size = r.stdout.split()
        return int(code), int(size)

    def wait_http(self, ns, url, name, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = self.procs.get(name)
            if p is not None and p.poll() is not None:
                raise RuntimeError(f"{name} exited ({p.returncode}): " +
                                   first_line(self.log_tail(name)))
            if self.curl(ns, url, timeout=10)[0] == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(f"{name}: no 200 from {url} within {timeout} s: " +
                           first_line(self.log_tail(name)))

    def upstream_requests(self):
        r = sh("ip", "netns", "exec", self.tb.upstream, "curl", "-s", "-m", "10", STATUS,
               check=False, timeout=20)
        m = re.search(r"^\s*\d+\s+\d+\s+(\d+)\s*$", r.stdout, re.M)
        if not m:
            raise RuntimeError(f"upstream stub_status: {r.stdout!r} {r.stderr!r}")
        return int(m.group(1))

    # --- set-up -------------------------------------------------------------

    def veth(self, a_ns, a_if, a_addr, b_ns, b_if, b_addr):
        sh("ip", "link", "add", a_if, "netns", a_ns, "type", "veth", "peer", "name", b_if,
           "netns", b_ns)
        for ns, dev, addr in ((a_ns, a_if, a_addr), (b_ns, b_if, b_addr)):
            run = ("ip", "netns", "exec", ns)
            sh(*run, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            # Off: as testbed.sh sets the gateway's links; on: what the kernel
            # gives the kernel proxies on veth, as a user would run them.
            if not self.args.kernel_offloads:
                sh(*run, "ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off", "gso",
                   "off", "gro", "off", check=False)
            sh(*run, "ip", "link", "set", "lo", "up")
            sh(*run, "ip", "link", "set", dev, "up")
            sh(*run, "ip", "addr", "replace", f"{addr}/24", "dev", dev)
            net = addr.rsplit(".", 1)[0] + ".0/24"
            sh(*run, "ip", "route", "replace", net, "dev", dev, "proto", "kernel", "scope", "link",
               "src", addr, "congctl", "cubic")

    def route(self, ns, dst, via, dev):
        sh("ip", "netns", "exec", ns, "ip", "route", "replace", dst, "via", via, "dev", dev,
           "congctl", "cubic")

    def topology(self):
        t, cli, up, kp = self.tid, self.tb.client, self.tb.upstream, self.kp
        sh("ip", "netns", "add", kp)
        self.netns.append(kp)
        self.veth(cli, f"{t}-kc", "198.18.1.2", kp, f"{t}-kf", "198.18.1.1")
        self.veth(kp, f"{t}-kb", "198.19.1.1", up, f"{t}-ku", "198.19.1.2")
        self.veth(cli, f"{t}-dc", "198.18.2.2", up, f"{t}-du", "198.18.2.1")
        self.route(kp, "198.19.0.0/24", "198.19.1.2", f"{t}-kb")       # proxies -> upstream
        self.route(cli, "198.19.0.3/32", "198.18.1.1", f"{t}-kc")      # direct (kernel L3)
        self.route(up, "198.18.1.0/24", "198.19.1.1", f"{t}-ku")
        self.route(cli, "198.19.0.4/32", "198.18.2.1", f"{t}-dc")      # direct (veth)
        for ns, kv in ((kp, ("net.ipv4.ip_forward=1", "net.ipv4.tcp_tw_reuse=1",
                             "net.ipv4.ip_local_port_range=1024 65535",
                             "net.core.somaxconn=4096")),
                       (cli, ("net.ipv4.tcp_tw_reuse=1",
                              "net.ipv4.ip_local_port_range=1024 65535")),
                       (up, ("net.core.somaxconn=4096",))):
            for x in kv:
                sh("ip", "netns", "exec", ns, "sysctl", "-qw", x)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def setup(self):
        sh("ip", "netns", "del", self.kp, check=False)  # a crashed earlier run
        self.tb.down()
        self.tb.up()
        self.topology()
        d = self.tmp
        a = self.args
        os.makedirs(f"{d}/www")
        with open(f"{d}/www/1k", "wb") as f:
            f.write(b"a" * 1024)
        with open(f"{d}/www/16k", "wb") as f:
            f.write(b"b" * 16384)
        self.lua = self.write("fixed.lua", FIXED_LUA)
        self.up_conf = self.write("up.conf", UPSTREAM_NGINX.format(d=d, port=UP_PORT))
        self.nginx_conf = self.write("nginx.conf", PROXY_NGINX.format(d=d, port=UP_PORT,
                                                                    keepalive=a.keepalive))
        self.haproxy_conf = self.write("haproxy.cfg", PROXY_HAPROXY.format(port=UP_PORT,
                                                                        keepalive=a.keepalive))
        self.start("upstream", ["nginx", "-c", self.up_conf], ns=self.tb.upstream,
                   cpu=LOAD_CPU)
        self.wait_http(self.tb.upstream, f"http://198.19.0.2:{UP_PORT}/1k", "upstream")
        self.start_peer("nginx")
        self.start_peer("haproxy")
        self.start_sluice()
        time.sleep(1)
        self.sluice_idle_cpu = self.idle_cpu()

    def peer_argv(self, name):
        if name == "nginx":
            return ["nginx", "-c", self.nginx_conf]
        return ["haproxy", "-f", self.haproxy_conf, "-db"]

    def peer_url(self, name):
        return "http://198.18.1.1:80" if name == "nginx" else "http://198.18.1.1:81"

    def start_peer(self, name):
        try:
            self.start(name, self.peer_argv(name), ns=self.kp, cpu=PROXY_CPU)
            self.wait_http(self.tb.client, self.peer_url(name) + "/1k", name)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            self.failed[name] = str(e)
            self.stop(name)
            print(f"  {name}: {e}", flush=True)

    def sluice_conf(self, prefix, proxy, callgrind=False):
        conf = sltest.gateway_config(self.tb, prefix, lcores=self.args.lcores, tcp=SLUICE_TCP,
                                     proxy=SLUICE_PROXY.format(
                                         keepalive=self.args.keepalive, port=UP_PORT)
                                     if proxy else None)
        if callgrind:
            for old, new in ((IDLE, CG_IDLE), ("huge = true;", "huge = false;")):
                if old not in conf:
                    raise RuntimeError(f"callgrind config: '{old}' not in sltest.gateway_config")
                conf = conf.replace(old, new)
        return conf

    def launch_sluiced(self, name, conf, valgrind=None, timeout=30, binary=None):
        """Start sluiced (optionally under valgrind); wait for 'sluiced: ready'."""
        path = self.write(f"{name}.conf", conf)
        argv = [binary or self.args.sluiced, "-c", path]
        env = None
        if valgrind:
            argv = valgrind + argv
            env = dict(os.environ, GLIBC_TUNABLES=GLIBC_TUNABLES)
        p = self.start(name, argv, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if "sluiced: ready" in self.log_tail(name, 1 << 20):
                self.tb.wire(whole=True)
                return p
            if p.poll() is not None:
                break
            time.sleep(0.2)
        out = self.log_tail(name, 1 << 20)
        self.stop(name, signal.SIGKILL)
        raise RuntimeError(f"sluiced did not become ready: {first_line(out)}")

    def start_sluice(self):
        """sluiced with the proxy; without it if that config is refused (the
        other Sluice targets still run)."""
        self.sluice_starts += 1
        prefix = f"bench-{self.tid}-{os.getpid()}-{self.sluice_starts}"
        self.prefixes.append(prefix)
        self.prefix = prefix
        try:
            self.launch_sluiced("sluiced", self.sluice_conf(prefix, True))
            self.sluice_proxy = True
        except RuntimeError as e:
            self.failed["sluice"] = f"sluiced with proxy config: {e}"
            print(f"  sluice: {e}", flush=True)
            self.sluice_proxy = False
            try:
                self.launch_sluiced("sluiced", self.sluice_conf(prefix, False))
            except RuntimeError as e2:
                for t in SLUICE_TARGETS:
                    self.failed.setdefault(t, str(e2))
                print(f"  sluiced without proxy: {e2}", flush=True)
                return
        if self.sluice_proxy:
            try:
                self.telemetry("/sluice/proxy/stats")
            except Exception as e:  # noqa: BLE001 -- diagnostics only
                self.notes.append(f"/sluice/proxy/stats unavailable: {e!r}")
        m = re.search(r"attached as ethdev 0 \((.*)\)", self.log_tail("sluiced", 1 << 20))
        self.afp = m.group(1) if m else "?"

    def telemetry(self, cmd, prefix=None):
        tel = sltest.Gateway.__new__(sltest.Gateway)  # only its telemetry
        tel.prefix = prefix or self.prefix
        return tel.telemetry(cmd)

    def sluice_alive(self):
        p = self.procs.get("sluiced")
        if p is not None and p.poll() is None:
            return True
        if p is not None:
            self.notes.append(f"sluiced exited ({p.returncode}): "
                              f"{first_line(self.log_tail('sluiced'))}")
            self.procs.pop("sluiced")
            tail = self.log_tail("sluiced", 4000)
            path = f"/tmp/bench_proxy-sluiced-{time.strftime('%Y%m%d-%H%M%S')}.log"
            with open(path, "w") as f:
                f.write(tail)
            self.notes.append(f"sluiced's last output saved in {path}")
        if self.sluice_starts >= 3:
            return False
        print("  restarting sluiced", flush=True)
        self.start_sluice()
        return "sluiced" in self.procs

    # --- (a) throughput -----------------------------------------------------

    def urls(self):
        return {
            "direct": f"http://198.19.0.4:{UP_PORT}",
            "direct_k": f"http://198.19.0.3:{UP_PORT}",
            "direct_s": f"http://198.19.0.2:{UP_PORT}",
            "sluice": "http://198.18.0.1:80",
            "sluice_l4": "http://198.18.0.1:8080",
            "nginx": self.peer_url("nginx"),
            "haproxy": self.peer_url("haproxy"),
        }

    def wrk(self, url, conns, secs, close, fixed=None, timeout="5s"):
        argv = ["ip", "netns", "exec", self.tb.client] + \
            (["taskset", "-c", str(LOAD_CPU)] if self.args.pin else []) + \
            ["wrk", f"-t{self.args.threads}",
                f"-c{conns}", f"-d{secs}s", "--latency", "--timeout", timeout]
        if close:
            argv += ["-H", "Connection: close"]
        if fixed:
            argv += ["-s", self.lua]
        argv.append(url)
        if fixed:
            argv += ["--", str(fixed)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=secs + 60,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError(f"wrk exit {r.returncode}: {first_line(r.stderr + r.stdout)}")
        if fixed:
            m = re.search(r"^fixed: (\d+) responses, (\d+) not 200", r.stdout, re.M)
            if not m:
                raise RuntimeError(f"wrk: {fixed} responses not reached in {secs} s: "
                                   f"{first_line(r.stdout)}")
            return {"requests": int(m.group(1)), "errors": int(m.group(2))}
        return parse_wrk(r.stdout)

    def probe(self, target, url):
        for path, size in SIZES.items():
            code, got = self.curl(self.tb.client, url + path)
            if code != 200 or got != size:
                raise RuntimeError(f"GET {path}: status {code}, {got} bytes (want 200, {size})")

    def throughput(self):
        a = self.args
        urls = self.urls()
        targets = [t for t, _ in TARGETS if (t in a.only if a.only else
                                             t != "sluice_l4" or a.l4)]
        for t in targets:
            if t in self.failed:
                continue
            if t in SLUICE_TARGETS and not self.sluice_alive():
                continue
            try:
                self.probe(t, urls[t])
                self.wrk(urls[t] + "/1k", 32, 1, False)  # warm-up
            except (RuntimeError, subprocess.SubprocessError) as e:
                self.failed[t] = str(e)
                print(f"  {t}: {e}", flush=True)
        res = {(c[0], t): [] for c in CASES for t in targets}
        errs = {}
        rtx = {t: [0, 0] for t in targets}
        before = self.sluice_counters()
        for r in range(a.runs):
            order = targets if r % 2 == 0 else list(reversed(targets))
            for key, label, path, conns, close in self.cases():
                for t in order:
                    if t in self.failed:
                        continue
                    if t in SLUICE_TARGETS and not self.sluice_alive():
                        errs[(key, t)] = self.failed.get(t, "sluiced not running")
                        continue
                    try:
                        rtx0 = bench_tcp.Bench.client_retrans(self)
                        seg0 = self.peer_segments()
                        up0 = self.upstream_opens(t)
                        own0 = self.sluice_latency() if t == "sluice" else None
                        w = self.wrk(urls[t] + path, conns, a.secs, close)
                        own1 = self.sluice_latency() if t == "sluice" else None
                        if own0 and own1:
                            w["own"] = latency_quantiles(own0, own1)
                        up1 = self.upstream_opens(t)
                        if up0 is not None and up1 is not None:
                            w["opens"] = up1 - up0
                        seg1 = self.peer_segments()
                        w["peer_out"], w["peer_rtx"] = (y - x for x, y in zip(seg0, seg1))
                        rtx1 = bench_tcp.Bench.client_retrans(self)
                        rtx[t][0] += rtx1[0] - rtx0[0]
                        rtx[t][1] += rtx1[1] - rtx0[1]
                    except (RuntimeError, subprocess.SubprocessError) as e:
                        errs[(key, t)] = str(e)
                        print(f"  run {r + 1} {key:8s} {t:10s} FAILED {e}", flush=True)
                        continue
                    res[(key, t)].append(w)
                    print(f"  run {r + 1} {key:8s} {t:10s} {w['rps']:9.0f}/s  p50 "
                          f"{w['p50']:7.3f} ms  p99 {w['p99']:7.3f} ms  errors {w['errors']}",
                          flush=True)
                    time.sleep(a.pause)
        after = self.sluice_counters()
        self.own_latency_note(res)
        labels = dict(TARGETS)
        self.notes.append("client kernel retransmitted segments (tail-loss probes) over (a): " +
                          "; ".join(f"{labels[t]} {v[0]} ({v[1]})" for t, v in rtx.items()))
        if before and after and before[0] == after[0]:
            for name, b, c in zip(("proxy", "tcp", "port"), before[1:],
                                         after[1:]):
                d = {k: c[k] - b.get(k, 0) for k in c
                     if isinstance(c[k], int) and c[k] - b.get(k, 0)}
                if name == "port":
                    d = {k: c[k] - b.get(k, 0) for k in c if isinstance(c[k], int)
                         and not k.endswith(("pool_in_use", "pool_size"))}
                if d:
                    self.notes.append(f"Sluice {name} counters over (a)"
                                      f"{'' if name == 'port' else ', non-zero'}: " +
                                      ", ".join(f"{k} {v}" for k, v in d.items()))
        return targets, res, errs

    def cases(self):
        return [c for c in CASES if not self.args.cases or c[0] in self.args.cases]

    def own_latency_note(self, res):
        """Sluice's own view of its latency, to set beside wrk's: where the
        tail is spent, in the gateway or around it."""
        parts = []
        for key, label, *_ in self.cases():
            own = [w["own"] for w in res.get((key, "sluice"), []) if w.get("own")]
            if own:
                parts.append(f"{label}: " + ", ".join(
                    f"p50 < {o[0]} µs, p99 < {o[1]} µs" for o in own))
        if parts:
            self.notes.append(
                "Sluice's own request latency, head received to response handed to its "
                "TCP (its route histogram, power-of-two buckets, upper bounds), per run: " +
                "; ".join(parts))

    def peer_segments(self):
        """Segments sent and retransmitted by the kernel peers (the client's
        and the upstream's namespaces together)."""
        out = rtx = 0
        for ns in (self.tb.client, self.tb.upstream):
            snmp = sh("ip", "netns", "exec", ns, "cat", "/proc/net/snmp",
                      check=False).stdout.splitlines()
            tcp = [x.split() for x in snmp if x.startswith("Tcp:")]
            out += int(tcp[1][tcp[0].index("OutSegs")])
            rtx += int(tcp[1][tcp[0].index("RetransSegs")])
        return out, rtx

    def upstream_opens(self, target):
        """Connections the target has opened so far (kernel proxies: their
        namespace's ActiveOpens; Sluice: its TCP 'connects'), or None."""
        try:
            if target in ("nginx", "haproxy"):
                snmp = sh("ip", "netns", "exec", self.kp, "cat", "/proc/net/snmp",
                          check=False).stdout.splitlines()
                tcp = [x.split() for x in snmp if x.startswith("Tcp:")]
                return int(tcp[1][tcp[0].index("ActiveOpens")])
            if target in ("sluice", "sluice_l4") and "sluiced" in self.procs:
                return int(self.telemetry("/sluice/tcp/stats")["connects"])
        except Exception:  # noqa: BLE001 -- diagnostics only
            return None
        return None

    def sluice_latency(self):
        """{bucket name: count} of sluiced's request latency histogram, summed
        over its routes, or None."""
        if "sluiced" not in self.procs or not self.sluice_proxy:
            return None
        try:
            hist = {}
            for route in self.telemetry("/sluice/proxy/routes").values():
                for k, v in route.items():
                    if k.startswith("lat_"):
                        hist[k] = hist.get(k, 0) + v
            return hist
        except Exception:  # noqa: BLE001 -- diagnostics only
            return None

    def sluice_counters(self):
        """(prefix, proxy stats, tcp stats) of the running sluiced, or None."""
        if "sluiced" not in self.procs:
            return None
        try:
            proxy = self.telemetry("/sluice/proxy/stats") if self.sluice_proxy else {}
            ports = {}
            for port in ("front", "back"):
                st = self.telemetry(f"/sluice/port/stats,{port}")
                ports.update({f"{port} {k}": st[k] for k in (
                    "imissed", "ierrors", "oerrors", "rx_nombuf")
                    if k in st})
            return self.prefix, proxy, self.telemetry("/sluice/tcp/stats"), ports
        except Exception:  # noqa: BLE001 -- diagnostics only
            return None

    def cpu_ticks(self, name):
        p = self.procs.get(name)
        try:
            with open(f"/proc/{p.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        except (AttributeError, OSError, IndexError, ValueError):
            return None

    def idle_cpu(self, secs=3.0):
        """sluiced's CPU use while idle, % of one CPU."""
        t0 = self.cpu_ticks("sluiced")
        time.sleep(secs)
        t1 = self.cpu_ticks("sluiced")
        if t0 is None or t1 is None:
            return "?"
        return f"{(t1 - t0) / os.sysconf('SC_CLK_TCK') / secs * 100:.0f}%"

    # --- (b) callgrind ------------------------------------------------------

    def callgrind(self):
        a = self.args
        rows = {}
        # the throughput processes go first: one sluiced at a time, and the
        # peers' ports are taken over by their callgrind instances
        for name in ("sluiced", "nginx", "haproxy"):
            self.stop(name)
        proxies = ("sluice",) + (("sluice_base",) if a.baseline else ()) + ("nginx", "haproxy")
        for proxy in proxies:
            if a.only and proxy.replace("_base", "") not in a.only:
                continue
            try:
                rows[proxy] = self.cg_proxy(proxy)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                rows[proxy] = str(e)
                print(f"  callgrind {proxy}: FAILED {e}", flush=True)
            finally:
                self.stop(f"cg-{proxy}", timeout=120)
        return rows

    def cg_proxy(self, proxy):
        a = self.args
        name = f"cg-{proxy}"
        out = os.path.join(self.tmp, f"callgrind.{proxy}.out")
        vg = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        env = dict(os.environ, GLIBC_TUNABLES=GLIBC_TUNABLES)
        if proxy in ("sluice", "sluice_base"):
            if "sluice" in self.failed and not self.sluice_proxy:
                raise RuntimeError(self.failed["sluice"])
            prefix = f"bench-{self.tid}-{name}-{os.getpid()}"
            self.prefixes.append(prefix)
            p = self.launch_sluiced(name, self.sluice_conf(prefix, True, callgrind=True),
                                    valgrind=vg, timeout=300,
                                    binary=a.baseline if proxy == "sluice_base" else None)
            url = "http://198.18.0.1:80"
            self.wait_http(self.tb.client, url + "/1k", name, timeout=120)
        else:
            if proxy in self.failed:
                raise RuntimeError(self.failed[proxy])
            p = self.start(name, vg + self.peer_argv(proxy), ns=self.kp, env=env, cpu=PROXY_CPU)
            url = self.peer_url(proxy)
            self.wait_http(self.tb.client, url + "/1k", name, timeout=120)
        cg = Callgrind(p.pid, out)
        last = [None]

        def measure(fn):
            ir, v = cg.measure(fn)
            last[0] = cg.last
            return ir, v

        # warm-up: connections, first allocations, upstream pool
        self.wrk(url + "/1k", 32, 120, False, fixed=500, timeout="30s")
        self.wrk(url + "/1k", 32, 120, True, fixed=200, timeout="30s")
        rows = []
        for key, label, path, conns, close in CASES:
            if key not in CG_CASES:
                continue
            n0 = self.upstream_requests()

            def load():
                t0 = time.perf_counter()
                w = self.wrk(url + path, conns, 900, close, fixed=a.cg_requests, timeout="30s")
                return w, time.perf_counter() - t0
            ir_load, (w, secs) = measure(load)
            load_path = last[0]
            n = self.upstream_requests() - n0 - 1
            ir_idle, _ = measure(lambda: time.sleep(secs))
            try:
                self.cg_top[(proxy, key)] = self.top_functions(load_path, last[0], n)
            except (OSError, ValueError) as e:
                self.notes.append(f"callgrind {proxy} {key}: no per-function costs ({e!r})")
            per = (ir_load - ir_idle) / n if n > 0 else float("nan")
            rows.append((key, n, secs, ir_load, ir_idle, per, w["errors"]))
            print(f"  callgrind {proxy:8s} {key:8s} {n} requests in {secs:6.2f} s  Ir loaded "
                  f"{ir_load:>14,}  idle {ir_idle:>12,}  per request {per:>10,.0f}  "
                  f"(wrk errors {w['errors']})", flush=True)
        if proxy in ("sluice", "sluice_base"):
            try:
                st = self.telemetry("/sluice/proxy/stats", prefix=prefix)
                keys = [k for k in st if re.match(r"(err_|req_err_|no_route)", k) and st[k]]
                if keys:
                    self.notes.append("Sluice under callgrind, non-zero error counters: " +
                                      ", ".join(f"{k} {st[k]}" for k in keys))
            except Exception as e:  # noqa: BLE001 -- diagnostics only
                self.notes.append(f"Sluice under callgrind: /sluice/proxy/stats: {e!r}")
        return rows

    @staticmethod
    def self_costs(path):
        """{(function, object file): self Ir} of a callgrind dump (its own format:
        a cost line after 'calls=' is the call's inclusive cost, not self)."""
        names, objs, fn_obj, cost = {}, {}, {}, {}
        cur = cur_ob = None
        after_calls = False
        with open(path) as f:
            for line in f:
                c = line[:1]
                if c.isdigit() or c in "+-*":
                    if after_calls:
                        after_calls = False
                    elif cur is not None:
                        parts = line.split()
                        if len(parts) >= 2:
                            cost[cur] = cost.get(cur, 0) + int(parts[1])
                    continue
                m = re.match(r"(c?fn|c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
                if m:
                    kind, i, name = m.group(1), int(m.group(2)), m.group(3)
                    if name:
                        (names if kind.endswith("fn") else objs)[i] = name
                    if kind == "ob":
                        cur_ob = i
                    elif kind == "fn":
                        cur = i
                        fn_obj.setdefault(i, cur_ob)
                elif line.startswith("calls="):
                    after_calls = True
        out = {}
        for i, v in cost.items():
            key = (names.get(i, "?"), os.path.basename(objs.get(fn_obj.get(i), "?")))
            out[key] = out.get(key, 0) + v
        return out

    def top_functions(self, load_path, idle_path, n_requests, n=8):
        """[(function, object, net self Ir per request)], largest first."""
        load = self.self_costs(load_path)
        idle = self.self_costs(idle_path)
        net = {k: (v - idle.get(k, 0)) / n_requests for k, v in load.items()}
        return sorted(net.items(), key=lambda kv: -kv[1])[:n]

    # --- report -------------------------------------------------------------

    def versions(self):
        def out(*argv):
            r = sh(*argv, check=False)
            return (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr) else "?"
        nginx = out("nginx", "-v").replace("nginx version: ", "")
        haproxy = re.sub(r" - https?://\S+", "", out("haproxy", "-v")).replace(
            "HAProxy version ", "HAProxy ")
        wrk = re.sub(r"\s+Copyright.*", "", out("wrk", "-v"))
        vg = out("valgrind", "--version")
        dpdk = sh("pkg-config", "--modversion", "libdpdk", check=False).stdout.strip() or "?"
        return nginx, haproxy, wrk, vg, dpdk

    def conditions(self):
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*: (.*)$", f.read(), re.M)
        cpu = m.group(1) if m else "?"
        commit = self.commit
        try:
            built = datetime.datetime.fromtimestamp(os.path.getmtime(self.args.sluiced),
                                                    datetime.timezone.utc)
            built = f"{built:%Y-%m-%d %H:%M} UTC"
        except OSError:
            built = "?"
        nginx, haproxy, wrk, vg, dpdk = self.versions()
        a = self.args
        return [
            f"date {self.started:%Y-%m-%d %H:%M} UTC; CPU {cpu}, {os.cpu_count()} cores "
            f"(shared with other work; load average at start {self.loadavg}); kernel "
            f"{os.uname().release}",
            f"{nginx}; {haproxy}; {wrk}; {vg}; DPDK {dpdk}; sluice tree {commit.strip()}, "
            f"sluiced ({os.path.relpath(a.sluiced, ROOT)}) built {built}" +
            (f"; baseline sluiced {a.baseline}" if a.baseline else ""),
            f"client: wrk -t{a.threads} --latency in {self.tb.client}, {a.secs} s per run, "
            f"median of {a.runs} run(s), targets interleaved (reversed every other run), "
            f"{a.pause} s pause between runs; close case: -H 'Connection: close'",
            f"upstream: nginx (1 process, access_log off, keepalive_requests 1000000) in "
            f"{self.tb.upstream}, port {UP_PORT}, static /1k and /16k",
            f"sluiced: lcores '{a.lcores}', hugepages, {a.port} ({getattr(self, 'afp', '?')}), "
            f"idle {{ {IDLE} }} (idle, it used {getattr(self, 'sluice_idle_cpu', '?')} of "
            "a CPU while the others ran), tcp defaults (cubic, 256 KiB buffers) but ephemeral "
            f"ports 1024-65535; proxy: pool 'rr' of one member, keepalive {a.keepalive}, "
            "x_forwarded/via/request_id off",
            f"nginx: proxy_pass to upstream{{keepalive {a.keepalive}}}, proxy_http_version 1.1, "
            "Connection \"\", 1 process (master_process off), access_log off; HAProxy: mode "
            f"http, nbthread 1, http-reuse always, pool-max-conn {a.keepalive}, no log; both in "
            f"{self.kp} (ip_local_port_range 1024-65535, tcp_tw_reuse 1)",
            "links: veth, MTU 1500, cubic on every route; Sluice's links: " + {
                "af_packet": "offloads off (tx rx tso gso gro: af_packet has none)",
                "vnet": "its namespace ends' tx, tso and gso on (they send it TSO "
                        "segments whole with partial checksums, which its LRO takes), the "
                        "gateway ends' tx, tso and gso on (it hands them TSO segments with "
                        "partial checksums)",
                "tap": "offloads off; its net_tap port does TSO and checksums in the PMD",
            }[a.port] + "; the kernel proxies' and the direct "
            "links offloads " + ("on (veth defaults)" if a.kernel_offloads else "off too"),
            (f"pinned: the proxy under test on CPU {PROXY_CPU} (nginx, HAProxy; sluiced's "
             f"worker lcore), wrk, the upstream and sluiced's management lcore on CPU "
             f"{LOAD_CPU}" if a.pin else "nothing pinned except what --lcores says"),
        ]

    def tables(self, targets, res, errs, cg):
        med = statistics.median
        nan = float("nan")
        labels = dict(TARGETS)

        def rps(key, t):
            return med(w["rps"] for w in res[(key, t)]) if res.get((key, t)) else nan

        def ratio(x, y):
            return "—" if x != x or y != y or y == 0 else f"{x / y:.2f}"

        lines = ["| Case | Target | Requests/s | p50 ms | p99 ms | Errors | Peer retrans. % | "
                 "Upstream conns opened / 1k req | vs direct | vs nginx | vs HAProxy |",
                 "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for key, label, *_ in self.cases():
            for t in targets:
                runs = res.get((key, t)) or []
                if not runs:
                    e = self.failed.get(t) or errs.get((key, t)) or "no result"
                    e = e.replace("|", "/").replace("\n", " ")[:160]
                    lines.append(f"| {label} | {labels[t]} | failed: {e} | | | | | | | | |")
                    continue
                x = rps(key, t)
                p50 = med(w["p50"] for w in runs)
                p99 = med(w["p99"] for w in runs)
                er = sum(w["errors"] for w in runs)
                nreq = sum(w["requests"] for w in runs)
                if all("opens" in w for w in runs) and nreq:
                    opens = f"{sum(w['opens'] for w in runs) * 1000 / nreq:.1f}"
                else:
                    opens = "—"
                pout = sum(w.get("peer_out", 0) for w in runs)
                prtx = f"{100 * sum(w.get('peer_rtx', 0) for w in runs) / pout:.3f}" \
                    if pout else "—"
                lines.append(f"| {label} | {labels[t]} | {x:,.0f} | {p50:.3f} | {p99:.3f} | "
                             f"{er} | {prtx} | {opens} | {ratio(x, rps(key, 'direct'))} | "
                             f"{ratio(x, rps(key, 'nginx'))} | {ratio(x, rps(key, 'haproxy'))} |")
        lines += ["", "Errors: wrk's socket errors (connect, read, write, timeout) plus non-2xx "
                  "responses, summed over the runs. Peer retrans.: segments retransmitted "
                  "by the kernel client and upstream together, per 100 they sent. Every run "
                  "(requests/s):", ""]
        for key, label, *_ in self.cases():
            lines.append(f"- {label}: " + "; ".join(
                f"{labels[t]} " + (", ".join(f"{w['rps']:,.0f}" for w in res[(key, t)]) or "—")
                for t in targets))
        errd = [(k, t, w["sock"], w["non2xx"]) for (k, t), ws in res.items() for w in ws
                if w["errors"]]
        if errd:
            lines.append("- runs with errors (connect, read, write, timeout; non-2xx): " +
                         "; ".join(f"{k} {labels[t]} {s} {n}" for k, t, s, n in errd))
        for n in self.notes:
            lines.append(f"- {n}")
        lines.append("")
        if cg is None:
            lines.append("Callgrind: skipped (--no-callgrind).")
            return lines
        names = {"sluice": "Sluice", "sluice_base": "Sluice baseline", "nginx": "nginx",
                 "haproxy": "HAProxy"}
        case_label = {c[0]: c[1] for c in CASES}
        per = {}
        lines += [
            f"User-space instructions per proxied request (callgrind; {self.args.cg_requests:,} "
            "requests by wrk per case, counted at the upstream; minus the same number of "
            "seconds idle; `GLIBC_TUNABLES=" + GLIBC_TUNABLES + "` for all three; sluiced "
            f"with eal.huge = false, idle {{ {CG_IDLE} }}):", "",
            "| Case | Sluice | nginx | HAProxy | Sluice / nginx | Sluice / HAProxy |",
            "|---|---:|---:|---:|---:|---:|"]
        for proxy, rows in cg.items():
            if isinstance(rows, list):
                for key, n, secs, ir_l, ir_i, x, werr in rows:
                    per[(key, proxy)] = x
        for key in CG_CASES:
            v = [per.get((key, p), nan) for p in ("sluice", "nginx", "haproxy")]

            def cell(x, p):
                if x == x:
                    return f"{x:,.0f}"
                return "failed" if isinstance(cg.get(p), str) else "—"
            lines.append(f"| {case_label[key]} | " + " | ".join(
                cell(x, p) for x, p in zip(v, ("sluice", "nginx", "haproxy"))) +
                f" | {ratio(v[0], v[1])} | {ratio(v[0], v[2])} |")
        if "sluice_base" in cg:
            lines += ["", f"Against the baseline sluiced (`{self.args.baseline}`), same "
                      "configuration, same run:", "",
                      "| Case | Sluice | Sluice baseline | Sluice / baseline |",
                      "|---|---:|---:|---:|"]
            for key in CG_CASES:
                x, b = per.get((key, "sluice"), nan), per.get((key, "sluice_base"), nan)
                lines.append(f"| {case_label[key]} | {cell(x, 'sluice')} | "
                             f"{cell(b, 'sluice_base')} | "
                             f"{'—' if x != x or b != b else f'{x / b:.4f}'} |")
        lines += ["", "| Proxy | Case | Requests | Seconds under callgrind | Ir loaded | "
                  "Ir idle, same time | Net Ir / request | Idle Ir / request | wrk errors |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for proxy, rows in cg.items():
            if isinstance(rows, str):
                e = rows.replace("|", "/").replace("\n", " ")[:200]
                lines.append(f"| {names[proxy]} | failed: {e} | | | | | | | |")
                continue
            for key, n, secs, ir_l, ir_i, x, werr in rows:
                lines.append(f"| {names[proxy]} | {case_label[key]} | {n:,} | {secs:.2f} | "
                             f"{ir_l:,} | {ir_i:,} | {x:,.0f} | {ir_i / n:,.0f} | {werr} |")
        lines += ["", "Callgrind counts user space only: nginx's and HAProxy's TCP/IP runs in "
                  "the kernel and is not in their figures; Sluice's figure includes its TCP "
                  "stack, L2/L3 and the af_packet PMD (its user-space equivalent). The idle "
                  "subtraction assumes the idle loop costs as much under load as idle; a "
                  "busy poller loops less when loaded, so 'Idle Ir / request' bounds the "
                  "error of the net figure (it can only be understated, by at most that).",
                  "", "Largest net self costs, Ir per request (loaded minus idle, by function "
                  "and object file):", ""]
        for (proxy, key), top in self.cg_top.items():
            lines.append(f"- {names[proxy]}, {case_label[key]}: " + ", ".join(
                f"{fn} ({obj}) {ir:,.0f}" for (fn, obj), ir in top))
        return lines

    def run(self):
        a = self.args
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.loadavg = " ".join(open("/proc/loadavg").read().split()[:3])
        self.commit = sh("git", "-C", ROOT, "describe", "--always", "--dirty",
                         check=False).stdout.strip() + " at start"
        t0 = time.time()
        print(f"setting up testbed {self.tid}, namespace {self.kp}, upstream, peers, sluiced",
              flush=True)
        self.setup()
        print("(a) requests/s", flush=True)
        targets, res, errs = self.throughput()
        cg = None
        if not a.no_callgrind:
            print("(b) callgrind", flush=True)
            cg = self.callgrind()
        cmd = "sudo python3 pktgen-tests/bench/bench_proxy.py" + \
            (" --quick" if a.quick else "") + \
            (f" --sluiced {os.path.relpath(a.sluiced, ROOT)}" if a.sluiced_given else "") + \
            (f" --baseline {a.baseline}" if a.baseline else "")
        out = [f"### HTTP proxy, {self.started:%Y-%m-%d %H:%M} UTC"
               f"{' (--quick)' if a.quick else ''}", "",
               f"Command: `{cmd}` (took {time.time() - t0:.0f} s)", "", "Conditions:", ""]
        out += [f"- {c}" for c in self.conditions()]
        out += ["", "Topology: the client (wrk) in its namespace; Sluice one af_packet hop "
                "away; nginx and HAProxy on the kernel stack in a namespace of their own, "
                "one veth hop away; the same upstream nginx behind each (see the script's "
                "docstring). 'vs direct' = requests/s over 'direct (veth)', the client "
                "and the upstream alone on a veth pair.", ""]
        out += self.tables(targets, res, errs, cg)
        text = "\n".join(out) + "\n"
        print()
        print(text)
        if a.out:
            with open(a.out, "w") as f:
                f.write(text)
            print(f"written to {a.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 run of 2 s, 5,000 callgrind requests")
    ap.add_argument("--sluiced", help="sluiced binary (default: $SLUICED or build/app/sluiced/"
                    "sluiced)")
    ap.add_argument("--baseline", help="another sluiced binary (an earlier build) to count "
                    "instructions of too, in the same run (b)")
    ap.add_argument("--id", default="bp", help="testbed id (default bp)")
    ap.add_argument("--runs", type=int, help="runs per figure (median; default 3, --quick 1)")
    ap.add_argument("--secs", type=int, help="seconds per run (default 5, --quick 2)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between runs")
    ap.add_argument("--cg-requests", type=int, help="requests per callgrind case "
                    "(default 20000, --quick 5000)")
    ap.add_argument("--lcores", help="sluiced's eal.lcores (default: management on CPU "
                    f"{LOAD_CPU}, the worker on CPU {PROXY_CPU}; --no-pin: both float)")
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="pin nothing (default: the proxy under test alone on one CPU, "
                    "the client and the upstream on the other)")
    ap.add_argument("--port", choices=sltest.PORT_KINDS, default="vnet",
                    help="Sluice's ports: vnet (its own AF_PACKET port with virtio-net "
                    "headers: TSO and checksum offload to the kernel), af_packet (DPDK's "
                    "PMD: no offloads) or tap (net_tap: offloads done by the PMD in "
                    "software)")
    ap.add_argument("--kernel-offloads", choices=("on", "off"), default="on",
                    help="offloads of the kernel proxies' and the direct veth links (default "
                    "on, as the kernel gives them; off: as Sluice's af_packet links)")
    ap.add_argument("--l4", action="store_true", help="also Sluice's L4 relay (tcp service "
                    "relay on 198.18.0.1:8080, to 198.19.0.3:8080), for context")
    ap.add_argument("--keepalive", type=int, default=32, help="idle upstream connections "
                    "kept by each proxy (default 32)")
    ap.add_argument("--no-callgrind", action="store_true", help="skip (b)")
    ap.add_argument("--only", help="comma-separated targets: " + ",".join(t for t, _ in TARGETS))
    ap.add_argument("--cases", help="comma-separated cases of (a): " +
                    ",".join(c[0] for c in CASES))
    ap.add_argument("--out", help="also write the markdown to this file")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    a.sluiced_given = a.sluiced is not None
    a.sluiced = os.path.abspath(a.sluiced or sltest.SLUICED)
    a.baseline = os.path.abspath(a.baseline) if a.baseline else None
    a.runs = a.runs or (1 if a.quick else 3)
    a.secs = a.secs or (2 if a.quick else 5)
    a.cg_requests = a.cg_requests or (5000 if a.quick else 20000)
    a.only = set(a.only.split(",")) if a.only else None
    a.cases = set(a.cases.split(",")) if a.cases else None
    a.kernel_offloads = a.kernel_offloads == "on"
    sltest.PORT_KIND = a.port
    if a.lcores is None:
        a.lcores = f"0@{LOAD_CPU},1@{PROXY_CPU}" if a.pin else "0@(0-1),1@(0-1)"
    if a.cases and a.cases - {c[0] for c in CASES}:
        ap.error(f"--cases: unknown case(s) {','.join(a.cases - {c[0] for c in CASES})}")
    if a.only and a.only - {t for t, _ in TARGETS}:
        ap.error(f"--only: unknown target(s) {','.join(a.only - {t for t, _ in TARGETS})}")
    if os.geteuid() != 0:
        sys.exit("bench_proxy: run as root (namespaces, hugepages)")
    # wrk holds a descriptor per connection: 1,024 of them and more.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for tool in ("wrk", "nginx", "haproxy", "curl", "valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_proxy: {tool} not found (devtools/install-deps.sh)")
    b = Bench(a)

    owner = os.getpid()

    def on_signal(sig, frame):
        if os.getpid() != owner:
            os._exit(1)
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        b.run()
    except KeyboardInterrupt as e:
        print(f"bench_proxy: interrupted ({e}); cleaning up", file=sys.stderr)
        sys.exit(130)
    finally:
        if os.getpid() == owner:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            b.cleanup()


if __name__ == "__main__":
    main()
