#!/usr/bin/env python3
"""check_baseline.py — checks that the Python baseline computes the engine's amounts.

Compares, line by line and settlement by settlement, the claim text written by bench_sqlite
(one claim document per patient, concatenated) with the text written by baseline.py on the
same database: every money attribute of every <line> and <settlement>, keyed by patient, unit
and line id. Exits 1 and prints the first differences when they disagree, so a fast baseline
cannot be a wrong one. Used by scripts/bench.sh in its quick (CI) run.

    check_baseline.py ENGINE_OUT BASELINE_OUT
"""
import re
import sys

ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
LINE_KEYS = ("amount", "over-limit", "self-financed", "self-first", "in-scope", "patient")
SETTLE_KEYS = ("policy", "in-scope", "deductible", "fund", "over-cap", "copay", "patient",
               "total", "deductible-left-before", "deductible-left-after", "fund-paid-before",
               "fund-paid-after")


def amounts(path):
    """{(patient, unit, line id or '#settlement'): {attr: value}} of a claim text."""
    out = {}
    patient = unit = None
    with open(path, encoding="utf-8") as f:
        for text in f:
            tag = text.lstrip()
            if tag.startswith("<patient "):
                patient = dict(ATTR.findall(tag))["id"]
            elif tag.startswith("<bill "):
                unit = dict(ATTR.findall(tag))["unit"]
            elif tag.startswith("<line "):
                a = dict(ATTR.findall(tag))
                out[(patient, unit, a["id"])] = {k: a.get(k) for k in LINE_KEYS}
            elif tag.startswith("<settlement "):
                a = dict(ATTR.findall(tag))
                out[(patient, unit, "#settlement")] = {k: a.get(k) for k in SETTLE_KEYS}
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: check_baseline.py ENGINE_OUT BASELINE_OUT\n")
        return 2
    engine, baseline = amounts(argv[1]), amounts(argv[2])
    diffs = [k for k in sorted(set(engine) | set(baseline)) if engine.get(k) != baseline.get(k)]
    for k in diffs[:10]:
        print("differs at %s:\n  engine:   %s\n  baseline: %s"
              % (k, engine.get(k), baseline.get(k)))
    if diffs or not engine:
        print("check_baseline: %d of %d amounts differ" % (len(diffs), len(engine)))
        return 1
    print("check_baseline: the baseline's %d lines and settlements equal the engine's"
          % len(engine))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
