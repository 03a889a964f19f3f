"""Shared helpers of the system tests: testbed, gateway process, telemetry,
running code inside a test namespace.

Every test builds its own testbed (pktgen-tests/testbed.sh with a unique id),
starts its own sluiced with a unique --file-prefix and removes both at exit.
Traffic goes only to 198.18.0.0/15 inside those namespaces.
"""
import ctypes
import json
import urllib.error
import urllib.request
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESTBED = os.path.join(ROOT, "pktgen-tests", "testbed.sh")
SLUICED = os.environ.get("SLUICED", os.path.join(ROOT, "build", "app", "sluiced", "sluiced"))
# The gateway's ports: "af_packet" (DPDK's PMD, no offloads), "vnet" (our own
# AF_PACKET port with virtio-net headers: TSO and checksums to the kernel),
# or "tap" (DPDK's net_tap: TSO and checksums done by the PMD).
PORT_KINDS = ("af_packet", "vnet", "tap")
PORT_KIND = os.environ.get("SLUICE_TEST_PORT", "af_packet")
if PORT_KIND not in PORT_KINDS:
    sys.exit(f"sltest: SLUICE_TEST_PORT must be one of {PORT_KINDS}, not {PORT_KIND!r}")

CLONE_NEWNET = 0x40000000


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, text=True, capture_output=True, **kw)


class Testbed:
    """Namespaces <id>-client and <id>-up joined to gateway ports <id>-front/-back."""

    def __init__(self, tid):
        self.id = tid
        self.client = f"{tid}-client"
        self.upstream = f"{tid}-up"
        self.front = f"{tid}-front"
        self.back = f"{tid}-back"
        self.client_if = f"{tid}-fp"
        self.upstream_if = f"{tid}-bp"

    def up(self):
        sh(TESTBED, "up", self.id)
        return self

    def down(self):
        sh(TESTBED, "down", self.id, check=False)

    def run(self, ns, *args, check=False, timeout=60):
        return sh("ip", "netns", "exec", ns, *args, check=check, timeout=timeout)

    def gateway_ifaces(self):
        """The interfaces the gateway's ports open, by PORT_KIND."""
        if PORT_KIND == "tap":
            return f"{self.id}-tf", f"{self.id}-tb"
        return self.front, self.back

    def wire(self, whole=False):
        """Join the gateway's ports to the namespaces (taps exist only
        while their gateway runs). vnet: the kernel cuts and sums what the
        gateway offloads, as a NIC for its wire, or with whole=True passes
        it on uncut (benchmarks)."""
        if PORT_KIND == "tap":
            sh(TESTBED, "tap", self.id)
        elif PORT_KIND == "vnet":
            sh(TESTBED, "vnet", self.id, "whole" if whole else "wire")

    def ping(self, ns, addr, count=3, size=56):
        r = self.run(ns, "ping", "-c", str(count), "-i", "0.2", "-W", "1", "-s", str(size), addr)
        return r.returncode == 0 and f"{count} received" in r.stdout


def csum(data):
    """The Internet checksum (RFC 1071) of data, ready for the header field."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def in_netns(ns, fn, *args, timeout=120):
    """Run fn(*args) in a child process inside network namespace ns; return its result."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        code = 0
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            with open(f"/run/netns/{ns}") as f:
                if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns")
            result = ("ok", fn(*args))
        except BaseException as e:  # report every failure to the parent
            result = ("error", repr(e))
            code = 1
        with os.fdopen(wr, "wb") as w:
            pickle.dump(result, w)
        os._exit(code)
    os.close(wr)
    deadline = time.time() + timeout
    with os.fdopen(rd, "rb") as r:
        data = r.read()
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"in_netns({ns}) timed out")
        time.sleep(0.05)
    status, value = pickle.loads(data)
    if status != "ok":
        raise RuntimeError(f"in {ns}: {value}")
    return value


DEFAULT_TCP = """
  listeners = (
    { address = "198.18.0.1"; port = 7;  service = "echo"; },
    { address = "198.18.0.1"; port = 9;  service = "discard"; },
    { address = "198.18.0.1"; port = 19; service = "source"; }
  );
"""


def free_tcp_port():
    """A loopback port nobody listens on now (for a gateway's REST API and
    console, so that gateways of parallel tests do not collide)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_config(tb, prefix, net_extra="", idle_extra="", eal_extra="", back_mtu=1500,
                   tcp=DEFAULT_TCP, front_extra="", lcores="0-1", ports_extra="mbufs = 8191;",
                   proxy=None, mgmt="", port_extra="", sections=""):
    """The configuration text; `sections` is appended as it is (acl = {...};)."""
    front, back = tb.gateway_ifaces()
    return f"""
eal = {{ lcores = "{lcores}"; file_prefix = "{prefix}"; huge = true; memory_mb = 256; {eal_extra} }};
idle = {{ spin_polls = 256; pause_polls = 1024; sleep_max_us = 100; {idle_extra} }};
ports = {{
  {ports_extra}
  list = (
    {{ name = "front"; profile = "{PORT_KIND}"; iface = "{front}"; address = "198.18.0.1/24";
      {front_extra} {port_extra} }},
    {{ name = "back";  profile = "{PORT_KIND}"; iface = "{back}";  address = "198.19.0.1/24"; mtu = {back_mtu}; {port_extra} }}
  );
}};
net = {{ ip_forward = true; {net_extra} }};
tcp = {{ {tcp} }};
mgmt = {{ {mgmt} }};
""" + ("" if proxy is None else f"proxy = {{ {proxy} }};\n") + sections


class Gateway:
    """A sluiced process on a testbed, with its telemetry socket."""

    def __init__(self, tb, net_extra="", idle_extra="", back_mtu=1500, tcp=DEFAULT_TCP,
                 front_extra="", eal_extra="", lcores="0-1", ports_extra="mbufs = 8191;",
                 proxy=None, mgmt_extra="", port_extra="", sections=""):
        self.tb = tb
        self.prefix = f"sltest-{tb.id}-{os.getpid()}"
        self.api_port = free_tcp_port()
        self.console_port = free_tcp_port()
        mgmt = (f"http_port = {self.api_port}; console_port = {self.console_port}; "
                + mgmt_extra)
        fd, self.conf_path = tempfile.mkstemp(prefix="sluice-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(gateway_config(tb, self.prefix, net_extra, idle_extra, eal_extra,
                                   back_mtu=back_mtu, tcp=tcp, front_extra=front_extra,
                                   lcores=lcores, ports_extra=ports_extra, proxy=proxy,
                                   mgmt=mgmt, port_extra=port_extra, sections=sections))
        self.proc = None
        self.output = ""

    def start(self, timeout=30, attempts=3):
        """Start the daemon and wait for "ready". DPDK 22.11's af_packet PMD
        names its fanout group (pid ^ ifindex) & 0xffff, so a second gateway
        on the machine may collide with the first one's group for another
        interface (EINVAL): a new process has another pid, so try again."""
        for attempt in range(attempts):
            try:
                return self.start_once(timeout)
            except RuntimeError as e:
                if "could not set PACKET_FANOUT" not in str(e) or attempt == attempts - 1:
                    raise
                print("sltest: af_packet fanout group collision, starting again",
                      file=sys.stderr)

    def start_once(self, timeout):
        self.proc = subprocess.Popen([SLUICED, "-c", self.conf_path], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + timeout
        lines = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("sluiced: ready"):
                self.output = "".join(lines)
                self.tb.wire()
                # what the PMDs hold while idle (net_tap fills its rx rings)
                self.idle_mbufs = self.port_stats("front")["pool_in_use"]
                return self
        self.proc.kill()
        rest = self.proc.communicate()[0] or ""
        raise RuntimeError("sluiced did not become ready:\n" + "".join(lines) + rest)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal the daemon; return (exit code, everything it printed)."""
        self.proc.send_signal(sig)
        out, _ = self.proc.communicate(timeout=timeout)
        self.output += out or ""
        code = self.proc.returncode
        self.proc = None
        os.unlink(self.conf_path)
        return code, self.output

    def restart(self, sig=signal.SIGTERM, timeout=30):
        """Signal the daemon, then start a new one on the same configuration
        file (the management plane persists its changes there); return the
        old process's exit code."""
        self.proc.send_signal(sig)
        out, _ = self.proc.communicate(timeout=timeout)
        self.output += out or ""
        code = self.proc.returncode
        self.proc = None
        self.start()
        return code

    def kill(self):
        if self.proc is not None and not self.alive():
            # It died on its own: show why (sanitizer reports, panics).
            out = self.proc.communicate()[0] or ""
            print(f"\nsluiced exited with {self.proc.returncode}:\n{self.output}{out}"[-20000:],
                  file=sys.stderr)
        elif self.alive():
            self.proc.kill()
            self.proc.communicate()
        if os.path.exists(self.conf_path):
            os.unlink(self.conf_path)

    def api(self, method, path, body=None, token=None, headers=None, raw=None, timeout=10):
        """One REST call: (status, headers, parsed JSON or text)."""
        url = f"http://127.0.0.1:{self.api_port}{path}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, hdrs, text = r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, dict(e.headers), e.read().decode()
        try:
            return status, hdrs, json.loads(text)
        except ValueError:
            return status, hdrs, text

    def telemetry(self, cmd):
        path = f"/var/run/dpdk/{self.prefix}/dpdk_telemetry.v2"
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(5)
            s.connect(path)
            json.loads(s.recv(65536).decode())
            s.send(cmd.encode())
            reply = json.loads(s.recv(1 << 20).decode())
        return reply[cmd.split(",")[0]]

    def net_stats(self):
        return self.telemetry("/sluice/net/stats")

    def neigh(self):
        """{ip: {"mac", "port", "state", "held"}} from /sluice/net/neigh."""
        table = {}
        for line in self.telemetry("/sluice/net/neigh"):
            ip, mac, port, state, held = line.split()
            table[ip] = {"mac": "" if mac == "-" else mac.lower(), "port": port,
                         "state": state, "held": int(held)}
        return table

    def port_stats(self, name):
        return self.telemetry(f"/sluice/port/stats,{name}")

    def tcp_stats(self):
        return self.telemetry("/sluice/tcp/stats")

    def tcp_conns(self):
        return self.telemetry("/sluice/tcp/conns")

    def proxy_stats(self):
        return self.telemetry("/sluice/proxy/stats")

    def proxy_routes(self):
        return self.telemetry("/sluice/proxy/routes")

    def proxy_members(self):
        return self.telemetry("/sluice/proxy/members")


class Console:
    """A console session on a raw socket."""

    PROMPT = b"sluice> "

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.banner = self.until_prompt()

    def until_prompt(self):
        while not self.buf.endswith(self.PROMPT):
            d = self.s.recv(65536)
            if not d:
                raise EOFError(f"console closed; got {self.buf!r}")
            self.buf += d
        out, self.buf = self.buf[:-len(self.PROMPT)], b""
        return out.decode("utf-8", "replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\r\n")
        return self.until_prompt()

    def rest(self, timeout=5):
        """Everything until the server closes."""
        self.s.settimeout(timeout)
        data = self.buf
        while True:
            d = self.s.recv(65536)
            if not d:
                return data.decode("utf-8", "replace")
            data += d

    def close(self):
        self.s.close()


def wait_for(pred, timeout=10.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Counter:
    """One line of `sluiced --list-counters` (the counter registry)."""

    FIELDS = ("module", "name", "kind", "scope", "instance", "family", "marks", "desc")

    def __init__(self, line):
        for k, v in zip(self.FIELDS, line.split("\t")):
            setattr(self, k, v)
        self.marks = set() if self.marks == "-" else set(self.marks.split(","))

    def family_name(self):
        """The Prometheus family this counter is exported in (docs/rest-api.md)."""
        base = self.family.split(":")[0] if self.family != "-" else self.name
        return f"sluice_{self.module}_{base}" + ("_total" if self.kind == "counter" else "")


def catalogue():
    """Every registered counter, from the daemon itself."""
    out = sh(SLUICED, "--list-counters").stdout
    return [Counter(line) for line in out.splitlines()]


def check_partitions(tc, stats, module="net"):
    """Each root counter of the module equals the sum of its leaves, as the
    registry's marks say (lib/core/sl_core_types.h); stats is the module's
    telemetry (/sluice/<module>/stats)."""
    groups = {}
    for c in catalogue():
        if c.module != module:
            continue
        for m in c.marks:
            if m.startswith(("root", "leaf")):
                groups.setdefault(m[4:], {"root": [], "leaf": []})[m[:4]].append(c.name)
    tc.assertTrue(groups, f"no partition marked in module {module}")
    for g, p in sorted(groups.items()):
        tc.assertEqual(len(p["root"]), 1, f"{module} partition {g}: {p}")
        root = p["root"][0]
        tc.assertEqual(stats[root], sum(stats[k] for k in p["leaf"]),
                       f"{module} {root} != sum of {p['leaf']}")


def main():
    import unittest
    if os.geteuid() != 0:
        print("system tests need root (namespaces, hugepages)", file=sys.stderr)
        sys.exit(77)  # meson: skipped
    unittest.main(module="__main__", verbosity=2)
