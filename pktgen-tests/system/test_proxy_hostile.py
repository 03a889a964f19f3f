#!/usr/bin/env python3
"""The proxy against hostile and ambiguous requests (docs/proxy.md, Errors).

A corpus of smuggling attempts (CL.TE, TE.CL, TE.TE obfuscations, CL and TE
together), malformed lengths and chunk framing, injection through CR, LF and
NUL, obs-fold, bad names, absurd versions, oversize lines and header sections,
oversize bodies, duplicate Host, invalid methods and targets. Each is sent on a
fresh connection from the client namespace; the proxy must answer with exactly
the status the parser specifies (lib/http/sl_http.h, SL_HTTP_ERRORS), close the
connection, count the refusal in /sluice/proxy/stats (req_err_*), and forward
NOTHING of it: the upstream is a raw TCP server that logs every byte it
receives. A valid control request before and after the corpus must reach it
(the log works). A pipelined pair, a valid request then a smuggled one on the
same connection, must see the first answered and forwarded and the second
refused and not forwarded (five smuggling variants). The body-stage cases
again, with the head sent first so that it has gone upstream before the
error: the upstream connection must then be cut, never reused, and never
see the request complete. The error cases of the shared llhttp corpus
(/work/shared/corpus, read in place) must be refused and never forwarded."""
import base64
import collections
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import sltest
from sltest import Gateway, Testbed, in_netns, wait_for

GW, PORT = "198.18.0.1", 80
UP, UP_PORT = "198.19.0.2", 8080
MAX_BODY = 1000  # max_body_bytes of the proxy under test
CORPUS = os.environ.get("SL_SHARED_CORPUS", os.path.join(
    os.path.dirname(sltest.ROOT), "shared", "corpus", "llhttp-request.jsonl"))

REASONS = {400: "Bad Request", 413: "Content Too Large", 414: "URI Too Long",
           431: "Request Header Fields Too Large", 501: "Not Implemented",
           505: "HTTP Version Not Supported"}

# The upstream: a raw TCP server logging every event of every connection as
# one JSON line (open, data in hex, eof, reset), answering each complete
# request (Content-Length or chunked body) with 200.
UPSTREAM_SRC = r'''
import asyncio, json, sys, time
addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
log = open(path, "a", buffering=1)
count = 0

def ev(cid, kind, data=b""):
    log.write(json.dumps({"c": cid, "ev": kind, "t": time.time(), "hex": data.hex()}) + "\n")
    log.flush()

def message_end(buf):
    # Where the first complete request in buf ends; None: incomplete;
    # -1: unparseable (never answered). Content-Length or chunked bodies.
    i = buf.find(b"\r\n\r\n")
    if i < 0:
        return None
    cl, chunked = 0, False
    for line in buf[:i].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            cl = int(v.strip())
        elif k == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    pos = i + 4
    if not chunked:
        return pos + cl if len(buf) >= pos + cl else None
    while True:
        j = buf.find(b"\r\n", pos)
        if j < 0:
            return None
        size = int(buf[pos:j].split(b";")[0], 16)
        pos = j + 2
        if size == 0:
            break
        if len(buf) < pos + size + 2:
            return None
        if buf[pos + size:pos + size + 2] != b"\r\n":
            return -1
        pos += size + 2
    while True:  # trailer section
        j = buf.find(b"\r\n", pos)
        if j < 0:
            return None
        if j == pos:
            return pos + 2
        pos = j + 2

async def handle(r, w):
    global count
    count += 1
    cid = count
    ev(cid, "open")
    buf = b""
    broken = False
    try:
        while True:
            d = await r.read(65536)
            if not d:
                ev(cid, "eof")
                break
            ev(cid, "data", d)
            buf += d
            while not broken:
                try:
                    n = message_end(buf)
                except ValueError:
                    n = -1
                if n is None:
                    break
                if n < 0:
                    broken = True
                    break
                buf = buf[n:]
                body = b"upstream-ok\n"
                w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await w.drain()
    except (ConnectionResetError, BrokenPipeError):
        ev(cid, "reset")
    except Exception as e:
        ev(cid, "error " + repr(e))
    finally:
        w.close()

async def main():
    srv = await asyncio.start_server(handle, addr, port, reuse_address=True)
    print("listening", flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
'''

# ---- the corpus ----
# (name, raw bytes, status, parser reason or None for a refusal by the proxy
#  itself (counter `unsupported`), stage: "head" (the error is found in the
#  request head) or "body" (in the body, after a complete head))

P = b"POST / HTTP/1.1\r\nHost: h\r\n"
CHK = P + b"Transfer-Encoding: chunked\r\n\r\n"


def many_fields(n, fmt="X%d: %d"):
    return b"GET / HTTP/1.1\r\nHost: h\r\n" + b"".join(
        (fmt % (k, k)).encode() + b"\r\n" for k in range(n)) + b"\r\n"


def c(name, raw, status, reason, stage="head"):
    return (name, raw, status, reason, stage)


CASES = [
    # request smuggling: CL.TE, TE.CL, CL and TE together
    c("cl_te", P + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
      400, "CL_AND_TE"),
    c("te_cl", P + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      b"8\r\nSMUGGLED\r\n0\r\n\r\n", 400, "CL_AND_TE"),
    c("cl_te_smuggled_get", P + b"Content-Length: 41\r\nTransfer-Encoding: chunked\r\n\r\n"
      b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n", 400, "CL_AND_TE"),
    c("cl_te_identity", P + b"Content-Length: 0\r\nTransfer-Encoding: identity\r\n\r\n",
      400, "CL_AND_TE"),
    # TE.TE: obfuscated Transfer-Encoding
    c("te_trailing_space_with_cl", P + b"Content-Length: 5\r\nTransfer-Encoding: chunked \r\n\r\n"
      b"0\r\n\r\n", 400, "CL_AND_TE"),
    c("te_xchunked", P + b"Transfer-Encoding: xchunked\r\n\r\n", 501, "TE_UNKNOWN"),
    c("te_chunked_identity", P + b"Transfer-Encoding: chunked, identity\r\n\r\n",
      501, "TE_UNKNOWN"),
    c("te_chunkedchunked", P + b"Transfer-Encoding: chunkedchunked\r\n\r\n", 501, "TE_UNKNOWN"),
    c("te_dup_chunked_x", P + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
      501, "TE_UNKNOWN"),
    c("te_dup_chunked_chunked", P + b"Transfer-Encoding: chunked\r\n"
      b"Transfer-Encoding: chunked\r\n\r\n", 400, "TE_CHUNKED_TWICE"),
    c("te_chunked_twice_list", P + b"Transfer-Encoding: chunked, chunked\r\n\r\n",
      400, "TE_CHUNKED_TWICE"),
    c("te_tab_before_colon", P + b"Transfer-Encoding\t: chunked\r\n\r\n", 400, "WS_BEFORE_COLON"),
    c("te_space_before_colon", P + b"Transfer-Encoding : chunked\r\n\r\n", 400,
      "WS_BEFORE_COLON"),
    c("te_vertical_tab", P + b"Transfer-Encoding: \x0bchunked\r\n\r\n", 400, "VALUE"),
    c("te_gzip_only", P + b"Transfer-Encoding: gzip\r\n\r\n", 400, "TE_NOT_CHUNKED"),
    c("te_chunked_then_gzip", P + b"Transfer-Encoding: chunked, gzip\r\n\r\n", 400,
      "TE_NOT_CHUNKED"),
    c("te_params", P + b"Transfer-Encoding: chunked;q=1\r\n\r\n", 400, "TE_INVALID"),
    c("te_quoted", P + b"Transfer-Encoding: \"chunked\"\r\n\r\n", 400, "TE_INVALID"),
    c("te_empty", P + b"Transfer-Encoding:\r\n\r\n", 400, "TE_INVALID"),
    c("te_http10", b"POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      400, "TE_HTTP10"),
    c("te_obs_fold", P + b"X: y\r\n Transfer-Encoding: chunked\r\n\r\n", 400, "OBS_FOLD"),
    c("te_value_folded", P + b"Transfer-Encoding:\r\n chunked\r\n\r\n", 400, "TE_INVALID"),
    c("ws_before_first_field", b"POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: h\r\n\r\n",
      400, "WS_AFTER_START"),
    # Content-Length
    c("cl_differing_dup", P + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400,
      "CL_MISMATCH"),
    c("cl_differing_list", P + b"Content-Length: 5, 6\r\n\r\nhello!", 400, "CL_MISMATCH"),
    c("cl_negative", P + b"Content-Length: -1\r\n\r\n", 400, "CL_INVALID"),
    c("cl_hex", P + b"Content-Length: 0x10\r\n\r\n", 400, "CL_INVALID"),
    c("cl_plus", P + b"Content-Length: +5\r\n\r\nhello", 400, "CL_INVALID"),
    c("cl_overflow", P + b"Content-Length: 99999999999999999999\r\n\r\n", 400, "CL_INVALID"),
    c("cl_two_numbers", P + b"Content-Length: 1 2\r\n\r\n", 400, "CL_INVALID"),
    c("cl_empty", P + b"Content-Length:\r\n\r\n", 400, "CL_INVALID"),
    c("cl_over_max_body",
      P + b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1) + b"x" * (MAX_BODY + 1),
      413, "BODY_TOO_LARGE"),
    # chunked framing (found after the head)
    c("chunk_size_overflow", CHK + b"ffffffffffffffffff\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_size_negative", CHK + b"-1\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_size_0x", CHK + b"0x5\r\nhello\r\n0\r\n\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_size_leading_sp", CHK + b" 5\r\nhello\r\n0\r\n\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_size_sp_before_ext", CHK + b"5 ;a\r\nhello\r\n0\r\n\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_size_bare_lf", CHK + b"5\nhello\r\n0\r\n\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_size_empty", CHK + b"\r\n", 400, "CHUNK_SIZE", "body"),
    c("chunk_data_no_crlf", CHK + b"5\r\nhello0\r\n\r\n", 400, "CHUNK_DATA_CRLF", "body"),
    c("chunk_data_bare_lf", CHK + b"5\r\nhello\n0\r\n\r\n", 400, "CHUNK_DATA_CRLF", "body"),
    c("chunk_ext_open_quote", CHK + b"5;a=\"b\r\nhello\r\n0\r\n\r\n", 400, "CHUNK_EXT", "body"),
    c("chunk_ext_space", CHK + b"5;a b\r\nhello\r\n0\r\n\r\n", 400, "CHUNK_EXT", "body"),
    c("chunk_ext_too_long", CHK + b"5;" + b"e" * 2000 + b"\r\nhello\r\n0\r\n\r\n", 400,
      "CHUNK_EXT_TOO_LONG", "body"),
    c("chunked_over_max_body", CHK + b"%x\r\n" % (MAX_BODY + 1) + b"x" * (MAX_BODY + 1) +
      b"\r\n0\r\n\r\n", 413, "BODY_TOO_LARGE", "body"),
    c("trailer_obs_fold", CHK + b"5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n", 400, "OBS_FOLD", "body"),
    # injection through CR, LF, NUL and controls; line endings
    c("bare_cr_in_value", P + b"X: a\rTransfer-Encoding: chunked\r\n\r\n", 400, "BARE_CR"),
    c("bare_lf_in_value", P + b"X: a\nContent-Length: 5\r\n\r\nhello", 400, "BARE_LF"),
    c("nul_in_value", P + b"X: a\x00b\r\n\r\n", 400, "VALUE"),
    c("nul_in_cl", P + b"Content-Length: 5\x00\r\n\r\nhello", 400, "VALUE"),
    c("del_in_value", P + b"X: \x7f\r\n\r\n", 400, "VALUE"),
    c("formfeed_in_value", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x0cb\r\n\r\n", 400, "VALUE"),
    c("bare_lf_lines", b"GET / HTTP/1.1\nHost: h\n\n", 400, "BARE_LF"),
    c("bare_cr_lines", b"GET / HTTP/1.1\rHost: h\r\r", 400, "BARE_CR"),
    c("bare_lf_after_fields", b"GET / HTTP/1.1\r\nHost: h\n\n", 400, "BARE_LF"),
    c("bare_cr_end_of_head", P + b"\r\r\n", 400, "BARE_CR"),
    c("leading_bare_lf", b"\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "BARE_LF"),
    # field names
    c("name_slash", P + b"X/Y: z\r\n\r\n", 400, "NAME"),
    c("name_pseudo_header", P + b":authority: x\r\n\r\n", 400, "NAME"),
    c("name_empty", P + b": x\r\n\r\n", 400, "NAME"),
    c("name_nul", P + b"X\x00: b\r\n\r\n", 400, "NAME"),
    c("name_at", b"GET / HTTP/1.1\r\nHost: h\r\nFo@: x\r\n\r\n", 400, "NAME"),
    c("host_space_before_colon", b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "WS_BEFORE_COLON"),
    # versions
    c("version_2_0", b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "VERSION_UNSUPPORTED"),
    c("version_3_0", b"GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505, "VERSION_UNSUPPORTED"),
    c("version_5_6", b"GET / HTTP/5.6\r\nHost: h\r\n\r\n", 505, "VERSION_UNSUPPORTED"),
    c("version_1_10", b"GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400, "VERSION"),
    c("version_1_1x", b"GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400, "VERSION"),
    c("version_lowercase", b"GET / http/1.1\r\nHost: h\r\n\r\n", 400, "VERSION"),
    c("version_missing_minor", b"GET / HTTP/1\r\nHost: h\r\n\r\n", 400, "VERSION"),
    c("version_http09_post", b"POST /\r\n\r\n", 400, "VERSION"),
    c("prior_knowledge_h2", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 501, "METHOD_UNKNOWN"),
    # sizes (max_header_bytes 8192, max_fields 100)
    c("request_line_9000", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414,
      "LINE_TOO_LONG"),
    c("field_9000", P + b"X: " + b"v" * 9000 + b"\r\n\r\n", 431, "HEAD_TOO_LARGE"),
    c("fields_101", many_fields(100), 431, "TOO_MANY_FIELDS"),  # + Host = 101
    c("head_over_8192_in_90_fields", many_fields(90, "X-Long-Name-%d: %0100d"), 431,
      "HEAD_TOO_LARGE"),
    # Host
    c("host_duplicate", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "HOST_DUP"),
    # methods
    c("method_invalid_char", b"G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "METHOD"),
    c("method_lowercase", b"get / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "METHOD_UNKNOWN"),
    c("method_unknown", b"FROB / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "METHOD_UNKNOWN"),
    c("method_too_long_token", b"MKCOLA / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "METHOD_UNKNOWN"),
    c("method_rtsp_only_over_http", b"ANNOUNCE / HTTP/1.1\r\nHost: h\r\n\r\n", 501,
      "METHOD_UNKNOWN"),
    # request targets
    c("target_space", b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "VERSION"),
    c("target_tab", b"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET"),
    c("target_double_space", b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET"),
    c("target_high_byte", b"GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET"),
    c("target_control", b"GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET"),
    c("target_nul", b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET"),
    c("target_del", b"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET"),
    # request target forms (RFC 9112 3.2): the parser takes them, the proxy does not
    c("target_userinfo", b"GET http://admin:pw@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400,
      "TARGET_USERINFO"),
    c("target_asterisk_get", b"GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET_FORM"),
    c("target_fragment", b"GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET_FORM"),
    c("target_scheme_ftp", b"GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET_FORM"),
    c("target_relative", b"GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "TARGET_FORM"),
    c("target_empty_authority", b"GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n", 400,
      "TARGET_FORM"),
    # valid syntax the proxy itself refuses (stats counter `unsupported`)
    c("http09_simple_get", b"GET /x\r\n", 501, None),
    c("connect_tunnel", b"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 501, None),
    c("rtsp_request", b"DESCRIBE rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", 501, None),
]

CONTROL = b"GET /control-%s HTTP/1.1\r\nHost: control.test\r\n\r\n"


# ---- client side (run inside the client namespace) ----

def read_to_end(s, timeout, shut_after=None):
    """Read until the peer closes: (bytes received, "eof" | "reset" | "timeout").
    With shut_after, half-close our side when nothing came for that long."""
    got, end = b"", "timeout"
    deadline = time.time() + timeout
    shut = False
    while time.time() < deadline:
        s.settimeout(max(0.05, min(deadline - time.time(),
                                   shut_after if shut_after and not shut else 1e9)))
        try:
            d = s.recv(65536)
        except socket.timeout:
            if shut_after and not shut:
                s.shutdown(socket.SHUT_WR)
                shut = True
            continue
        except ConnectionResetError:
            return got, "reset"
        if not d:
            return got, "eof"
        got += d
    return got, end


def send_quietly(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused before we finished: read what was answered


def exchange(raw, timeout=5.0, shut_after=None):
    """Send raw on a fresh connection; read until the peer closes."""
    s = socket.create_connection((GW, PORT), timeout=5)
    try:
        send_quietly(s, raw)
        return read_to_end(s, timeout, shut_after)
    finally:
        s.close()


def log_size(path):
    return os.path.getsize(path)


def log_since(path, offset):
    """(request bytes received, connections opened) logged after offset."""
    with open(path) as f:
        f.seek(offset)
        events = [json.loads(line) for line in f if line.strip()]
    return (sum(len(e["hex"]) // 2 for e in events if e["ev"] == "data"),
            sum(e["ev"] == "open" for e in events))


def run_corpus(cases, log_path, settle=0.15):
    """Each case on a fresh connection; per case what came back, how the
    connection ended, and what the upstream received meanwhile."""
    out = []
    for name, raw, status, reason, stage in cases:
        before = log_size(log_path)
        got, end = exchange(raw)
        time.sleep(settle)  # anything forwarded has reached the log by now
        out.append((name, got, end) + log_since(log_path, before))
    return out


def run_split(cases, log_path, pause=0.3, settle=0.3):
    """Send each head, wait until it has gone upstream, then the rest."""
    out = []
    for name, head, rest in cases:
        before = log_size(log_path)
        s = socket.create_connection((GW, PORT), timeout=5)
        try:
            s.sendall(head)
            time.sleep(pause)
            send_quietly(s, rest)
            got, end = read_to_end(s, 5)
        finally:
            s.close()
        time.sleep(settle)
        out.append((name, got, end, before))
    return out


def control(tag):
    return exchange(CONTROL % tag.encode(), timeout=5)


def pipelined(first, second, timeout=5.0):
    return exchange(first + second, timeout=timeout)


def run_llhttp(raws, log_path, settle=0.1):
    out = []
    for raw in raws:
        before = log_size(log_path)
        got, end = exchange(raw, timeout=3.0, shut_after=0.5)
        time.sleep(settle)
        out.append((got, end) + log_since(log_path, before))
    return out


# ---- helpers ----

def status_line(data):
    return data.split(b"\r\n", 1)[0].decode("latin-1") if b"\r\n" in data else repr(data[:80])


def upstream_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def without_request(data, start):
    """data without the forwarded request whose line begins with start."""
    i = data.find(start)
    if i < 0:
        return data
    j = data.find(b"\r\n\r\n", i)
    return data[:i] + (data[j + 4:] if j >= 0 else b"")


def upstream_bytes(path):
    """Everything the upstream received, all connections, in log order."""
    return b"".join(bytes.fromhex(e["hex"]) for e in upstream_events(path) if e["ev"] == "data")


def req_err_sum(stats):
    return sum(v for k, v in stats.items() if k.lower().startswith("req_err_"))


def req_err_of(stats, reason):
    for k, v in stats.items():
        if k.lower() == "req_err_" + reason.lower():
            return v
    return None


def llhttp_error_cases():
    """The shared corpus's error cases of plain type request (raw bytes)."""
    if not os.path.exists(CORPUS):
        return None
    cases = []
    with open(CORPUS) as f:
        for line in f:
            d = json.loads(line)
            if d.get("type") == "request" and d.get("verdict") == "error":
                cases.append((d.get("title", ""), base64.b64decode(d["raw"])))
    return cases


def proxy_conf(upstream_port=UP_PORT):
    return f"""
  client_header_timeout_ms = 3000;
  max_header_bytes = 8192;
  max_fields = 100;
  max_body_bytes = {MAX_BODY};
  listeners = ( {{ name = "web"; address = "{GW}"; port = {PORT}; }} );
  pools = ( {{ name = "raw"; algorithm = "rr"; retries = 0;
              members = ( {{ address = "{UP}"; port = {upstream_port}; }} ); }} );
  routes = ( {{ name = "all"; listener = "web"; default = true; pool = "raw"; }} );
"""


class Hostile(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed("p3").up()
        cls.gw = None
        cls.up_proc = None
        fd, cls.log_path = tempfile.mkstemp(prefix="sluice-p3-upstream-", suffix=".jsonl")
        os.close(fd)
        try:
            cls.up_proc = subprocess.Popen(
                ["ip", "netns", "exec", cls.tb.upstream, "python3", "-c", UPSTREAM_SRC,
                 UP, str(UP_PORT), cls.log_path],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            line = cls.up_proc.stdout.readline()
            if "listening" not in line:
                raise RuntimeError("upstream did not start: " + line + cls.up_proc.stdout.read())
            cls.gw = Gateway(cls.tb, tcp="listeners = ( );", proxy=proxy_conf()).start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.gw is not None:
            cls.gw.kill()
        if cls.up_proc is not None:
            if cls.up_proc.poll() is None:
                os.kill(cls.up_proc.pid, signal.SIGKILL)
            cls.up_proc.wait()
            cls.up_proc.stdout.close()
        if os.path.exists(cls.log_path):
            os.unlink(cls.log_path)
        cls.tb.down()

    def control_ok(self, tag):
        got, end = in_netns(self.tb.client, control, tag)
        self.assertTrue(got.startswith(b"HTTP/1.1 200 "), (tag, got[:200]))
        self.assertTrue(got.endswith(b"upstream-ok\n"), (tag, got[:300]))
        marker = b"GET /control-" + tag.encode() + b" HTTP/1.1\r\n"
        self.assertTrue(wait_for(lambda: marker in upstream_bytes(self.log_path), 5),
                        f"control request {tag} not in the upstream log")

    def check_refused(self, name, got, end, status, extra=""):
        """Exactly the status line, an error body, and the connection closed."""
        want = f"HTTP/1.1 {status} {REASONS[status]}"
        self.assertEqual(status_line(got), want, f"{name}: got {got[:300]!r}{extra}")
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertIn(b"\r\nconnection: close", head.lower(), f"{name}: {head!r}")
        self.assertIn(b"\r\ncontent-type: text/plain", head.lower(), f"{name}: {head!r}")
        self.assertIn(b"\r\ncontent-length: %d" % len(body), head.lower(),
                      f"{name}: {head!r} with a body of {len(body)} bytes")
        self.assertTrue(body.strip(), f"{name}: no body naming the cause")
        self.assertIn(end, ("eof", "reset"), f"{name}: connection not closed after the error")

    def test_1_corpus(self):
        self.assertGreaterEqual(len(CASES), 40)
        self.assertEqual(len({c[0] for c in CASES}), len(CASES))
        self.control_ok("before")
        log_before = os.path.getsize(self.log_path)
        s0 = self.gw.proxy_stats()
        results = in_netns(self.tb.client, run_corpus, CASES, self.log_path, timeout=600)
        time.sleep(0.5)
        s1 = self.gw.proxy_stats()
        self.control_ok("after")

        problems = []
        opened = []
        for (name, raw, status, reason, stage), (rname, got, end, grew, conns) in zip(CASES,
                                                                                    results):
            self.assertEqual(name, rname)
            if conns:
                opened.append(name)
            with self.subTest(case=name, check="not forwarded"):
                if grew:
                    problems.append(f"{name}: {grew} bytes reached the upstream ({stage} stage)")
                self.assertEqual(grew, 0, f"{name}: forwarded upstream ({stage}-stage error)")
            with self.subTest(case=name, check="answer"):
                try:
                    self.check_refused(name, got, end, status)
                except AssertionError as e:
                    problems.append(str(e))
                    raise

        # Nothing of any hostile request in the upstream log: after the first
        # control request, the only bytes it holds are the second one's.
        with open(self.log_path) as f:
            f.seek(log_before)
            between = [json.loads(line) for line in f if line.strip()]
        leaked = b"".join(bytes.fromhex(e["hex"]) for e in between if e["ev"] == "data")
        leaked = without_request(leaked, b"GET /control-after HTTP/1.1\r\n")
        self.assertEqual(leaked, b"", "hostile bytes reached the upstream")
        if opened:  # not an error: a connection opened for a complete head, no byte sent
            print(f"\n  upstream connections opened (no data) for: {', '.join(opened)}")

        # counters: every parser refusal counted under req_err_*
        parser_cases = [c for c in CASES if c[3] is not None]
        self.assertEqual(req_err_sum(s1) - req_err_sum(s0), len(parser_cases),
                         {k: v for k, v in s1.items() if k.lower().startswith("req_err_") and v})
        # and, where the counter carries the parser's reason name, per reason
        by_reason = {}
        for cs in parser_cases:
            by_reason[cs[3]] = by_reason.get(cs[3], 0) + 1
        for reason, n in by_reason.items():
            after = req_err_of(s1, reason)
            if after is not None:
                self.assertEqual(after - req_err_of(s0, reason), n, f"req_err_{reason}")
        unsupported = len(CASES) - len(parser_cases)
        if "unsupported" in s1:
            self.assertEqual(s1["unsupported"] - s0["unsupported"], unsupported)
        self.assertEqual(problems, [])

    PIPELINED = [
        # (name, smuggled second request, status)
        ("cl_te", b"POST /second-smuggled HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /third-evil HTTP/1.1\r\n\r\n", 400),
        ("te_cl", b"POST /second-smuggled HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
         b"Content-Length: 4\r\n\r\n2c\r\nGET /third-evil HTTP/1.1\r\nHost: h\r\n\r\n\r\n0\r\n\r\n",
         400),
        ("te_obfuscated", b"POST /second-smuggled HTTP/1.1\r\nHost: h\r\n"
         b"Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
         b"GET /third-evil HTTP/1.1\r\nHost: h\r\n\r\n", 501),
        ("bare_lf", b"GET /second-smuggled HTTP/1.1\nHost: h\n\nGET /third-evil HTTP/1.1\r\n"
         b"Host: h\r\n\r\n", 400),
        ("dup_cl", b"POST /second-smuggled HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"
         b"Content-Length: 44\r\n\r\nGET /third-evil HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    ]

    def test_2_pipelined_smuggle(self):
        """A valid request, then a smuggled one on the same connection (then a
        valid third): the first answered and forwarded, the second refused,
        the connection closed, nothing after the first forwarded."""
        self.control_ok("pipe-before")
        for name, smuggled, status in self.PIPELINED:
            with self.subTest(case=name):
                first = b"GET /first-pipelined-" + name.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n"
                third = b"GET /third-valid HTTP/1.1\r\nHost: h\r\n\r\n"
                log_before = os.path.getsize(self.log_path)
                s0 = self.gw.proxy_stats()
                got, end = in_netns(self.tb.client, pipelined, first, smuggled + third)
                time.sleep(0.3)
                s1 = self.gw.proxy_stats()
                self.assertTrue(got.startswith(b"HTTP/1.1 200 OK\r\n"), got[:300])
                i = got.find(b"upstream-ok\n")
                self.assertGreater(i, 0, got[:600])
                rest = got[i + len(b"upstream-ok\n"):]
                self.check_refused("pipelined second", rest, end, status)
                with open(self.log_path) as f:
                    f.seek(log_before)
                    seen = b"".join(bytes.fromhex(e["hex"]) for e in map(json.loads, f)
                                    if e["ev"] == "data")
                self.assertIn(first.split(b"\r\n")[0], seen)
                self.assertNotIn(b"second-smuggled", seen)
                self.assertNotIn(b"third-", seen)
                self.assertNotIn(b"Transfer-Encoding", seen)
                self.assertEqual(seen.count(b"GET "), 1, seen)
                self.assertEqual(req_err_sum(s1) - req_err_sum(s0), 1)
        self.control_ok("pipe-after")

    def test_4_body_errors_after_head_went_upstream(self):
        """The body-stage cases with the head sent alone first: the proxy
        streams, so the head (and body bytes before the error) may go
        upstream; the request must never complete there: the upstream
        connection is cut (reset or closed) right after, carries nothing
        beyond the bytes before the error, and is never reused."""
        cases = []
        for name, raw, status, reason, stage in CASES:
            if stage != "body":
                continue
            raw = raw.replace(b"POST / ", b"POST /split-" + name.encode() + b" ", 1)
            i = raw.index(b"\r\n\r\n") + 4
            cases.append((name, raw[:i], raw[i:], status))
        self.assertGreaterEqual(len(cases), 10)
        self.control_ok("split-before")
        results = in_netns(self.tb.client, run_split, [c[:3] for c in cases], self.log_path,
                           timeout=600)
        self.control_ok("split-after")
        events = upstream_events(self.log_path)
        by_conn = collections.defaultdict(list)
        for e in events:
            by_conn[e["c"]].append(e)
        went_up = {}
        for (name, head, rest, status), (_, got, end, before) in zip(cases, results):
            with self.subTest(case=name):
                self.check_refused(name, got, end, status)
                marker = b"POST /split-" + name.encode() + b" HTTP/1.1\r\n"
                conns = [c for c, evs in by_conn.items()
                         if marker in b"".join(bytes.fromhex(e["hex"]) for e in evs)]
                if not conns:
                    continue  # nothing of it went upstream at all: fine
                self.assertEqual(len(conns), 1, f"{name}: on several upstream connections")
                evs = by_conn[conns[0]]
                data = b"".join(bytes.fromhex(e["hex"]) for e in evs if e["ev"] == "data")
                at = data.index(marker)
                end_of_head = data.index(b"\r\n\r\n", at) + 4
                body = data[end_of_head:]
                went_up[name] = (len(body), evs[-1]["ev"])
                # what followed the head: a strict prefix of the body sent, no more
                self.assertTrue(rest.startswith(body) and len(body) < len(rest),
                                f"{name}: upstream got body {body[:200]!r}")
                self.assertIn(evs[-1]["ev"], ("reset", "eof"),
                              f"{name}: upstream connection left open after the refusal")
                self.assertNotIn(b"control-split-after", data,
                                 f"{name}: connection reused after a half-sent request")
        print(f"\n  heads forwarded before the error (body bytes, end): {went_up}")
        # the proxy streams: the heads did go upstream, so the checks above ran
        self.assertEqual(len(went_up), len(cases))

    def test_5_incomplete_head_times_out(self):
        """A head that never completes (slow headers): 408 after
        client_header_timeout_ms (3 s here), the connection closed, nothing
        forwarded."""
        self.control_ok("slow-before")
        log_before = os.path.getsize(self.log_path)
        s0 = self.gw.proxy_stats()
        t0 = time.time()
        got, end = in_netns(self.tb.client, exchange,
                            b"GET /slow-head HTTP/1.1\r\nHost: h\r\nX-Slow: 1\r\n", 10.0)
        took = time.time() - t0
        s1 = self.gw.proxy_stats()
        self.assertEqual(status_line(got), "HTTP/1.1 408 Request Timeout", got[:300])
        self.assertIn(end, ("eof", "reset"))
        self.assertGreater(took, 2.5)
        self.assertLess(took, 6.0)
        if "client_header_timeout" in s1:
            self.assertEqual(s1["client_header_timeout"] - s0["client_header_timeout"], 1)
        self.assertEqual(log_since(self.log_path, log_before), (0, 0))
        self.control_ok("slow-after")

    def test_3_llhttp_error_corpus(self):
        """The shared corpus's error cases: refused with a parser status (or,
        for an input that is only wrong once the connection ends, closed
        without an answer), never forwarded."""
        cases = llhttp_error_cases()
        if cases is None:
            self.skipTest(f"{CORPUS} not found")
        self.control_ok("llhttp-before")
        log_before = os.path.getsize(self.log_path)
        results = in_netns(self.tb.client, run_llhttp, [raw for _, raw in cases],
                           self.log_path, timeout=900)
        self.control_ok("llhttp-after")
        bad = []
        for (title, raw), (got, end, grew, _) in zip(cases, results):
            sl = status_line(got) if got else ""
            code = int(sl.split()[1]) if sl.startswith("HTTP/1.1 ") else None
            if got and code not in REASONS:
                bad.append(f"{title!r}: answered {sl!r} to {raw[:120]!r}")
            elif not got and end == "timeout":
                bad.append(f"{title!r}: neither answered nor closed: {raw[:120]!r}")
            elif end == "timeout":
                bad.append(f"{title!r}: answered {sl!r} but not closed: {raw[:120]!r}")
            if grew:
                bad.append(f"{title!r}: {grew} bytes upstream for {raw[:120]!r}")
        with open(self.log_path) as f:
            f.seek(log_before)
            seen = b"".join(bytes.fromhex(e["hex"]) for e in map(json.loads, f)
                            if e["ev"] == "data")
        seen = without_request(seen, b"GET /control-llhttp-after HTTP/1.1\r\n")
        self.assertEqual(bad, [])
        self.assertEqual(seen, b"")


if __name__ == "__main__":
    sltest.main()
