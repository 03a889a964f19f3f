#!/usr/bin/env python3
"""The daemon's command line and configuration errors: every invalid file is
refused with FILE:LINE and exit code 2 before any port or hugepage is
touched; --check, --version, --help, --dump-config behave as documented.
Needs neither root nor hugepages."""
import os
import re
import subprocess
import tempfile
import unittest

import sltest

GOOD = """
eal = { lcores = "0-1"; file_prefix = "sltest-conf"; huge = false; memory_mb = 128; };
ports = {
  list = (
    { name = "front"; profile = "af_packet"; iface = "x-front"; address = "198.18.0.1/24"; },
    { name = "back";  profile = "af_packet"; iface = "x-back";  address = "198.19.0.1/24"; }
  );
};
net = { ip_forward = true; };
"""

# (description, config text, line expected, fragment of the message)
BAD = [
    ("unknown key", GOOD.replace("ip_forward = true;", "ip_forward = true;\n  turbo = 1;"),
     10, "unknown key 'net.turbo'"),
    ("unknown section", GOOD + "\nweird = { };\n", 11, "unknown section 'weird'"),
    ("wrong type", GOOD.replace("memory_mb = 128", "memory_mb = \"lots\""), 2,
     "'eal.memory_mb' must be an integer"),
    ("out of range", GOOD.replace("memory_mb = 128", "memory_mb = 1"), 2,
     "between 64 and"),
    ("bad address", GOOD.replace('"198.19.0.1/24"', '"198.19.0.300/24"'), 6,
     "must be an IPv4 prefix"),
    ("prefix too long", GOOD.replace('"198.19.0.1/24"', '"198.19.0.1/33"'), 6,
     "must be an IPv4 prefix"),
    ("missing required", GOOD.replace('profile = "af_packet"; iface = "x-back"; ', ''), 6,
     "missing required key 'ports.list[1].profile'"),
    ("syntax error", GOOD.replace("ip_forward = true;", "ip_forward = = true;"), 9,
     "syntax error"),
    ("bool as int", GOOD.replace("ip_forward = true", "ip_forward = 1"), 9,
     "must be true or false"),
    ("unknown profile", GOOD.replace('profile = "af_packet"; iface = "x-back"',
                                     'profile = "nosuchnic"; iface = "x-back"'), 6,
     "no readable profile 'nosuchnic'"),
    ("duplicate name", GOOD.replace('name = "back"', 'name = "front"'), 6,
     "names another port"),
    ("overlapping subnet", GOOD.replace('"198.19.0.1/24"', '"198.18.0.9/16"'), 6,
     "overlaps the subnet of port 'front'"),
    ("route via nowhere", GOOD.replace("ip_forward = true;", "ip_forward = true;\n"
                                       "  routes = ( { prefix = \"198.18.8.0/24\"; "
                                       "via = \"198.18.9.1\"; } );"), 10,
     "not on the subnet of any port"),
    ("ring size", GOOD.replace("ip_forward = true;", "ip_forward = true; ring_size = 1000;"),
     9, "power of 2"),
    ("choice", GOOD.replace("memory_mb = 128;", "memory_mb = 128; log_level = \"loud\";"),
     2, "is not one of"),
    ("no ports", GOOD.split("ports = {")[0] + "ports = { list = ( ); };\n", 3,
     "at least one port"),
    ("acl host bits", GOOD + 'acl = {\n  rules = ( { name = "a"; action = "deny";\n'
     '    prefixes = [ "10.0.0.1/8" ]; } );\n};\n', 12, "host bits set"),
    ("acl prefix twice", GOOD + 'acl = { rules = (\n  { name = "a"; action = "deny"; '
     'prefixes = [ "10.0.0.0/8" ]; },\n  { name = "b"; action = "allow"; '
     'prefixes = [ "10.0.0.0/8" ]; } ); };\n', 12, "is in rules 'a' and 'b'"),
    ("acl no file", GOOD + 'acl = { rules = (\n  { name = "a"; action = "deny"; '
     'file = "/nonexistent/deny.txt"; } ); };\n', 11, "cannot read"),
]

# The proxy section: references between listeners, pools and routes, names,
# actions and route tables are checked before start, at the offending line.
PROXY = GOOD + """proxy = {
  listeners = (
    { name = "web"; address = "198.18.0.1"; port = 80; }
  );
  pools = (
    { name = "app"; algorithm = "maglev"; hash = "client";
      members = (
        { address = "198.19.0.2"; port = 80; weight = 2; }
      );
    }
  );
  routes = (
    { name = "api"; listener = "web"; path = "/api"; pool = "app"; },
    { name = "ok"; path = "/ok"; path_match = "exact"; return_status = 200; },
    { name = "fallback"; default = true; pool = "app"; }
  );
};
"""


def line_of(text, needle):
    """The 1-based line of the first occurrence of needle in text."""
    return text[:text.index(needle)].count("\n") + 1


def proxy_case(what, old, new, needle, at=None):
    text = PROXY.replace(old, new, 1)
    assert text != PROXY, what
    return (what, text, line_of(text, at or new), needle)


BAD += [
    proxy_case("dangling pool", 'path = "/api"; pool = "app"', 'path = "/api"; pool = "nope"',
               "no pool named 'nope'", at='pool = "nope"'),
    proxy_case("dangling listener", 'listener = "web"', 'listener = "www"',
               "no listener named 'www'"),
    proxy_case("two actions", 'return_status = 200;', 'return_status = 200; pool = "app";',
               "exactly one action", at='name = "ok"'),
    proxy_case("no action", 'return_status = 200;', '', "exactly one action",
               at='name = "ok"'),
    proxy_case("bad name", 'name = "api"', 'name = "a pi"', "only letters, digits"),
    proxy_case("duplicate route", 'name = "ok"', 'name = "api"', "is already a route",
               at='name = "api"; path = "/ok"'),
    proxy_case("second default", 'name = "ok"; path = "/ok"; path_match = "exact";',
               'name = "ok"; default = true;', "second default route",
               at='name = "fallback"'),
    proxy_case("bad regex", 'path = "/api";', 'path = "(["; path_match = "regex";',
               "regular expression", at='name = "api"'),
    proxy_case("unknown algorithm", '"maglev"', '"fastest"', "is not one of"),
    proxy_case("unknown method", 'path = "/api";', 'path = "/api"; methods = [ "YEET" ];',
               "is not one of", at='methods'),
    proxy_case("no members", '{ address = "198.19.0.2"; port = 80; weight = 2; }', '',
               "at least one member", at='members'),
    proxy_case("member is us", '"198.19.0.2"', '"198.19.0.1"', "our own addresses"),
    proxy_case("weight range", 'weight = 2', 'weight = 0', "between 1 and"),
    proxy_case("listener elsewhere", 'address = "198.18.0.1"; port = 80',
               'address = "198.18.0.7"; port = 80', "not the address of any port"),
    proxy_case("redirect status", 'return_status = 200;',
               'redirect = "http://example.com/"; return_status = 200;', "3xx status",
               at='redirect'),
    proxy_case("hash without name", 'hash = "client"', 'hash = "header"',
               "needs the header name"),
]


def run(*args, timeout=30):
    return subprocess.run([sltest.SLUICED, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Config(unittest.TestCase):
    def write(self, text):
        fd, path = tempfile.mkstemp(prefix="sluice-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_good_config_checks(self):
        r = run("--check", "-c", self.write(GOOD))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration is valid", r.stdout)

    def test_good_proxy_config_checks(self):
        r = run("--check", "-c", self.write(PROXY))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_embedded_default_checks(self):
        r = run("--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<embedded>", r.stdout)

    def test_bad_configs_refused_with_line(self):
        for what, text, line, needle in BAD:
            with self.subTest(what):
                path = self.write(text)
                for args in (("--check", "-c", path), ("-c", path)):
                    r = run(*args)
                    self.assertEqual(r.returncode, 2, (what, r.stdout, r.stderr))
                    first = r.stderr.strip().splitlines()[0]
                    self.assertTrue(first.startswith(f"{path}:{line}: "), (what, first))
                    self.assertIn(needle, first, what)
                    # Refused before EAL: no DPDK output, no runtime directory.
                    self.assertNotIn("EAL:", r.stderr + r.stdout)
        self.assertFalse(os.path.exists("/var/run/dpdk/sltest-conf"))

    def test_bad_profile_reported_at_its_own_line(self):
        d = tempfile.mkdtemp(prefix="sluice-profiles-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        with open(os.path.join(d, "broken.conf"), "w") as f:
            f.write('profile = {\n  driver = "net_null";\n  bus = "vdev";\n'
                    '  rx_desc = 7;\n};\n')
        text = GOOD.replace("ports = {", f'ports = {{\n  profiles_dir = "{d}";').replace(
            'profile = "af_packet"; iface = "x-front"', 'profile = "broken"')
        r = run("--check", "-c", self.write(text))
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, re.escape(os.path.join(d, "broken.conf")) +
                         r":4: 'profile.rx_desc' must be between 64 and 32768")

    def test_missing_file(self):
        r = run("-c", "/nonexistent/sluice.conf")
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/sluice.conf: cannot read file", r.stderr)

    def test_usage(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sluiced \d+\.\d+\.\d+")
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--check", r.stdout)
        r = run("--bogus")
        self.assertEqual(r.returncode, 2)
        r = run("extra-argument")
        self.assertEqual(r.returncode, 2)

    def test_file_prefix_in_use_is_named(self):
        """A second daemon on a runtime directory already held says which
        file_prefix is taken, by which process, and how to pick another."""
        prefix = f"sltest-prefix-{os.getpid()}"
        conf = self.write(f"""
eal = {{ lcores = "0-1"; file_prefix = "{prefix}"; huge = false; memory_mb = 512; }};
ports = {{ list = ( {{ name = "n0"; profile = "null"; address = "198.18.0.1/24"; }} ); }};
mgmt = {{ http_port = 0; console_port = 0; }};
""")
        first = subprocess.Popen([sltest.SLUICED, "-c", conf], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            line = ""
            while not line.startswith("sluiced: ready"):
                line = first.stdout.readline()
                self.assertTrue(line, "the first daemon did not start")
            r = run("-c", conf)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(f'eal.file_prefix "{prefix}" is in use by another DPDK process '
                          f"(pid {first.pid} holds", r.stderr)
            self.assertIn("file_prefix of its own", r.stderr)
            self.assertNotIn("Success", r.stderr)
        finally:
            first.terminate()
            first.communicate(timeout=30)
        self.assertEqual(first.returncode, 0)

    def test_dump_config_is_the_embedded_default(self):
        r = run("--dump-config")
        self.assertEqual(r.returncode, 0)
        src = os.path.join(sltest.ROOT, "app", "sluiced", "default.conf")
        with open(src) as f:
            self.assertEqual(r.stdout, f.read())
        r = run("--check", "-c", self.write(r.stdout))
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
