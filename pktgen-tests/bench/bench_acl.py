#!/usr/bin/env python3
"""IP ACL benchmark (issue 12, section 1): a SYN flood from denied sources
against a transfer from an allowed one, with 100,000 deny prefixes loaded.

    sudo /usr/bin/python3 pktgen-tests/bench/bench_acl.py [--runs 3] [--secs 5]
        [--prefixes 100000] [--out FILE]

A benchmark, not a test (DESIGN.md section 5): nothing is asserted, the
figures and the counters are printed in markdown.

Testbed "ba" (testbed.sh; SLUICE_TEST_PORT picks Sluice's port kind, default
af_packet). Sluice serves its `source` service (port 19: sends the bytes it is asked for)
on 198.18.0.1 (asked for 1 TiB) and loads an ACL of --prefixes deny prefixes from a file (/32s from
198.18.2.0 up, within 198.18.0.0/15) plus a rule denying
198.18.0.128/25, denied SYNs dropped. The client namespace reads the stream
from 198.18.0.2 (allowed) for --secs seconds: MB/s. The flooder, a raw
AF_PACKET socket in the same namespace, sends SYNs to port 19 as fast as one
Python process can, from spoofed sources in 198.18.0.128/25, random source
ports and sequence numbers, to the gateway's MAC. Cases, interleaved, median
of --runs:
  alone         the transfer, no flood
  flood denied  the transfer while the flood comes from the denied /25
  flood allowed the same flood with the /25 rule left out (a second gateway):
                the SYNs reach the listener, whose backlog fills and SYN
                cookies answer, ARP for the spoofed hosts never resolves
The client and the flooder run on CPU 0, sluiced's worker on CPU 1.
Everything stays in 198.18.0.0/24, inside the testbed's namespaces, which
are removed at exit.
"""
import argparse
import os
import random
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "system"))
import sltest  # noqa: E402
from sltest import DEFAULT_TCP, Gateway, Testbed, csum, in_netns  # noqa: E402

GW, CLIENT, SOURCE = "198.18.0.1", "198.18.0.2", 19
LOAD_CPU = 0


def write_prefixes(path, n):
    """n /32s in 198.18.2.0 and up (past the client's and the flood's /24),
    skipping 198.19.0.0/24 (the upstream side)."""
    with open(path, "w") as f:
        f.write("# bench_acl: deny prefixes\n")
        a = (198 << 24) | (18 << 16) | (2 << 8)
        for _ in range(n):
            if (a >> 8) & 0xffff == (19 << 8):
                a += 256
            f.write(f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}\n")
            a += 1


def acl_section(path, deny_flood):
    flood = ('{ name = "flood"; action = "deny"; prefixes = [ "198.18.0.128/25" ]; },'
             if deny_flood else "")
    return f"""acl = {{ denied = "drop"; rules = ( {flood}
  {{ name = "list"; action = "deny"; file = "{path}"; }} ); }};
"""


def download(secs):
    """Bytes/s read from the source service from CLIENT (in the client ns)."""
    os.sched_setaffinity(0, {LOAD_CPU})
    s = socket.create_connection((GW, SOURCE), timeout=5, source_address=(CLIENT, 0))
    s.sendall(b"%d\n" % (1 << 40))  # the service sends what it is asked for
    buf = bytearray(1 << 20)
    got, t0 = 0, time.monotonic()
    end = t0 + secs
    while time.monotonic() < end:
        n = s.recv_into(buf)
        if n == 0:
            break
        got += n
    took = time.monotonic() - t0
    s.close()
    return got / took


def syn_frame(src_mac, dst_mac, src, sport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, SOURCE, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(GW) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(GW))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def flood(iface, dst_mac, secs):
    """SYNs from 198.18.0.128/25 for secs seconds; frames sent."""
    os.sched_setaffinity(0, {LOAD_CPU})
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    rnd = random.Random(12345)
    frames = [syn_frame(src_mac, dst_mac, f"198.18.0.{128 + rnd.randrange(128)}",
                        1024 + rnd.randrange(60000), rnd.randrange(1 << 32))
              for _ in range(4096)]
    sent, end = 0, time.monotonic() + secs
    while time.monotonic() < end:
        for f in frames[:256]:
            try:
                s.send(f)
                sent += 1
            except BlockingIOError:
                pass
        frames.append(frames.pop(0))
    s.close()
    return sent


def gateway_mac(tb):
    tb.run(tb.client, "ping", "-c", "1", "-W", "1", GW)
    out = tb.run(tb.client, "ip", "neigh", "show", GW).stdout.split()
    return bytes.fromhex(out[out.index("lladdr") + 1].replace(":", ""))


def counters(gw):
    acl = gw.telemetry("/sluice/counters,acl")
    tcp = gw.tcp_stats()
    front = gw.port_stats("front")
    return {"acl": acl, "tcp": tcp, "front": front, "net": gw.net_stats()}


def delta(a, b, part, keys):
    return {k: b[part].get(k, 0) - a[part].get(k, 0) for k in keys}


def run_case(tb, gw, secs, flooding):
    c0 = counters(gw)
    result = {}
    t = None
    if flooding:
        mac = gateway_mac(tb)
        t = threading.Thread(target=lambda: result.__setitem__(
            "sent", in_netns(tb.client, flood, tb.client_if, mac, secs + 0.5)))
        t.start()
        time.sleep(0.3)
    try:
        rate = in_netns(tb.client, download, secs)
    except RuntimeError as e:  # the allowed client could not get through
        rate, result["error"] = 0.0, str(e)
    if t is not None:
        t.join()
    c1 = counters(gw)
    result["mbps"] = rate / 1e6
    result["acl"] = delta(c0, c1, "acl", ("syn_checked", "syn_allowed", "syn_denied",
                                          "flood/rule_syns", "syn_default"))
    result["tcp"] = delta(c0, c1, "tcp", ("syn_rcvd", "accepted", "syn_backlog_full",
                                          "syncookies_sent", "rst_sent"))
    result["front"] = delta(c0, c1, "front", ("imissed", "ierrors", "rx_nombuf"))
    result["net"] = delta(c0, c1, "net", ("neigh_to_mgmt", "neigh_ring_full"))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--secs", type=float, default=5)
    ap.add_argument("--prefixes", type=int, default=100000)
    ap.add_argument("--out")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-acl-")
    path = os.path.join(tmp, "deny.txt")
    write_prefixes(path, a.prefixes)
    res = {"alone": [], "flood denied": [], "flood allowed": []}
    lines = []
    for deny_flood in (True, False):
        tb = Testbed("ba").up()
        gw = Gateway(tb, tcp=DEFAULT_TCP, sections=acl_section(path, deny_flood),
                     lcores=f"{LOAD_CPU}@{LOAD_CPU},1@1")
        try:
            gw.start()
            cases = ("alone", "flood denied") if deny_flood else ("flood allowed",)
            for r in range(a.runs):
                for case in cases:
                    x = run_case(tb, gw, a.secs, case != "alone")
                    res[case].append(x)
                    print(f"  run {r + 1} {case:13s} {x['mbps']:8.1f} MB/s  "
                          f"flood sent {x.get('sent', 0):>8}  acl {x['acl']}  "
                          f"tcp {x['tcp']}  front {x['front']}  net {x['net']}  "
                          f"{x.get('error', '')}", flush=True)
        finally:
            gw.kill()
            tb.down()
        if deny_flood:
            lines.append("sluiced log: " + " | ".join(
                ln.strip() for ln in gw.output.splitlines() if "acl:" in ln))
    out = [f"### IP ACL under a SYN flood, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC",
           "", f"`bench_acl.py --runs {a.runs} --secs {a.secs} --prefixes {a.prefixes}`, "
           f"port {sltest.PORT_KIND}; {a.prefixes:,} deny prefixes from a file.", "",
           "| Case | MB/s (median) | runs | flood frames/s sent | SYNs denied/s | "
           "SYNs reaching TCP/s |", "|---|---:|---|---:|---:|---:|"]
    for case, xs in res.items():
        if not xs:
            continue
        med = statistics.median(x["mbps"] for x in xs)
        sent = statistics.median(x.get("sent", 0) for x in xs) / a.secs
        denied = statistics.median(x["acl"]["syn_denied"] for x in xs) / a.secs
        syn = statistics.median(x["tcp"]["syn_rcvd"] - x["acl"]["syn_denied"]
                                for x in xs) / a.secs
        out.append(f"| {case} | {med:,.1f} | " + " / ".join(f"{x['mbps']:,.1f}" for x in xs)
                   + f" | {sent:,.0f} | {denied:,.0f} | {syn:,.0f} |")
    out += ["", "Counters per run (deltas):", ""]
    for case, xs in res.items():
        for x in xs:
            out.append(f"- {case}: acl {x['acl']}; tcp {x['tcp']}; front port {x['front']}; "
                       f"net {x['net']}; flood frames sent {x.get('sent', 0)}"
                       + (f"; transfer failed: {x['error']}" if "error" in x else ""))
    out += [f"- {ln}" for ln in lines]
    text = "\n".join(out) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
