#!/usr/bin/env python3
"""Write docs/counters.md from the counter registry (`sluiced --list-counters`).

    devtools/gen-counters-doc.py SLUICED [OUT]       write OUT (docs/counters.md)
    devtools/gen-counters-doc.py --check SLUICED     exit 1 if the file differs

The registry is the one list of counters (lib/core/sl_counters.h); this page
is generated from it so that it cannot drift. `meson test` runs --check
('counters_doc'): a counter added to a module fails it until the page is
written again."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "counters.md")

HEAD = """# Counters

Every counter of Sluice, generated from the counter registry by
`devtools/gen-counters-doc.py` (from `sluiced --list-counters`); do not edit by
hand. Each counter is in all four outputs:

| output | form |
|---|---|
| Prometheus `GET /metrics` | `sluice_<module>_<name>_total` (a gauge: no `_total`), one sample per worker (`worker`, `lcore` labels; `sum()` for the gateway) or one for a management-lcore counter; a repeated block adds its instance label (`port`); a labelled family puts the name in its label (`sluice_proxy_request_refusals_total{reason=...}`) |
| Prometheus drops | every counter marked *drop* is also a sample of `sluice_<module>_drops_total{reason="<name>"}`, summed over workers |
| console | `show counters` (non-zero) and `show counters all`: `<module> [<instance>] <name> <value>`, summed over workers |
| DPDK telemetry | `/sluice/counters` (every module), `/sluice/counters,<module>`, and each module's `/sluice/<module>/stats`: `<name>` or `<instance>/<name>` |
| shutdown report | the non-zero ones, `<module> [<instance>] <name> <value>` |

Marks: *drop* — something was dropped or refused for this reason; *rootN* —
counts what partition N splits up; *leafN* — one part of partition N: every
unit the root counts ends in exactly one leaf, so the root is the sum of its
leaves (checked by the tests). Scope *worker*: one per worker lcore, summed
on read; *global*: the management lcore's.
"""


def render(sluiced):
    out = subprocess.run([sluiced, "--list-counters"], check=True, capture_output=True,
                         text=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    text = [HEAD]
    module = None
    for mod, name, kind, scope, inst, family, marks, desc in rows:
        if mod != module:
            module = mod
            text += ["", f"## {mod}", "",
                     "| counter | kind | scope | instance | marks | description |",
                     "|---|---|---|---|---|---|"]
        fam = f" (`{family.split(':')[0]}`)" if family != "-" else ""
        desc = desc.replace("|", "\\|")
        text.append(f"| `{name}`{fam} | {kind} | {scope} | {inst} | {marks} | {desc} |")
    return "\n".join(text) + "\n"


def main():
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    if check:
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    text = render(args[0])
    path = args[1] if len(args) > 1 else DOC
    if check:
        with open(path) as f:
            if f.read() != text:
                print(f"{os.path.relpath(path, ROOT)} is not what the registry says: "
                      "run devtools/gen-counters-doc.py build/app/sluiced/sluiced")
                return 1
        print(f"{os.path.relpath(path, ROOT)}: up to date")
        return 0
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
