#!/usr/bin/env python3
"""The Flatpak module in docs/flatpak/libqssl.json builds with this tree's
options: every -D it passes names an option of meson_options.txt with a
value of that option's type, so that renaming or removing an option cannot
silently break an application's manifest.

    check-flatpak-module.py MODULE.json MESON_OPTIONS.txt
"""
import json
import re
import sys

module = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()

options = {}
for m in re.finditer(r"option\(\s*'([^']+)'\s*,\s*type\s*:\s*'([^']+)'(.*?)\)\s*$", text, re.S | re.M):
    name, kind, rest = m.groups()
    choices = re.search(r"choices\s*:\s*\[([^\]]*)\]", rest)
    options[name] = (kind, re.findall(r"'([^']*)'", choices.group(1)) if choices else None)
if not options:
    sys.exit("no options parsed from " + sys.argv[2])

valid = {
    "boolean": lambda v, c: v in ("true", "false"),
    "feature": lambda v, c: v in ("enabled", "disabled", "auto"),
    "combo": lambda v, c: v in (c or []),
    "string": lambda v, c: True,
    "integer": lambda v, c: re.fullmatch(r"-?[0-9]+", v) is not None,
    "array": lambda v, c: True,
}

problems = []
opts = module.get("config-opts", [])
print(f"1..{len(opts) + 1}")
if module.get("buildsystem") == "meson":
    print("ok 1 - buildsystem meson")
else:
    print(f"not ok 1 - buildsystem is {module.get('buildsystem')!r}, not meson")
    problems.append("buildsystem")
for i, opt in enumerate(opts, 2):
    m = re.fullmatch(r"-D([A-Za-z0-9_]+)=(.*)", opt)
    if not m:
        print(f"not ok {i} - {opt}: not of the form -Dname=value")
        problems.append(opt)
        continue
    name, value = m.groups()
    if name not in options:
        print(f"not ok {i} - {opt}: no option '{name}' in meson_options.txt")
        problems.append(opt)
    elif not valid.get(options[name][0], lambda v, c: False)(value, options[name][1]):
        print(f"not ok {i} - {opt}: '{value}' is not a {options[name][0]} value")
        problems.append(opt)
    else:
        print(f"ok {i} - {opt}")
sys.exit(1 if problems else 0)
