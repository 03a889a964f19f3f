#!/usr/bin/env python3
"""Embed the default configuration in the daemon as a C string."""
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f:
    text = f.read()
lines = [
    "/* Generated from default.conf by embed_conf.py; do not edit. */",
    "const char sl_default_conf[] =",
]
for line in text.splitlines(keepends=True):
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    lines.append(f'\t"{esc}"')
lines.append("\t;")
with open(dst, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
