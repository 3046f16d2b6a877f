#!/usr/bin/env python3
"""baseline.py — the Python `decimal` baseline of the benchmarks (issue 8).

Reads the same SQLite rows as the engine from SQLite and the I/O floor (tables written by
loaddb: patient, unit, charge_line, each scanned once in rowid order and merged on the fly)
and does what a straightforward Python implementation of the medical track would do, exactly,
with decimal.Decimal and ROUND_HALF_UP:

  per line      [MED-1] amount, [MED-2] over-limit, [MED-3] class C self-financed, class B
                self-first, in-scope — from the catalogue of the rule set (xml.etree);
  per unit      [MED-4]..[MED-7] settlement (deductible, fund, cap, copay, patient, total)
                with the policy row of scheme × setting × institution level × retired, units
                taken in [ORD-1] order and lines in [ORD-2] order, and the per-patient
                accumulators of [MED-8] carried from unit to unit;
  visits        the home-visit fee [HV-1] as one more line, medical lines settled as an
                outpatient unit ([HV-4]);
  output        XML text as the claim document has it: a <bill> per unit with one <line .../>
                per charge line and a <settlement .../>, per patient a <statement>, and a
                <claim> of what the fund pays — written to OUT (default /dev/null).

It does none of the engine's validation, findings, contracts or provenance: it is the floor of
what a Python service would do, not an equivalent of the engine.

    baseline.py RULES.xml DB.sqlite [RUNS] [OUT]

Prints a summary and the same BENCH line as the C benchmarks (name=baseline).
"""
import os
import resource
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ONE = Decimal(1)


def round2(x):
    """[NUM-2] round to the fen, half up."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def boolean(text):
    return text in ("true", "1")


def fmt_qty(text):
    """[NUM-4] quantities drop trailing zeros: 24.0 -> 24."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_price(text):
    """[NUM-4] unit prices keep two to six fraction digits: 0.2800 -> 0.28, 10 -> 10.00."""
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return whole + "." + (frac + "00")[: max(2, len(frac))]


class Rules:
    """The parts of the rule set the medical track needs ([RULE-1], [RULE-3])."""

    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.id = root.get("id")
        self.items = {}
        for it in root.find("medical-catalog"):
            if it.tag != "item":
                continue
            dec = lambda name: Decimal(it.get(name)) if it.get(name) is not None else None
            self.items[it.get("code")] = (it.get("class"), dec("price"), dec("limit"),
                                          dec("b-ratio"), it.get("price"))
        self.rows = {}
        for row in root.find("medical-policy"):
            if row.tag != "row":
                continue
            key = (row.get("scheme"), row.get("setting"), row.get("level"),
                   boolean(row.get("retired")))
            self.rows[key] = (Decimal(row.get("deductible")), Decimal(row.get("ratio")),
                              Decimal(row.get("cap")), row.get("cap-group"))
        self.level = {}
        self.visit = {}
        for inst in root.findall("institution"):
            self.level[inst.get("id")] = inst.get("level")
            hv = inst.find("home-visit")
            if hv is not None:
                self.visit[inst.get("id")] = (
                    hv.get("fee-item"), Decimal(hv.get("base")),
                    Decimal(hv.get("included-km")), Decimal(hv.get("per-km")),
                    Decimal(hv.get("extra-staff")), Decimal(hv.get("surcharge")))


def attrs(pairs):
    return "".join(' %s="%s"' % (k, v) for k, v in pairs if v is not None)


def price_line(rules, line, out):
    """[MED-1]..[MED-3] one charged line; returns its parts and writes its <line/>."""
    lid, item, qty_text, price_text, _at = line
    cls, cat_price, limit, b_ratio, cat_price_text = rules.items[item]
    qty = Decimal(qty_text)
    if price_text is None:
        price, price_text = cat_price, cat_price_text
    else:
        price = Decimal(price_text)
    amount = round2(qty * price)                                    # [MED-1]
    rule = ["MED-1"]
    over_limit = ZERO
    if limit is not None and limit < price:                         # [MED-2]
        over_limit = round2(qty * (price - limit))
        rule.append("MED-2")
    base = amount - over_limit                                      # [MED-3]
    self_financed = self_first = ZERO
    if cls == "C":
        self_financed, in_scope = base, ZERO
    elif cls == "B":
        self_first = round2(base * b_ratio)
        in_scope = base - self_first
        rule.insert(0, "NUM-3")
    else:
        in_scope = base
    rule.append("MED-3")
    patient = over_limit + self_financed + self_first
    out.append('      <line id="%s" item="%s" qty="%s" price="%s" amount="%s" over-limit="%s" '
               'self-financed="%s" self-first="%s" in-scope="%s" patient="%s" '
               'status="charged" rule="%s"/>\n'
               % (lid, item, fmt_qty(qty_text), fmt_price(price_text), amount, over_limit,
                  self_financed, self_first, in_scope, patient, " ".join(rule)))
    return amount, in_scope, patient


def visit_fee(rules, unit, out):
    """[HV-1] the fee line of a visit; returns its amount."""
    fee_item, base, included, per_km, extra, surcharge = rules.visit[unit["institution"]]
    distance = Decimal(unit["distance_km"])
    staff = int(unit["staff"] or "1")
    raw = base + per_km * max(ZERO, distance - included) + extra * (staff - 1)
    fee = round2(raw * (ONE + surcharge)) if boolean(unit["surcharge"] or "false") else round2(raw)
    out.append("      <line%s/>\n" % attrs((
        ("id", unit["id"] + ":fee"), ("item", fee_item), ("qty", "1"), ("price", fee),
        ("amount", fee), ("ltc", ZERO), ("commercial", ZERO), ("patient", fee),
        ("status", "charged"), ("rule", "DUP-4 HV-1 HV-3"))))
    return fee


def settle(rules, patient, unit, setting, date, lines, accs, out):
    """[MED-4]..[MED-8] the settlement of one unit; returns (fund, patient share)."""
    row = rules.rows[(patient["scheme"], setting, rules.level[unit["institution"]],
                      boolean(patient["retired"]))]
    deductible, ratio, cap, cap_group = row
    acc = year_acc(accs, date[:4])
    total = in_scope = patient_lines = ZERO
    for line in sorted(lines, key=lambda l: (l[4], l[0])):          # [ORD-2]
        amount, scope, share = price_line(rules, line, out)
        total += amount
        in_scope += scope
        patient_lines += share
    if setting == "inpatient":                                      # [MED-5]
        left_before = deductible
    else:
        left_before = max(ZERO, deductible - acc["od_used"])
    applied = min(in_scope, left_before)
    fund_raw = round2((in_scope - applied) * ratio)                 # [MED-6]
    paid_before = acc[cap_group]
    fund = min(fund_raw, max(ZERO, cap - paid_before))
    over_cap = fund_raw - fund
    copay = in_scope - applied - fund
    share = patient_lines + applied + copay                         # [MED-7]
    if setting == "outpatient":                                     # [MED-8]
        acc["od_used"] += applied
    acc[cap_group] = paid_before + fund
    label = "%s/%s/%s/%s" % (patient["scheme"], setting, rules.level[unit["institution"]],
                             "retired" if boolean(patient["retired"]) else "active")
    out.append('      <settlement policy="%s" in-scope="%s" deductible="%s" fund="%s" '
               'over-cap="%s" copay="%s" patient="%s" total="%s" deductible-left-before="%s" '
               'deductible-left-after="%s" fund-paid-before="%s" fund-paid-after="%s" '
               'rule="MED-4 MED-5 MED-6 MED-7 MED-8%s"/>\n'
               % (label, in_scope, applied, fund, over_cap, copay, share, total, left_before,
                  left_before - applied, paid_before, acc[cap_group],
                  " HV-4" if unit["kind"] == "visit" else ""))
    return fund, share


def year_acc(accs, year):
    """[MED-8] the accumulators of `year`, at zero when the case gave none."""
    if year not in accs:
        accs[year] = {"od_used": ZERO, "outpatient": ZERO, "inpatient": ZERO}
    return accs[year]


def unit_key(unit):
    """[ORD-1] settlement date, then track (medical before home visit), then id."""
    if unit["kind"] == "visit":
        return (unit["at"][:10], 1, unit["id"])
    day = unit["discharge"] if unit["setting"] == "inpatient" else unit["date"]
    return (day, 0, unit["id"])


def price_patient(rules, patient, units, out):
    """One patient: its units in [ORD-1] order, accumulators carried ([MED-8])."""
    accs = {}
    if patient["acc_year"] is not None:
        accs[patient["acc_year"]] = {"od_used": Decimal(patient["od_used"] or "0"),
                                     "outpatient": Decimal(patient["fund_out"] or "0"),
                                     "inpatient": Decimal(patient["fund_in"] or "0")}
    out.append('  <patient id="%s" status="billed">\n' % patient["id"])
    owes_medical = owes_visit = ZERO
    claim = []
    for unit, lines in sorted(units, key=lambda ul: unit_key(ul[0])):
        if unit["kind"] == "visit":
            out.append('    <bill%s>\n' % attrs((
                ("track", "home-visit"), ("unit", unit["id"]),
                ("institution", unit["institution"]), ("date", unit["at"][:10]),
                ("distance-km", fmt_qty(unit["distance_km"])), ("staff", unit["staff"]),
                ("surcharge", unit["surcharge"]))))
            owes_visit += visit_fee(rules, unit, out)
            setting, date = "outpatient", unit["at"][:10]
        else:
            setting = unit["setting"]
            date = unit["discharge"] if setting == "inpatient" else unit["date"]
            out.append('    <bill%s>\n' % attrs((
                ("track", "medical"), ("unit", unit["id"]), ("setting", setting),
                ("institution", unit["institution"]), ("date", date))))
        if lines:
            fund, share = settle(rules, patient, unit, setting, date, lines, accs, out)
            owes_medical += share
            if fund:
                claim.append((unit["id"], fund))
        out.append("    </bill>\n")
    out.append('    <statement medical="%s" home-visit="%s" eldercare="0.00" total="%s" '
               'rule="ACC-1">\n' % (owes_medical, owes_visit, owes_medical + owes_visit))
    for year in sorted(accs):
        acc = accs[year]
        out.append('      <accumulators year="%s" outpatient-deductible-used="%s" '
                   'outpatient-fund-paid="%s" inpatient-fund-paid="%s"/>\n'
                   % (year, acc["od_used"], acc["outpatient"], acc["inpatient"]))
    out.append("    </statement>\n  </patient>\n")
    if claim:
        out.append('  <claim payer="medical-insurance" total="%s">\n'
                   % sum((f for _, f in claim), ZERO))
        for unit_id, fund in claim:
            out.append('    <item patient="%s" unit="%s" amount="%s"/>\n'
                       % (patient["id"], unit_id, fund))
        out.append("  </claim>\n")


PATIENT_COLS = ("id", "scheme", "retired", "acc_year", "od_used", "fund_out", "fund_in")
UNIT_COLS = ("patient", "id", "kind", "institution", "setting", "date", "admit", "discharge",
             "at", "distance_km", "staff", "surcharge")


def one_run(rules, db_path, out_path):
    """One pass: the three scans merged patient by patient; returns (lines, bytes)."""
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    patients = con.execute("SELECT %s FROM patient ORDER BY rowid" % ", ".join(PATIENT_COLS))
    units = con.execute("SELECT %s FROM unit ORDER BY rowid" % ", ".join(UNIT_COLS))
    lines = con.execute("SELECT patient, unit, id, item, qty, price, at FROM charge_line"
                        " ORDER BY rowid")
    next_unit = next(units, None)
    next_line = next(lines, None)
    count = written = 0
    with open(out_path, "wb") as f:
        head = '<?xml version="1.0" encoding="UTF-8"?>\n<claims ruleset="%s">\n' % rules.id
        written += f.write(head.encode("utf-8"))
        for prow in patients:
            patient = dict(zip(PATIENT_COLS, prow))
            plist = []
            while next_unit is not None and next_unit[0] == patient["id"]:
                unit = dict(zip(UNIT_COLS, next_unit))
                ulines = []
                while (next_line is not None and next_line[0] == unit["patient"]
                       and next_line[1] == unit["id"]):
                    ulines.append(next_line[2:])
                    next_line = next(lines, None)
                plist.append((unit, ulines))
                count += len(ulines)
                next_unit = next(units, None)
            out = []
            price_patient(rules, patient, plist, out)
            written += f.write("".join(out).encode("utf-8"))
        written += f.write(b"</claims>\n")
    con.close()
    return count, written


def main(argv):
    if len(argv) < 3 or len(argv) > 5:
        sys.stderr.write("usage: baseline.py RULES.xml DB.sqlite [RUNS] [OUT]\n")
        return 2
    runs = max(1, int(argv[3] if len(argv) > 3 else os.environ.get("BENCH_RUNS", "5")))
    out_path = argv[4] if len(argv) > 4 else os.devnull
    rules = Rules(argv[1])
    times = []
    lines = written = 0
    with localcontext() as ctx:
        ctx.prec = 50  # far beyond any product here: every operation but round2 is exact
        for _ in range(runs):
            t0 = time.perf_counter()
            lines, written = one_run(rules, argv[2], out_path)
            times.append(time.perf_counter() - t0)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("%-14s %9.0f lines/s (%.0f–%.0f), %7.1f ns/line, median %.3f s of %d runs, "
          "peak RSS %d MiB" % ("baseline", lines / med, lines / times[-1], lines / times[0],
                               med * 1e9 / lines, med, n, rss // 1024))
    print("BENCH name=baseline lines=%d runs=%d median_s=%.6f min_s=%.6f max_s=%.6f rss_kb=%d "
          "bytes=%d" % (lines, n, med, times[0], times[-1], rss, written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
