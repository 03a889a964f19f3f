#!/usr/bin/env python3
"""Structure checks of the source tree (run by `meson test` as 'structure'):

1. Layering: a module of lib/ includes only the headers of modules listed
   before it in lib/meson.build (sl_modules). The one exception by design is
   core's per-lcore context, sl_lcore.h, which embeds later modules' per-lcore
   structs from their _types.h headers (types only, never calls).
2. Function length: no function of lib/, app/ or fuzz/ (tests excluded) is
   longer than MAX_LINES lines; tables are data, not functions, and are not
   counted.

Prints each violation as FILE: message and exits 1 if there is any."""
import glob
import os
import re
import sys

MAX_LINES = 150
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def modules():
    text = open(os.path.join(ROOT, "lib", "meson.build")).read()
    m = re.search(r"sl_modules\s*=\s*\[(.*?)\]", text, re.S)
    return re.findall(r"'(\w+)'", m.group(1))


def check_layers(order):
    owner = {}
    for mod in order:
        for h in glob.glob(os.path.join(ROOT, "lib", mod, "*.h")):
            owner[os.path.basename(h)] = mod
    bad = []
    for mod in order:
        for f in sorted(glob.glob(os.path.join(ROOT, "lib", mod, "*.[ch]"))):
            name = os.path.basename(f)
            if name.startswith("test_"):
                continue
            for inc in re.findall(r'^#include "([^"]+)"', open(f).read(), re.M):
                dep = owner.get(inc)
                if dep is None or order.index(dep) <= order.index(mod):
                    continue
                if name == "sl_lcore.h" and inc.endswith("_types.h"):
                    continue
                bad.append(f"{os.path.relpath(f, ROOT)}: includes {inc} of module '{dep}', "
                           f"listed after '{mod}' in lib/meson.build")
    return bad


def functions(path):
    """(name, first line, length) of each function definition: a line '{'
    alone after its signature, ending at the next '}' alone (kernel style,
    as .clang-format writes it)."""
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{" and i > 0:
            j = i - 1
            while j > 0 and lines[j - 1].strip() and not lines[j - 1].startswith(("}", "#", "/*", " *")):
                j -= 1
            head = " ".join(lines[j:i])
            m = re.search(r"(\w+)\s*\(", head)
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            if m and "=" not in head.split("(")[0]:
                yield m.group(1), i + 1, k - i + 1
            i = k
        i += 1


def check_lengths():
    bad = []
    for top in ("lib", "app", "fuzz"):
        for f in sorted(glob.glob(os.path.join(ROOT, top, "**", "*.c"), recursive=True)):
            if os.path.basename(f).startswith("test_"):
                continue
            for name, line, n in functions(f):
                if n > MAX_LINES:
                    bad.append(f"{os.path.relpath(f, ROOT)}:{line}: {name}() is {n} lines "
                               f"(at most {MAX_LINES}: split it along its seams)")
    return bad


def main():
    order = modules()
    bad = check_layers(order) + check_lengths()
    for b in bad:
        print(b)
    print(f"structure: {len(order)} modules in order, {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
