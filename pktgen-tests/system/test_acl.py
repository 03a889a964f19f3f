#!/usr/bin/env python3
"""The IP ACL against the kernel's TCP: a SYN from a denied source gets no
connection (dropped, or refused with RST), one from an allowed source is
served, and every verdict is counted once, per rule.

Testbed "ac": the client namespace gets a second address, 198.18.0.3,
which the ACL denies; 198.18.0.2 stays allowed (an allow rule inside the
denied /30), and .3 is let in to the discard listener alone by a rule scoped
to it."""
import socket
import time
import unittest

import sltest
from sltest import DEFAULT_TCP, Gateway, Testbed, in_netns

DENIED, ALLOWED = "198.18.0.3", "198.18.0.2"


def acl(denied):
    return f"""acl = {{ denied = "{denied}"; rules = (
  {{ name = "banned"; action = "deny"; prefixes = [ "198.18.0.0/30" ]; }},
  {{ name = "client"; action = "allow"; prefixes = [ "198.18.0.2" ]; }},
  {{ name = "discard_ok"; action = "allow"; prefixes = [ "198.18.0.3" ];
    listeners = [ "198.18.0.1:9" ]; }} ); }};
"""


def discard_from(src, timeout=2.0):
    """Connect from src to the discard service and send; "sent" or the error."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect(("198.18.0.1", 9))
        s.sendall(b"x" * 1000)
        return "sent"
    except OSError as e:
        return type(e).__name__
    finally:
        s.close()


def echo_from(src, timeout=2.0):
    """Connect from src to the echo service; its answer, or the exception's name."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect(("198.18.0.1", 7))
        s.sendall(b"sluice")
        return s.recv(16).decode()
    except OSError as e:
        return type(e).__name__
    finally:
        s.close()


class AclBase(unittest.TestCase):
    """A gateway with the ACL section `sections()` on testbed TB, whose
    client namespace also has DENIED."""
    DENIED_MODE = "drop"
    TB = "ac"

    @classmethod
    def sections(cls):
        return acl(cls.DENIED_MODE)

    @classmethod
    def setUpClass(cls):
        cls.tb = Testbed(cls.TB).up()
        cls.tb.run(cls.tb.client, "ip", "addr", "add", f"{DENIED}/24", "dev", cls.tb.client_if,
                   check=True)
        cls.gw = Gateway(cls.tb, tcp=DEFAULT_TCP, sections=cls.sections())
        try:
            cls.gw.start()
        except Exception:
            cls.gw.kill()
            cls.tb.down()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.gw.kill()
        cls.tb.down()

    def acl_counters(self):
        return self.gw.telemetry("/sluice/counters,acl")

    def check_allowed_is_served(self):
        c0, t0 = self.acl_counters(), self.gw.tcp_stats()
        self.assertEqual(in_netns(self.tb.client, echo_from, ALLOWED), "sluice")
        c1, t1 = self.acl_counters(), self.gw.tcp_stats()
        self.assertEqual(c1["syn_allowed"] - c0["syn_allowed"], 1, c1)
        self.assertEqual(c1["client/rule_syns"] - c0["client/rule_syns"], 1, c1)
        self.assertEqual(c1["syn_denied"], c0["syn_denied"], c1)
        self.assertEqual(t1["accepted"] - t0["accepted"], 1, t1)

    def check_scoped_allow(self):
        """.3 is denied, but a rule scoped to the discard listener lets it in there."""
        c0 = self.acl_counters()
        self.assertEqual(in_netns(self.tb.client, discard_from, DENIED), "sent")
        c1 = self.acl_counters()
        self.assertEqual(c1["discard_ok/rule_syns"] - c0["discard_ok/rule_syns"], 1, c1)
        self.assertEqual(c1["syn_denied"], c0["syn_denied"], c1)

    def check_denied(self, expect_error):
        c0, t0 = self.acl_counters(), self.gw.tcp_stats()
        started = time.monotonic()
        self.assertEqual(in_netns(self.tb.client, echo_from, DENIED), expect_error)
        took = time.monotonic() - started
        c1, t1 = self.acl_counters(), self.gw.tcp_stats()
        denied = c1["syn_denied"] - c0["syn_denied"]
        # the kernel retries its SYN while it waits (drop); one is enough
        self.assertGreaterEqual(denied, 1, c1)
        self.assertEqual(c1["banned/rule_syns"] - c0["banned/rule_syns"], denied, c1)
        self.assertEqual(c1["syn_checked"] - c0["syn_checked"], denied, c1)
        self.assertEqual(c1["syn_allowed"], c0["syn_allowed"], c1)
        # nothing of TCP's state was made for it
        self.assertEqual(t1["accepted"], t0["accepted"], t1)
        self.assertEqual(t1["syn_backlog_full"], t0["syn_backlog_full"], t1)
        self.assertEqual(t1["syn_rcvd"] - t0["syn_rcvd"], denied, t1)
        return c1["syn_denied_rst"] - c0["syn_denied_rst"], took


class AclDrop(AclBase):
    DENIED_MODE = "drop"
    TB = "ac"

    def test_allowed_source_is_served(self):
        self.check_allowed_is_served()

    def test_scoped_rule_allows_one_listener(self):
        self.check_scoped_allow()

    def test_denied_syn_is_dropped(self):
        rst, took = self.check_denied("TimeoutError")
        self.assertEqual(rst, 0)
        self.assertGreaterEqual(took, 1.9)


class AclRst(AclBase):
    DENIED_MODE = "rst"
    TB = "ar"

    def test_allowed_source_is_served(self):
        self.check_allowed_is_served()

    def test_denied_syn_is_refused(self):
        rst, took = self.check_denied("ConnectionRefusedError")
        self.assertEqual(rst, 1)
        self.assertLess(took, 1.5)

    def test_dynamic_entry_of_a_rules_prefix_is_refused(self):
        st, _, reply = self.gw.api("POST", "/api/v1/acl/deny", {"prefix": ALLOWED})
        self.assertEqual((st, reply["error"]["code"]), (409, "in_a_rule"), reply)
        self.assertIn("'client'", reply["error"]["message"])
        # a longer prefix inside a rule's is taken, and wins where it is longer
        st, _, reply = self.gw.api("POST", "/api/v1/acl/deny", {"prefix": "198.18.0.0/31"})
        self.assertEqual(st, 201, reply)
        self.addCleanup(self.gw.api, "DELETE", "/api/v1/acl/deny/198.18.0.0/31")
        self.assertEqual(in_netns(self.tb.client, echo_from, ALLOWED), "sluice")


class AclDynamic(AclBase):
    """The dynamic deny list through the REST API and the console, with no
    rule configured: the first entry makes the table."""
    TB = "ad"

    @classmethod
    def sections(cls):
        return 'acl = { denied = "rst"; };\n'

    def echo(self, src):
        return in_netns(self.tb.client, echo_from, src)

    def test_rest_entry_denies_until_its_ttl(self):
        st, hdrs, body = self.gw.api("POST", "/api/v1/acl/deny",
                                     {"prefix": DENIED, "ttl_s": 2, "reason": "test"})
        self.assertEqual(st, 201, body)
        self.assertEqual(hdrs.get("Location"), f"/api/v1/acl/deny/{DENIED}/32")
        self.assertEqual(body["prefix"], f"{DENIED}/32")
        self.assertEqual(body["reason"], "test")
        self.assertLessEqual(body["expires_in_s"], 2)
        c0 = self.gw.telemetry("/sluice/counters,acl")
        self.assertEqual(self.echo(DENIED), "ConnectionRefusedError")
        self.assertEqual(self.echo(ALLOWED), "sluice")
        c1 = self.gw.telemetry("/sluice/counters,acl")
        self.assertEqual(c1["syn_dynamic"] - c0["syn_dynamic"], 1, c1)
        st, _, body = self.gw.api("GET", "/api/v1/acl/deny")
        self.assertEqual((st, [e["prefix"] for e in body]), (200, [f"{DENIED}/32"]))
        time.sleep(2.5)
        st, _, body = self.gw.api("GET", "/api/v1/acl/deny")
        self.assertEqual((st, body), (200, []))
        self.assertEqual(self.echo(DENIED), "sluice")

    def test_rest_refusals(self):
        for body, code in (({"prefix": "198.18.0.300"}, "invalid_prefix"),
                           ({"prefix": "198.18.0.3/24"}, "invalid_prefix"),
                           ({"prefix": DENIED, "ttl_s": -1}, "invalid_ttl"),
                           ({"prefix": DENIED, "ttl": 5}, "unknown_field"),
                           ({"ttl_s": 5}, "invalid_field"),
                           ({"prefix": DENIED, "reason": "x" * 64}, "invalid_reason")):
            st, _, reply = self.gw.api("POST", "/api/v1/acl/deny", body)
            self.assertEqual((st, reply["error"]["code"]), (400, code), body)
        st, _, reply = self.gw.api("DELETE", f"/api/v1/acl/deny/{DENIED}")
        self.assertEqual((st, reply["error"]["code"]), (404, "not_found"))
        st, hdrs, _ = self.gw.api("PUT", "/api/v1/acl/deny", {"prefix": DENIED})
        self.assertEqual((st, hdrs.get("Allow")), (405, "GET, POST"))
        st, _, body = self.gw.api("GET", "/api/v1/acl/deny")
        self.assertEqual((st, body), (200, []))

    def test_console_deny_and_remove(self):
        c = sltest.Console(self.gw.console_port)
        self.addCleanup(c.close)
        self.assertIn(f"ok: {DENIED}/32 denied", c.cmd(f"acl deny {DENIED} 0 console test"))
        self.assertIn('"reason": "console test"', c.cmd("acl"))
        self.assertEqual(self.echo(DENIED), "ConnectionRefusedError")
        self.assertIn("ok:", c.cmd(f"acl remove {DENIED}"))
        self.assertEqual(self.echo(DENIED), "sluice")
        self.assertIn("error 404 not_found", c.cmd(f"acl remove {DENIED}"))
        self.assertIn("error: TTL_S", c.cmd(f"acl deny {DENIED} soon"))
        self.assertIn("error: usage", c.cmd("acl allow 1.2.3.4"))


if __name__ == "__main__":
    sltest.main()
