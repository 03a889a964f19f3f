#!/usr/bin/env python3
"""A scriptable HTTP/1.1 upstream for the proxy's system tests.

    upstream_server.py --log FILE ADDR:PORT [ADDR:PORT ...]

Threaded, one thread per connection, keep-alive (HTTP/1.1 by default,
HTTP/1.0 with "Connection: keep-alive"). Its own strict-enough parser sees the
request exactly as it arrived: every header field in order, the body framing
(Content-Length or chunked, decoded here) and whether Expect: 100-continue was
answered. Each request is appended to FILE as one JSON line (see record());
"ready" is printed on stdout once every address listens.

Paths (query parameters after "?"):
  /info...                 200, the request's record as JSON (the default)
  /echo...?chunked=1       200, the request body back (sized, or chunked)
  /gen?n=N&seed=S&chunked=1&ext=1
                           N bytes of pattern(N, S); chunked: varied chunk
                           sizes, ext=1 adds a chunk extension and a trailer
  /close?n=N               N pattern bytes delimited by closing the connection
  /sleep?ms=N              answer 200 after N ms
  /hop                     the record, with hop-by-hop fields in the response
  /status/NNN              that status, a short body
HEAD answers the GET's head without a body.
"""
import hashlib
import json
import random
import socket
import sys
import threading
import time

BLOCK = 1 << 20
_blocks = {}


def pattern_block(seed):
    b = _blocks.get(seed)
    if b is None:
        b = _blocks[seed] = random.Random(seed).randbytes(BLOCK)
    return b


def pattern_chunks(n, seed=0):
    """pattern(n, seed) as a sequence of at most 1 MiB pieces."""
    block = pattern_block(seed)
    while n > 0:
        k = min(n, BLOCK)
        yield block[:k]
        n -= k


def pattern(n, seed=0):
    return b"".join(pattern_chunks(n, seed))


def pattern_sha256(n, seed=0):
    h = hashlib.sha256()
    for c in pattern_chunks(n, seed):
        h.update(c)
    return h.hexdigest()


# Chunk sizes of generated chunked bodies, cycled.
CHUNK_SIZES = (1, 65536, 7, 100003, 4095, BLOCK)


class BadRequest(Exception):
    pass


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            return False
        self.buf += d
        return True

    def line(self, limit=65536):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                ln = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return ln
            if len(self.buf) > limit:
                raise BadRequest("line too long")
            if not self.fill():
                return None

    def exactly(self, n, sink):
        """Pass n bytes to sink(bytes) as they arrive."""
        while n > 0:
            if not self.buf and not self.fill():
                raise BadRequest("eof in body")
            k = min(n, len(self.buf))
            sink(bytes(self.buf[:k]))
            del self.buf[:k]
            n -= k


class Conn:
    counter = 0
    lock = threading.Lock()

    def __init__(self, server, sock, local, peer):
        with Conn.lock:
            Conn.counter += 1
            self.id = Conn.counter
        self.server = server
        self.sock = sock
        self.local = local
        self.peer = peer
        self.rd = Reader(sock)
        self.nreq = 0

    def send(self, data):
        self.sock.sendall(data)

    def run(self):
        try:
            while self.one():
                pass
        except (BadRequest, OSError) as e:
            self.server.log({"conn": self.id, "port": self.local[1], "error": repr(e)})
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def read_head(self):
        line = self.rd.line()
        while line in (b"\r\n", b"\n"):  # tolerated before a request line
            line = self.rd.line()
        if line is None:
            return None
        parts = line.rstrip(b"\r\n").decode("latin-1").split(" ")
        if len(parts) != 3:
            raise BadRequest(f"request line {line!r}")
        fields = []
        while True:
            ln = self.rd.line()
            if ln is None:
                raise BadRequest("eof in head")
            ln = ln.rstrip(b"\r\n")
            if not ln:
                break
            name, sep, value = ln.decode("latin-1").partition(":")
            if not sep or not name or name != name.strip():
                raise BadRequest(f"field {ln!r}")
            fields.append([name, value.strip(" \t")])
        return parts, fields

    def one(self):
        head = self.read_head()
        if head is None:
            return False
        (method, target, version), fields = head
        self.nreq += 1
        hdr = {}
        for k, v in fields:
            hdr.setdefault(k.lower(), []).append(v)
        conn_tokens = {t.strip().lower() for v in hdr.get("connection", [])
                       for t in v.split(",")}
        keep = ("close" not in conn_tokens if version == "HTTP/1.1"
                else "keep-alive" in conn_tokens)
        sent_100 = False
        if any(v.lower() == "100-continue" for v in hdr.get("expect", [])) \
                and version == "HTTP/1.1":
            self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            sent_100 = True
        te = ",".join(hdr.get("transfer-encoding", [])).lower()
        body_sha = hashlib.sha256()
        body_len = 0
        want_body = target.startswith("/echo")
        body = []

        def sink(b):
            nonlocal body_len
            body_sha.update(b)
            body_len += len(b)
            if want_body:
                body.append(b)
        chunked = False
        chunk_exts = []
        trailers = []
        if te:
            if te.replace(" ", "") != "chunked":
                raise BadRequest(f"transfer-encoding {te}")
            chunked = True
            while True:
                ln = self.rd.line()
                if ln is None:
                    raise BadRequest("eof in chunk size")
                size, _, ext = ln.rstrip(b"\r\n").decode("latin-1").partition(";")
                if ext:
                    chunk_exts.append(ext)
                n = int(size, 16)
                if n == 0:
                    break
                self.rd.exactly(n, sink)
                if self.rd.line() not in (b"\r\n",):
                    raise BadRequest("chunk not followed by CRLF")
            while True:
                ln = self.rd.line()
                if ln is None:
                    raise BadRequest("eof in trailers")
                if ln == b"\r\n":
                    break
                trailers.append(ln.rstrip(b"\r\n").decode("latin-1"))
        elif "content-length" in hdr:
            self.rd.exactly(int(hdr["content-length"][0]), sink)
        rec = {"conn": self.id, "nreq": self.nreq, "port": self.local[1],
               "addr": self.local[0], "peer": self.peer[0], "method": method,
               "target": target, "version": version, "headers": fields,
               "chunked": chunked, "chunk_exts": chunk_exts, "trailers": trailers,
               "body_len": body_len, "body_sha256": body_sha.hexdigest(),
               "sent_100": sent_100, "time": time.time()}
        self.server.log(rec)
        return self.respond(rec, b"".join(body), keep)

    def respond(self, rec, body, keep):
        method, target = rec["method"], rec["target"]
        path, _, query = target.partition("?")
        q = dict(p.partition("=")[::2] for p in query.split("&") if p)
        head_only = method == "HEAD"
        status = "200 OK"
        extra = []
        chunks = None   # an iterable of body pieces for a chunked response
        close_delim = None
        if path.startswith("/echo"):
            payload = body
            if q.get("chunked") == "1":
                chunks = [payload[i:i + 4000] for i in range(0, len(payload), 4000)]
        elif path == "/gen":
            n, seed = int(q.get("n", "0")), int(q.get("seed", "0"))
            if q.get("chunked") == "1":
                chunks = self.gen_chunks(n, seed)
            else:
                payload = None
                self.send_head("200 OK", [("Content-Length", str(n)),
                                          ("Content-Type", "application/octet-stream")], keep)
                if not head_only:
                    for c in pattern_chunks(n, seed):
                        self.send(c)
                return keep
        elif path == "/close":
            close_delim = pattern(int(q.get("n", "0")), int(q.get("seed", "0")))
        elif path == "/sleep":
            time.sleep(int(q.get("ms", "0")) / 1000)
            payload = b"slept\n"
        elif path == "/hop":
            payload = json.dumps(rec).encode()
            extra = [("Connection", "X-Resp-Hop"), ("X-Resp-Hop", "1"),
                     ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
                     ("X-End-To-End", "kept")]
        elif path.startswith("/status/"):
            status = path[len("/status/"):] + " Test"
            payload = b"status\n"
        else:
            payload = json.dumps(rec).encode()
            extra = [("Content-Type", "application/json")]
        if close_delim is not None:
            self.send_head(status, [("Content-Type", "application/octet-stream")], False)
            if not head_only:
                self.send(close_delim)
            return False
        if chunks is not None:
            trailer = q.get("ext") == "1"
            self.send_head(status, extra + [("Transfer-Encoding", "chunked")] +
                           ([("Trailer", "X-Trailer")] if trailer else []), keep)
            if head_only:
                return keep
            first = True
            for c in chunks:
                if not c:
                    continue
                ext = ";name=value" if trailer and first else ""
                first = False
                self.send(b"%x%s\r\n" % (len(c), ext.encode()) + c + b"\r\n")
            self.send(b"0\r\n" + (b"X-Trailer: t\r\n" if trailer else b"") + b"\r\n")
            return keep
        self.send_head(status, extra + [("Content-Length", str(len(payload)))], keep)
        if not head_only:
            self.send(payload)
        return keep

    def gen_chunks(self, n, seed):
        block = pattern_block(seed)
        off = 0  # offset in the pattern, which repeats every BLOCK bytes
        i = 0
        while n > 0:
            k = min(n, CHUNK_SIZES[i % len(CHUNK_SIZES)])
            i += 1
            s = off % BLOCK
            if s + k <= BLOCK:
                piece = block[s:s + k]
            else:
                piece = block[s:] + block[:k - (BLOCK - s)]
            yield piece
            off += k
            n -= k

    def send_head(self, status, fields, keep):
        lines = [f"HTTP/1.1 {status}", "Server: sluice-test-upstream",
                 f"X-Upstream: {self.local[0]}:{self.local[1]}",
                 f"X-Upstream-Conn: {self.id}"]
        lines += [f"{k}: {v}" for k, v in fields]
        if not any(k.lower() == "connection" for k, _ in fields):
            lines.append("Connection: " + ("keep-alive" if keep else "close"))
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


class Server:
    def __init__(self, log_path, addrs):
        self.log_lock = threading.Lock()
        self.log_file = open(log_path, "a", buffering=1)
        self.socks = []
        for a in addrs:
            host, port = a.rsplit(":", 1)
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, int(port)))
            s.listen(512)
            self.socks.append(s)

    def log(self, rec):
        with self.log_lock:
            self.log_file.write(json.dumps(rec) + "\n")

    def accept_loop(self, lsock):
        local = lsock.getsockname()
        while True:
            c, peer = lsock.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=Conn(self, c, local, peer).run, daemon=True).start()

    def serve(self):
        threads = [threading.Thread(target=self.accept_loop, args=(s,), daemon=True)
                   for s in self.socks]
        for t in threads:
            t.start()
        print("ready", flush=True)
        for t in threads:
            t.join()


def main(argv):
    if len(argv) < 3 or argv[0] != "--log":
        print(__doc__, file=sys.stderr)
        return 2
    Server(argv[1], argv[2:]).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
