#!/usr/bin/env python3
"""TCP stack benchmark (roadmap 2): Sluice's user-space TCP against the Linux
kernel's, side by side in one run, on a testbed of its own.

    sudo /usr/bin/python3 pktgen-tests/bench/bench_tcp.py [--quick] [--no-record]

Measures and prints (DESIGN.md section 5: a benchmark, not a test — nothing is
asserted):
  (a) bulk throughput, Gbit/s, median of 3: source -> client, client -> discard,
      echo round trip;
  (b) connections per second: connect, 1-byte echo, close, from parallel client
      processes; median of 3, with per-connection latency p50/p99;
  (c) Sluice's instructions per connection and per MiB, from callgrind over a
      fixed workload minus an idle stretch of the same length.

The peers. Sluice serves echo/discard/source on 198.18.0.1 over its af_packet
port (testbed.sh). The kernel peer is ksrv.c (one thread, epoll, the same three
protocols), compiled here and run in a namespace of this script's own, joined
to the client namespace by its own veth pair, so both servers sit behind the
same kind of link from the same client:
  <id>-ksrv  198.18.1.2  veth offloads off (tx rx tso gso gro), as testbed.sh
                         sets them on the gateway's links — the fair comparison
  <id>-kson  198.18.2.2  veth offloads left at their defaults — for context
Both links route with congctl cubic (BBR stalls on veth; never the machine's
default). The client is Python in <id>-client; its own limit shows in the
client -> kernel figures. Only 198.18.0.0/15, only inside these namespaces.

Everything created here (testbed, namespaces, processes, DPDK runtime
directories) is removed at exit, on Ctrl-C and on failure. Results are appended
to docs/benchmarks.md ("TCP stack (roadmap 2)") unless --no-record.
"""
import argparse
import ctypes
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "system"))
import sltest  # noqa: E402
from sltest import Gateway, Testbed, in_netns, sh  # noqa: E402
from callgrind import Callgrind  # noqa: E402

ROOT = sltest.ROOT
GW = "198.18.0.1"
ECHO, DISCARD, SOURCE = 7, 9, 19
MiB = 1 << 20
GLIBC_TUNABLES = ("glibc.cpu.x86_rep_movsb_threshold=4294967296:"
                  "glibc.cpu.x86_rep_stosb_threshold=4294967296")
IDLE = "spin_polls = 256; pause_polls = 1024; sleep_max_us = 100;"  # sltest's defaults
CG_IDLE = "spin_polls = 0; pause_polls = 0; sleep_max_us = 1000;"
# The built-in services' own code (lib/tcp/tcp_services.c), not the stack's.
SERVICE_FNS = re.compile(r"^(svc_|echo_|discard_|source_|pattern_fill|tcp_services_)")


# --- clients: run inside the client namespace (in_netns) --------------------

def _connect(addr, port, timeout):
    s = socket.create_connection((addr, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def bulk_source(addr, n, timeout=30):
    """Ask source for n bytes; read them all to EOF. (bytes, seconds)
    timeout: seconds without progress before giving up (socket.timeout)."""
    buf = memoryview(bytearray(4 * MiB))
    t0 = time.perf_counter()
    s = _connect(addr, SOURCE, timeout)
    s.sendall(b"%d\n" % n)
    got = 0
    while True:
        k = s.recv_into(buf)
        if not k:
            break
        got += k
    t = time.perf_counter() - t0
    s.close()
    return got, t


def bulk_discard(addr, n, timeout=30):
    """Send n bytes to discard, then FIN; done when the server's FIN arrives
    (it closes once it has read everything). (bytes, seconds)"""
    block = memoryview(bytes(4 * MiB))
    t0 = time.perf_counter()
    s = _connect(addr, DISCARD, timeout)
    left = n
    while left > 0:
        left -= s.send(block[:min(left, len(block))])
    s.shutdown(socket.SHUT_WR)
    eof = s.recv(1) == b""
    t = time.perf_counter() - t0
    s.close()
    return (n if eof else -1), t


def bulk_echo(addr, n, timeout=30):
    """Send n bytes to echo while reading n back. (bytes back, seconds)"""
    block = memoryview(bytes(4 * MiB))
    buf = memoryview(bytearray(4 * MiB))
    t0 = time.perf_counter()
    s = _connect(addr, ECHO, timeout)

    def writer():
        left = n
        while left > 0:
            left -= s.send(block[:min(left, len(block))])
        s.shutdown(socket.SHUT_WR)

    w = threading.Thread(target=writer)
    w.start()
    got = 0
    while True:
        k = s.recv_into(buf)
        if not k:
            break
        got += k
    t = time.perf_counter() - t0
    w.join()
    s.close()
    return got, t


def _die_with_parent():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _cps_worker(addr, count, start_r, out_w):
    _die_with_parent()
    os.read(start_r, 1)
    lat = []
    fails = 0
    for _ in range(count):
        t0 = time.perf_counter()
        try:
            s = socket.create_connection((addr, ECHO), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(b"x")
            ok = s.recv(1) == b"x"
            s.close()
        except OSError:
            ok = False
        if ok:
            lat.append(time.perf_counter() - t0)
        else:
            fails += 1
    data = repr((lat, fails)).encode()
    os.write(out_w, data)
    os._exit(0)


def connections(addr, total, workers):
    """total short connections (connect, 1 byte each way, close) from workers
    processes started together. (ok, failed, seconds, p50 s, p99 s)"""
    start_r, start_w = os.pipe()
    kids = []
    for i in range(workers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _cps_worker(addr, total // workers + (i < total % workers), start_r, w)
        os.close(w)
        kids.append((pid, r))
    time.sleep(0.2)
    t0 = time.perf_counter()
    os.write(start_w, b"x" * workers)
    lat, fails = [], 0
    for pid, r in kids:
        chunks = []
        while True:
            d = os.read(r, 1 << 20)
            if not d:
                break
            chunks.append(d)
        os.close(r)
        os.waitpid(pid, 0)
        got = eval(b"".join(chunks).decode()) if chunks else ([], 0)  # our own repr
        lat += got[0]
        fails += got[1]
    t = time.perf_counter() - t0
    lat.sort()
    pct = (lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan"))
    return len(lat), fails, t, pct(0.50), pct(0.99)


def cg_workload(kind, n, timeout=600):
    """The callgrind workloads, at callgrind speed. Returns (ok, seconds)."""
    t0 = time.perf_counter()
    if kind == "conns":
        ok = 0
        for _ in range(n):
            s = _connect(GW, ECHO, timeout)
            s.sendall(b"x")
            ok += s.recv(1) == b"x"
            s.close()
        ok = ok == n
    elif kind == "source":
        ok = bulk_source(GW, n, timeout)[0] == n
    elif kind == "discard":
        ok = bulk_discard(GW, n, timeout)[0] == n
    else:
        ok = bulk_echo(GW, n, timeout)[0] == n
    return ok, time.perf_counter() - t0


# --- the benchmark ----------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.tid = args.id
        self.tb = Testbed(self.tid)
        self.tmp = tempfile.mkdtemp(prefix="bench-tcp-")
        self.procs = []        # Popen objects we started
        self.netns = []        # namespaces we created (besides the testbed's)
        self.gw = None
        self.prefixes = []     # DPDK runtime directories to remove
        self.notes = []

    # set-up and clean-up

    def stop_gateway(self):
        gw, self.gw = self.gw, None
        if gw.alive():
            gw.proc.kill()
            gw.proc.wait()
        if os.path.exists(gw.conf_path):
            os.unlink(gw.conf_path)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        if self.gw is not None:
            self.stop_gateway()
        for ns in self.netns:
            sh("ip", "netns", "del", ns, check=False)
        self.tb.down()
        for prefix in self.prefixes:
            shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def kernel_peer(self, name, cli_if, srv_if, subnet, offloads):
        """Namespace <id>-<name> at <subnet>.2, joined to the client namespace
        (<subnet>.1) by a veth pair; ksrv listening there."""
        ns = f"{self.tid}-{name}"
        cli = self.tb.client
        sh("ip", "netns", "add", ns)
        self.netns.append(ns)
        sh("ip", "link", "add", cli_if, "netns", cli, "type", "veth", "peer", "name", srv_if,
           "netns", ns)
        for n, dev, addr in ((cli, cli_if, f"{subnet}.1"), (ns, srv_if, f"{subnet}.2")):
            run = ("ip", "netns", "exec", n)
            sh(*run, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            if not offloads:
                sh(*run, "ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off", "gso",
                   "off", "gro", "off", check=False)
            sh(*run, "ip", "link", "set", "lo", "up")
            sh(*run, "ip", "link", "set", dev, "up")
            sh(*run, "ip", "addr", "replace", f"{addr}/24", "dev", dev)
            sh(*run, "ip", "route", "replace", f"{subnet}.0/24", "dev", dev, "proto", "kernel",
               "scope", "link", "src", addr, "congctl", "cubic")
        k = sh("ip", "netns", "exec", ns, "ethtool", "-k", srv_if, check=False).stdout
        feats = (("tx", "tx-checksumming"), ("rx", "rx-checksumming"),
                 ("tso", "tcp-segmentation-offload"), ("gso", "generic-segmentation-offload"),
                 ("gro", "generic-receive-offload"))
        state = " ".join(f"{short} {m.group(1) if m else '?'}" for short, m in (
            (short, re.search(rf"^{f}: (\w+)", k, re.M)) for short, f in feats))
        p = subprocess.Popen(["ip", "netns", "exec", ns, self.ksrv, f"{subnet}.2"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        if not line.startswith("ksrv: ready"):
            raise RuntimeError(f"ksrv in {ns}: {line}{p.stdout.read() if p.poll() else ''}")
        return f"{subnet}.2", state

    def setup(self):
        self.ksrv = os.path.join(self.tmp, "ksrv")
        sh("cc", "-O2", "-o", self.ksrv, os.path.join(HERE, "ksrv.c"))
        sh("ip", "netns", "del", f"{self.tid}-ksrv", check=False)  # a crashed earlier run
        sh("ip", "netns", "del", f"{self.tid}-kson", check=False)
        self.tb.down()
        self.tb.up()
        cli = ("ip", "netns", "exec", self.tb.client)
        # Many short connections, closed by the client: reuse TIME_WAIT ports.
        sh(*cli, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65535")
        sh(*cli, "sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1")
        self.k_off, self.k_off_state = self.kernel_peer("ksrv", f"{self.tid}-kc",
                                                        f"{self.tid}-ks", "198.18.1", False)
        self.k_on, self.k_on_state = self.kernel_peer("kson", f"{self.tid}-oc",
                                                      f"{self.tid}-os", "198.18.2", True)
        self.gw = Gateway(self.tb)  # sltest's defaults (idle: IDLE)
        with open(self.gw.conf_path) as f:
            conf = f.read()
        m = re.search(r"^idle = \{(.*?)\};", conf, re.M)
        self.idle = " ".join(m.group(1).split()) if m else "?"
        self.prefixes.append(self.gw.prefix)
        self.gw.start()
        self.gw_log = []
        threading.Thread(target=lambda out=self.gw.proc.stdout, log=self.gw_log: [
            log.append(line) for line in out], daemon=True).start()
        self.afp = re.search(r"attached as ethdev 0 \((.*)\)", self.gw.output)
        self.afp = self.afp.group(1) if self.afp else "?"
        # warm up: neighbour entries, first-connection costs
        for addr in (GW, self.k_off, self.k_on):
            in_netns(self.tb.client, bulk_echo, addr, MiB, timeout=60)

    # (a) and (b)

    def client_retrans(self):
        """The client namespace's retransmitted segments and tail-loss probes."""
        snmp = self.tb.run(self.tb.client, "cat", "/proc/net/snmp", "/proc/net/netstat").stdout
        vals = {}
        lines = snmp.splitlines()
        for head, body in zip(lines[0::2], lines[1::2]):
            keys, nums = head.split()[1:], body.split()[1:]
            vals.update({f"{head.split()[0]}{k}": v for k, v in zip(keys, nums)})
        return int(vals.get("Tcp:RetransSegs", 0)), int(vals.get("TcpExt:TCPLossProbes", 0))

    def targets(self):
        return (("sluice", GW), ("kernel", self.k_off), ("kernel_on", self.k_on))

    def throughput(self):
        a = self.args
        fns = {"source": bulk_source, "discard": bulk_discard, "echo": bulk_echo}
        res = {(w, t): [] for w in fns for t, _ in self.targets()}
        self.client_rtx = {t: [0, 0] for t, _ in self.targets()}
        before = self.gw.tcp_stats()
        pbefore = self.gw.port_stats("front")
        for r in range(a.runs):
            for w, fn in fns.items():
                order = self.targets() if r % 2 == 0 else tuple(reversed(self.targets()))
                for t, addr in order:
                    rtx0 = self.client_retrans()
                    try:
                        got, secs = in_netns(self.tb.client, fn, addr, a.bulk, timeout=300)
                        err = None if got == a.bulk else f"{got} of {a.bulk} bytes"
                    except RuntimeError as e:
                        err = str(e)
                    if err:
                        self.failed(f"run {r + 1} {w} {t}", err, t == "sluice")
                        continue
                    rtx1 = self.client_retrans()
                    self.client_rtx[t][0] += rtx1[0] - rtx0[0]
                    self.client_rtx[t][1] += rtx1[1] - rtx0[1]
                    res[(w, t)].append(a.bulk * 8 / secs / 1e9)
                    print(f"  run {r + 1} {w:8s} {t:10s} {res[(w, t)][-1]:6.2f} Gbit/s",
                          flush=True)
        after = self.gw.tcp_stats()
        self.sluice_tcp = {k: after[k] - before[k] for k in (
            "retransmits", "fast_retransmits", "rto", "ooo_queued", "seg_out_of_window")
            if k in after and k in before}
        pafter = self.gw.port_stats("front")
        self.sluice_tcp.update({f"port {k}": pafter[k] - pbefore[k] for k in (
            "imissed", "ierrors", "oerrors", "rx_nombuf") if k in pafter and k in pbefore})
        return res

    def failed(self, what, err, sluice):
        """A transfer that failed or stalled: note it, keep Sluice's state."""
        print(f"  {what}: FAILED: {err}", flush=True)
        path = f"/tmp/bench_tcp-failure-{time.strftime('%Y%m%d-%H%M%S')}.txt"
        with open(path, "w") as f:
            f.write(f"{what}: {err}\n")
            if sluice and self.gw is not None and self.gw.alive():
                for name, fn in (("tcp stats", self.gw.tcp_stats),
                                 ("front port", lambda: self.gw.port_stats("front")),
                                 ("tcp conns", self.gw.tcp_conns)):
                    try:
                        f.write(f"== {name}\n{json.dumps(fn(), indent=1)}\n")
                    except Exception as e:  # keep going: this is diagnostics
                        f.write(f"== {name}: {e!r}\n")
            f.write("== client ss\n" + self.tb.run(self.tb.client, "ss", "-tinoem").stdout)
            f.write("== sluiced output\n" + "".join(getattr(self, "gw_log", [])))
        self.notes.append(f"{what}: failed ({err}); state saved in {path}")

    def cps(self):
        a = self.args
        res = {t: [] for t, _ in self.targets()}
        for r in range(a.runs):
            order = self.targets() if r % 2 == 0 else tuple(reversed(self.targets()))
            for t, addr in order:
                ok, fails, secs, p50, p99 = in_netns(self.tb.client, connections, addr,
                                                     a.conns, a.workers, timeout=600)
                if fails:
                    self.notes.append(f"cps run {r + 1} {t}: {fails} failed connections")
                res[t].append((ok / secs, p50, p99))
                print(f"  run {r + 1} cps {t:10s} {ok / secs:8.0f}/s  p50 {p50 * 1e3:.3f} ms"
                      f"  p99 {p99 * 1e3:.3f} ms  ({fails} failed)", flush=True)
        return res

    # (c)

    def callgrind(self):
        a = self.args
        self.stop_gateway()
        prefix = f"bench-{self.tid}-cg-{os.getpid()}"
        self.prefixes.append(prefix)
        conf = sltest.gateway_config(self.tb, prefix, idle_extra="")
        for old, new in ((IDLE, CG_IDLE), ("huge = true;", "huge = false;")):
            if old not in conf:  # sltest's template changed: say so, do not guess
                raise RuntimeError(f"callgrind config: '{old}' not in sltest.gateway_config")
            conf = conf.replace(old, new)
        conf_path = os.path.join(self.tmp, "cg.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        out = os.path.join(self.tmp, "callgrind.out")
        env = dict(os.environ, GLIBC_TUNABLES=GLIBC_TUNABLES)
        p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                              sltest.SLUICED, "-c", conf_path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.procs.append(p)
        log = []
        deadline = time.time() + 300
        while time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            log.append(line)
            if line.startswith("sluiced: ready"):
                break
        else:
            raise RuntimeError("sluiced under callgrind did not start:\n" + "".join(log))
        if not log or not log[-1].startswith("sluiced: ready"):
            raise RuntimeError("sluiced under callgrind did not start:\n" + "".join(log))
        threading.Thread(target=p.stdout.read, daemon=True).start()  # keep the pipe drained
        cg = Callgrind(p.pid, out, timeout=120)

        def measure(fn):
            """Ir of fn() alone, and the self cost of the services' code in it."""
            ir, v = cg.measure(fn)
            path = cg.last
            # self cost of the built-in services' own functions (tcp_services.c)
            ann = sh("callgrind_annotate", "--threshold=100", "--inclusive=no", path,
                     check=False).stdout
            svc = sum(int(m.group(1).replace(",", "")) for m in re.finditer(
                r"^\s*([\d,]+) \([^)]*\)\s+\S*?:(\w+) \[\S*sluiced\]$", ann, re.M)
                if SERVICE_FNS.match(m.group(2)))
            return ir, svc, v

        # warm-up: neighbour entries, first allocations
        in_netns(self.tb.client, cg_workload, "conns", 5, timeout=600)
        in_netns(self.tb.client, cg_workload, "source", MiB, timeout=600)
        tel = Gateway.__new__(Gateway)  # only its telemetry, on this prefix
        tel.prefix = prefix
        before = tel.tcp_stats()
        work = (("conns", a.cg_conns, "connection"), ("source", a.cg_bytes, "MiB sent"),
                ("discard", a.cg_bytes, "MiB received"), ("echo", a.cg_bytes, "MiB echoed"))
        rows = []
        for kind, n, unit in work:
            ir_load, ir_svc, (ok, secs) = measure(
                lambda: in_netns(self.tb.client, cg_workload, kind, n, timeout=900))
            if not ok:
                raise RuntimeError(f"callgrind {kind}: workload failed")
            ir_idle, _, _ = measure(lambda: time.sleep(secs))
            units = n if kind == "conns" else n / MiB
            net = (ir_load - ir_idle) / units
            stack = (ir_load - ir_idle - ir_svc) / units
            rows.append((kind, n, unit, secs, ir_load, ir_idle, net, ir_svc / units, stack))
            print(f"  callgrind {kind:8s} {secs:6.2f} s  Ir loaded {ir_load:>13,}  idle "
                  f"{ir_idle:>11,}  net/{unit} {net:>12,.0f}  service code "
                  f"{ir_svc / units:>12,.0f}", flush=True)
        after = tel.tcp_stats()
        self.cg_tcp = {k: after[k] - before[k] for k in ("retransmits", "rto", "ooo_queued")
                       if k in after and k in before}
        print(f"  callgrind: Sluice TCP counters over the workloads {self.cg_tcp}", flush=True)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
        return rows

    # report

    def conditions(self):
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*: (.*)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
        commit = sh("git", "-C", ROOT, "describe", "--always", "--dirty", check=False).stdout
        built = datetime.datetime.fromtimestamp(os.path.getmtime(sltest.SLUICED),
                                                datetime.timezone.utc)
        dpdk = sh("pkg-config", "--modversion", "libdpdk", check=False).stdout.strip()
        wmem = sh("ip", "netns", "exec", self.tb.client, "sysctl", "-n", "net.ipv4.tcp_wmem",
                  check=False).stdout.split()
        rmem = sh("ip", "netns", "exec", self.tb.client, "sysctl", "-n", "net.ipv4.tcp_rmem",
                  check=False).stdout.split()
        return [
            f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
            f"CPU {cpu}, {os.cpu_count()} cores; kernel {os.uname().release}; "
            f"DPDK {dpdk}; Python {sys.version.split()[0]}; sluice tree {commit.strip()}, "
            f"sluiced built {built:%Y-%m-%d %H:%M} UTC",
            f"load average at start {self.loadavg} (other work on the machine shares its cores)",
            "sluiced: lcores 0-1 (management on CPU 0, one worker pinned to CPU 1 and "
            "busy-polling while there is traffic), hugepages, "
            f"af_packet ({self.afp}), idle {{ {self.idle} }}, tcp rcvbuf/sndbuf 256 KiB (defaults), "
            "cubic; stays running, idle, during the kernel runs",
            f"kernel peer: ksrv.c (one thread, epoll), unpinned: it and the kernel's "
            f"softirq work share the 2 CPUs with the client; client tcp_rmem {' '.join(rmem)}"
            f", tcp_wmem {' '.join(wmem)}; cubic on every testbed route",
            f"veth offloads: Sluice's link (testbed.sh) and 'kernel' all off; 'kernel, offloads "
            f"on' left at veth defaults ({self.k_on_state})",
            f"client: Python 3 in {self.tb.client}, unpinned, 4 MiB recv_into/send buffers, "
            "TCP_NODELAY",
            f"bulk: {self.args.bulk // MiB} MiB per transfer, timed from connect to the last "
            "byte/EOF; echo = bytes echoed / time (each direction carries that much); "
            f"cps: {self.args.conns} connections from {self.args.workers} processes "
            "(connect, 1 byte each way, client closes; tcp_tw_reuse=1 in the client namespace)"
            f"; median of {self.args.runs} runs, targets interleaved (order reversed every "
            "other run)",
        ]

    def tables(self, tp, cps, cg):
        med = statistics.median
        lines = ["| Workload | Sluice | Kernel (offloads off) | Sluice / kernel | "
                 "Kernel (offloads on) | Sluice / kernel (on) |",
                 "|---|---:|---:|---:|---:|---:|"]
        names = {"source": "source -> client, Gbit/s", "discard": "client -> discard, Gbit/s",
                 "echo": "echo round trip, Gbit/s"}
        nan = float("nan")
        for w, name in names.items():
            s, k, o = (med(tp[(w, t)]) if tp[(w, t)] else nan
                       for t in ("sluice", "kernel", "kernel_on"))
            lines.append(f"| {name} | {s:.2f} | {k:.2f} | {s / k:.2f} | {o:.2f} | {s / o:.2f} |")
        s, k, o = (med(x[0] for x in cps[t]) for t in ("sluice", "kernel", "kernel_on"))
        lines.append(f"| connections/s | {s:,.0f} | {k:,.0f} | {s / k:.2f} | {o:,.0f} | "
                     f"{s / o:.2f} |")
        for i, name in ((1, "p50"), (2, "p99")):
            s, k, o = (med(x[i] for x in cps[t]) * 1e3 for t in ("sluice", "kernel", "kernel_on"))
            lines.append(f"| connection latency {name}, ms | {s:.3f} | {k:.3f} | {s / k:.2f} | "
                         f"{o:.3f} | {s / o:.2f} |")
        lines.append("")
        lines.append("Every run (Gbit/s; connections/s):")
        lines.append("")
        for w in names:
            lines.append(f"- {w}: " + "; ".join(
                f"{t} " + ", ".join(f"{v:.2f}" for v in tp[(w, t)])
                for t in ("sluice", "kernel", "kernel_on")))
        lines.append("- cps: " + "; ".join(
            f"{t} " + ", ".join(f"{x[0]:.0f}" for x in cps[t])
            for t in ("sluice", "kernel", "kernel_on")))
        if self.sluice_tcp:
            lines.append("- Sluice TCP and front-port counters over the bulk runs: " + ", ".join(
                f"{k} {v}" for k, v in self.sluice_tcp.items()))
        lines.append("- client kernel retransmitted segments (tail-loss probes) over the bulk "
                     "runs: " + "; ".join(f"{t} {v[0]} ({v[1]})"
                                          for t, v in self.client_rtx.items()))
        for n in self.notes:
            lines.append(f"- {n}")
        lines.append("")
        if cg is None:
            lines.append("Callgrind: skipped (--no-callgrind).")
            return lines
        lines += [
            "Sluice instructions (callgrind, all threads, `GLIBC_TUNABLES=" + GLIBC_TUNABLES +
            "`, eal.huge = false, idle { " + CG_IDLE + " }): counters zeroed, the workload "
            "run, dumped (`callgrind_control -z` / `-d`); then zeroed again, the same "
            "number of seconds idle, dumped; net = loaded - idle. The kernel has no "
            "equivalent figure here: callgrind sees no kernel code and `perf stat -e "
            "instructions` is not supported on this machine (VM).",
            "",
            "| Workload | Count | Seconds (under callgrind) | Ir loaded | Ir idle, same time | "
            "Net Ir per unit | of which service code | Net without service code |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
        descr = {"conns": "connect, 1 byte echo, close", "source": "source -> client",
                 "discard": "client -> discard", "echo": "echo round trip"}
        for kind, n, unit, secs, ir_l, ir_i, per, svc, stack in cg:
            count = f"{n}" if kind == "conns" else f"{n // MiB} MiB"
            lines.append(f"| {descr[kind]} | {count} | {secs:.2f} | {ir_l:,} | {ir_i:,} | "
                         f"{per:,.0f} per {unit} | {svc:,.0f} | {stack:,.0f} |")
        lines.append("")
        lines.append("'Service code' is the self cost of the built-in services' functions "
                     "(lib/tcp/tcp_services.c: svc_*, echo_*, discard_*, source_*, with "
                     "pattern_fill inlined), from `callgrind_annotate`; the rest is the TCP "
                     "stack, L2/L3, the af_packet PMD, mbufs and libc.")
        lines.append("")
        lines.append("Sluice TCP counters over the callgrind workloads: " + ", ".join(
            f"{k} {v}" for k, v in self.cg_tcp.items()))
        return lines

    def record(self, text):
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        head = "## TCP stack (roadmap 2)"
        existing = open(path).read() if os.path.exists(path) else ""
        add = ""
        if not existing:
            add += ("# Benchmarks\n\nResults of `pktgen-tests/bench/`, each with the command "
                    "and the conditions that produced it (DESIGN.md section 5). Figures of "
                    "different runs or machines are not comparable; ratios within a run "
                    "are.\n\n")
        if head not in existing:
            add += (f"{head}\n\nSluice's user-space TCP stack (built-in echo, discard and "
                    "source services) against the Linux kernel's, by "
                    "`pktgen-tests/bench/bench_tcp.py`.\n\n")
        with open(path, "a") as f:
            f.write(add + text + "\n")
        print(f"appended to {path}")

    def run(self):
        a = self.args
        self.loadavg = open("/proc/loadavg").read().split()[:3]
        self.loadavg = " ".join(self.loadavg)
        t0 = time.time()
        print(f"setting up testbed {self.tid} and kernel peers", flush=True)
        self.setup()
        print("(a) bulk throughput", flush=True)
        tp = self.throughput()
        print("(b) connections per second", flush=True)
        cps = self.cps()
        cg = None
        if not a.no_callgrind:
            print("(c) callgrind", flush=True)
            cg = self.callgrind()
        cond = self.conditions()
        cmd = "sudo /usr/bin/python3 pktgen-tests/bench/bench_tcp.py" + \
            (" --quick" if a.quick else "") + (f" --runs {a.runs}" if a.runs != 3 else "") + \
            (" --no-callgrind" if a.no_callgrind else "")
        out = [f"### {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
               f"{' (--quick)' if a.quick else ''}", "", f"Command: `{cmd}` "
               f"(took {time.time() - t0:.0f} s)", "", "Conditions:", ""]
        out += [f"- {c}" for c in cond] + [""] + self.tables(tp, cps, cg)
        text = "\n".join(out) + "\n"
        print()
        print(text)
        if not a.no_record:
            self.record(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts (~2 minutes)")
    ap.add_argument("--id", default="bt", help="testbed id (default bt)")
    ap.add_argument("--no-record", action="store_true", help="do not append to docs/benchmarks.md")
    ap.add_argument("--no-callgrind", action="store_true", help="skip (c)")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (median; default 3)")
    a = ap.parse_args()
    a.bulk = (256 if a.quick else 1024) * MiB
    a.conns = 5000 if a.quick else 20000
    a.workers = 8
    a.cg_conns = 200 if a.quick else 1000
    a.cg_bytes = (20 if a.quick else 64) * MiB
    if os.geteuid() != 0:
        sys.exit("bench_tcp: run as root (namespaces, hugepages)")
    b = Bench(a)

    owner = os.getpid()

    def on_signal(sig, frame):
        if os.getpid() != owner:  # a forked client (Ctrl-C reaches the whole group)
            os._exit(1)
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGINT, on_signal)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        b.run()
    except KeyboardInterrupt as e:
        print(f"bench_tcp: interrupted ({e}); cleaning up", file=sys.stderr)
        sys.exit(130)
    finally:
        if os.getpid() == owner:  # never in a forked child
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            b.cleanup()


if __name__ == "__main__":
    main()
