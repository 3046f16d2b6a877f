#!/usr/bin/env python3
"""Deterministic generator of random carebill cases for the reference model (README.md).

  gen.py --seed S --n N --out DIR [--start K] [--rules-dir rules] [--errors 0.06]

writes DIR/case-0000K.xml ... one case per file, each against one of rules/fx-ec.xml,
rules/fx-hv.xml or rules/cq-demo-2023.xml (the case's `ruleset` attribute names it). The same
seed and index always give the same file.

Every patient is valid unless picked for error injection (probability --errors): that patient
then gets one to three input errors, each in an element of its own, of kinds whose findings
SPEC fixes (see README.md).

What it covers: outpatient and inpatient encounters (same-day, across months and years) with
lines of every class, kind and limit (price over / at / under the limit, up to 6 fraction
digits, quantities up to 3 fraction digits, catalogue services with and without `price`);
accumulators near the deductible and the caps; visits (distance 0 .. radius, staff,
surcharge, fee-only or with medical lines); stays (open, clipped on either side, same-day,
touching, inside and around inpatient encounters); services; family-doctor contracts with
covers in contract / year / month windows, with and without `used`, quota 0 .. 10;
LTC contracts of eligible and ineligible grades, several at once; commercial covers of
elder-care and fee items with `paid`; duplicate line ids (same unit, other unit, other
institution, service ids) and lines with the same item and time (also written with seconds);
ids and payers whose bytewise order differs from a case-insensitive one.
"""
import os
import sys
import random
import argparse
import datetime as dt
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref  # noqa: E402

RULESETS = ["fx-ec", "fx-hv", "cq-demo-2023"]
DAY = dt.timedelta(days=1)
ERROR_KINDS = ["OUT_OF_RADIUS", "NO_POLICY", "STAY_OVERLAP", "LINE_OUTSIDE_UNIT", "PRICE_MISMATCH",
               "MISSING_PRICE", "BAD_QTY", "NOT_PRICED", "UNKNOWN_INSTITUTION", "UNKNOWN_ITEM",
               "WRONG_TRACK", "DUPLICATE_ID", "BAD_DATE", "BAD_DECIMAL"]


def d2s(d):
    return d.isoformat()


def rand_dec(rng, lo, hi, digits):
    """a random decimal in [lo, hi] with `digits` fraction digits, as text"""
    q = Decimal(1).scaleb(-digits)
    lo_i = int(Decimal(lo) / q)
    hi_i = int(Decimal(hi) / q)
    v = Decimal(rng.randint(lo_i, hi_i)) * q
    return format(v, "f")


def next_month(d):
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class Gen:
    def __init__(self, rules_dir, err_rate):
        self.R = {rs: ref.Rules(os.path.join(rules_dir, rs + ".xml")) for rs in RULESETS}
        self.err_rate = err_rate

    # ------------------------------------------------------------------ helpers
    def qty(self):
        r = self.rng.random()
        if r < 0.55:
            return str(self.rng.randint(1, 12))
        if r < 0.7:
            return str(self.rng.randint(13, 60))
        if r < 0.85:
            return rand_dec(self.rng, "0.1", "5", 1)
        if r < 0.98:
            return rand_dec(self.rng, "0.001", "10", 3)
        return rand_dec(self.rng, "100", "99999", self.rng.choice([0, 3]))   # large

    def time_on(self, d):
        rng = self.rng
        if self.hot_times and rng.random() < 0.3:
            hm = rng.choice(self.hot_times)
        else:
            hm = "%02d:%02d" % (rng.randint(0, 23), rng.choice([0, 0, 10, 15, 30, 45, rng.randint(0, 59)]))
            self.hot_times.append(hm)
        if rng.random() < 0.1:
            return "%sT%s:%02d" % (d2s(d), hm, rng.choice([0, 0, 30, 59]))
        return "%sT%s" % (d2s(d), hm)

    def near_date(self, lo_off=-25, hi_off=25):
        """a date around the period; often one of a few 'hot' dates so that units tie"""
        rng = self.rng
        if self.hot_dates and rng.random() < self.hot_p:
            return rng.choice(self.hot_dates)
        span = (self.pto - self.pfrom).days
        d = self.pfrom + dt.timedelta(days=rng.randint(lo_off, span + hi_off))
        self.hot_dates.append(d)
        return d

    def in_period(self):
        span = (self.pto - self.pfrom).days
        if self.hot_dates and self.rng.random() < 0.35:
            c = [d for d in self.hot_dates if self.pfrom <= d < self.pto]
            if c:
                return self.rng.choice(c)
        return self.pfrom + dt.timedelta(days=self.rng.randint(0, span - 1))

    def uid(self, prefix, used):
        """a fresh id; the id style of the case makes bytewise order matter"""
        while True:
            n = self.rng.randint(1, 30)
            p = prefix
            if self.id_style == 1 and self.rng.random() < 0.4:
                p = prefix.lower()
            elif self.id_style == 2 and self.rng.random() < 0.3:
                p = prefix + "é"
            elif self.id_style == 3 and self.rng.random() < 0.3:
                p = "床" + prefix
            s = "%s%d" % (p, n)
            if s not in used:
                used.add(s)
                return s

    # ------------------------------------------------------------------ the case
    def case(self, seed):
        rng = self.rng = random.Random(seed)
        rs = rng.choice(RULESETS)
        R = self.R[rs]
        self.id_style = rng.choice([0, 0, 1, 2, 3])
        # a dense case: many units on few dates, many contracts (ties, quotas and caps interact)
        self.dense = rng.random() < 0.3
        self.hot_p = 0.7 if self.dense else 0.35
        kind = rng.random()
        y = rng.choice([2026, 2026, 2026, 2025, 2027, 2024, 2028])
        if kind < 0.5:
            self.pfrom = dt.date(y, rng.choice([rng.randint(1, 12), 2, 11]), 1)
            self.pto = next_month(self.pfrom)
        elif kind < 0.65:
            self.pfrom = dt.date(y, 12, rng.randint(1, 20))
            self.pto = dt.date(y + 1, 1, rng.randint(1, 25))
        elif kind < 0.72:
            self.pfrom = dt.date(y, rng.randint(1, 12), rng.randint(1, 28))
            self.pto = self.pfrom + DAY * rng.choice([1, 2])
        else:
            self.pfrom = dt.date(y, rng.randint(1, 12), rng.randint(1, 28))
            self.pto = self.pfrom + dt.timedelta(days=rng.randint(5, 75))
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<case ruleset="%s">' % rs,
               '  <period from="%s" to="%s"/>' % (d2s(self.pfrom), d2s(self.pto))]
        pids = set()
        pats = [self.patient(R, self.uid("P", pids)) for _ in range(rng.choice([1, 1, 2, 2, 3, 4]))]
        rng.shuffle(pats)
        for p in pats:
            out.extend(p)
        out.append("</case>")
        return rs, "\n".join(out) + "\n"

    # ------------------------------------------------------------------ a patient
    def patient(self, R, pid):
        rng = self.rng
        scheme = rng.choice(["employee", "resident"])
        retired = rng.random() < 0.5
        self.hot_dates, self.hot_times = [], []
        errs = []
        if rng.random() < self.err_rate:
            errs = rng.sample(ERROR_KINDS, rng.choice([1, 1, 1, 2, 3]))
        head = ['  <patient id="%s" scheme="%s" retired="%s">'
                % (pid, scheme, rng.choice(["true", "1"]) if retired else rng.choice(["false", "0"]))]
        self.unit_ids = set()
        self.line_ids = []          # (institution, id, item, at)
        self.all_ids = set()
        med_inst = {s: [i for i, v in R.inst.items() if (scheme, s, v["level"], retired) in R.policy]
                    for s in ("outpatient", "inpatient")}
        hv_inst = [i for i, v in R.inst.items() if v["hv"] is not None]
        hv_inst_lines = [i for i in hv_inst if i in med_inst["outpatient"]]
        ec_inst = [i for i, v in R.inst.items()
                   if any(R.guidance[c]["kind"] == "bed" for c in v["prices"])]
        sv_inst = [i for i, v in R.inst.items()
                   if any(R.guidance[c]["kind"] == "service" for c in v["prices"])]
        top = []   # blocks of lines, shuffled at the end (document order must not matter)

        # ---------------------------------------------------------- accumulators
        for yy in sorted({self.pfrom.year - 1, self.pfrom.year, self.pto.year}):
            if rng.random() < 0.45:
                attrs = []
                if rng.random() < 0.8:
                    attrs.append('outpatient-deductible-used="%s"' % rng.choice(
                        ["0.00", rand_dec(rng, 0, 60, 2), "50.00", "100.00", "200.00", "250.00"]))
                if rng.random() < 0.7:
                    attrs.append('outpatient-fund-paid="%s"' % rng.choice(
                        ["0.00", rand_dec(rng, 0, 300, 2), rand_dec(rng, 280, 300, 2),
                         rand_dec(rng, 480, 500, 2), rand_dec(rng, 1900, 2000, 2), "300.00",
                         "2000.00", rand_dec(rng, 2400, 3100, 2)]))
                if rng.random() < 0.5:
                    attrs.append('inpatient-fund-paid="%s"' % rng.choice(
                        ["0.00", rand_dec(rng, 0, 5000, 2), rand_dec(rng, 49900, 50000, 2),
                         rand_dec(rng, 99800, 100000, 2), rand_dec(rng, 199500, 200000, 2),
                         rand_dec(rng, 399500, 400100, 2)]))
                top.append(['    <accumulators year="%d" %s/>' % (yy, " ".join(attrs))])

        # ---------------------------------------------------------- contracts
        med_items = sorted(R.catalog)
        fee_items = sorted(R.fee_items)
        bed_items = sorted({c for v in R.inst.values() for c in v["prices"] if R.guidance[c]["kind"] == "bed"})
        nur_items = sorted({c for v in R.inst.values() for c in v["prices"] if R.guidance[c]["kind"] == "nursing"})
        svc_items = sorted({c for v in R.inst.values() for c in v["prices"] if R.guidance[c]["kind"] == "service"})
        cids = set()
        shared_from = self.pfrom - DAY * rng.randint(0, 40)

        def contract_dates():
            r = rng.random()
            if r < 0.3:
                f = dt.date(self.pfrom.year, 1, 1) - dt.timedelta(days=rng.choice([0, 0, 31, 200]))
                t = None if rng.random() < 0.3 else dt.date(self.pto.year + 1, 1, 1)
            elif r < 0.45:
                f = shared_from          # ties on `from`: then id decides
                t = None if rng.random() < 0.5 else f + dt.timedelta(days=rng.randint(10, 90))
            else:
                f = self.near_date(-40, 10)
                t = None if rng.random() < 0.3 else f + dt.timedelta(days=rng.randint(1, 90))
            return f, t

        def to_attr(t):
            return (' to="%s"' % d2s(t)) if t else ""

        payers_fd = ["PHS-1", "PHS-2", "phs-3", "PHS-Z", "区卫健委"]
        payers_ci = ["INS-A", "INS-B", "ins-c", "INS-Ä"]
        cover_pool = med_items + fee_items * 2 + bed_items + nur_items * 2 + svc_items
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3] if not self.dense else [1, 2, 3, 4])):
            cid = self.uid("FD-", cids)
            f, t = contract_dates()
            blk = ['    <contract id="%s" type="family-doctor" payer="%s" from="%s"%s>'
                   % (cid, rng.choice(payers_fd), d2s(f), to_attr(t))]
            seen = set()
            for item in rng.sample(cover_pool, min(len(cover_pool), rng.randint(1, 4))):
                if item in seen:
                    continue
                seen.add(item)
                quota = rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 10])
                window = rng.choice(["contract", "year", "month"])
                used = ""
                if rng.random() < 0.5:
                    # [CASE-5]: `used` is for the window holding the period's first day; a
                    # contract window holds it only if the contract is active on that day
                    if window != "contract" or (f <= self.pfrom and (t is None or self.pfrom < t)):
                        used = ' used="%d"' % rng.randint(0, quota)
                    elif rng.random() < 0.15:
                        # a contract window that does not hold the period's first day:
                        # [CASE-5] says it starts at 0 whatever `used` says
                        used = ' used="%d"' % rng.randint(0, quota)
                blk.append('      <cover item="%s" quota="%d" window="%s"%s/>' % (item, quota, window, used))
            blk.append('    </contract>')
            top.append(blk)
        if R.ltc is not None:
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3] if not self.dense else [1, 2, 3, 4])):
                cid = self.uid("LTC-", cids)
                f, t = contract_dates()
                top.append(['    <contract id="%s" type="ltc" grade="%s" from="%s"%s/>'
                            % (cid, rng.choice(["1", "2", "3", "3", "4", "5"]), d2s(f), to_attr(t))])
        com_pool = fee_items + bed_items + nur_items * 2 + svc_items
        if com_pool:
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3] if not self.dense else [1, 2, 3, 4])):
                cid = self.uid("CI-", cids)
                f, t = contract_dates()
                blk = ['    <contract id="%s" type="commercial" payer="%s" from="%s"%s>'
                       % (cid, rng.choice(payers_ci), d2s(f), to_attr(t))]
                seen = set()
                for item in rng.sample(com_pool, min(len(com_pool), rng.randint(1, 3))):
                    if item in seen:
                        continue
                    seen.add(item)
                    cap = rng.choice(["50.00", "100.00", "500.00", "3000.00", rand_dec(rng, 10, 800, 2),
                                      rand_dec(rng, 0, 5, 2)])
                    paid = ""
                    if rng.random() < 0.5:
                        paid = ' paid="%s"' % rng.choice(["0.00", cap, rand_dec(rng, 0, Decimal(cap), 2)])
                    ratio = rng.choice(["0.50", "0.35", "1", "0", "0.0001", "0.9999",
                                        rand_dec(rng, 0, 1, 4), rand_dec(rng, 0, 1, 2)])
                    blk.append('      <cover item="%s" ratio="%s" annual-cap="%s"%s/>' % (item, ratio, cap, paid))
                blk.append('    </contract>')
                top.append(blk)

        # ---------------------------------------------------------- stays
        stays = []
        if ec_inst and rng.random() < 0.6:
            cursor = self.pfrom - dt.timedelta(days=rng.randint(0, 20))
            for _ in range(rng.choice([1, 1, 2, 3])):
                start = cursor + dt.timedelta(days=rng.choice([0, 0, 1, 3, 8]))
                r = rng.random()
                if r < 0.2:
                    end = None
                elif r < 0.35:
                    end = start          # same-day stay: counts that one day ([NUM-6])
                else:
                    end = start + dt.timedelta(days=rng.randint(1, 45))
                inst = rng.choice(ec_inst)
                pr = R.inst[inst]["prices"]
                bed = rng.choice([c for c in pr if R.guidance[c]["kind"] == "bed"])
                nurs = [c for c in pr if R.guidance[c]["kind"] == "nursing"]
                nur = rng.choice(nurs) if nurs and rng.random() < 0.8 else None
                stays.append([self.uid("S", self.unit_ids), inst, bed, nur, start, end])
                if end is None:
                    break
                cursor = end + DAY if end == start else end
        for sid, inst, bed, nur, start, end in stays:
            top.append(['    <stay id="%s" institution="%s" bed="%s"%s from="%s"%s/>'
                        % (sid, inst, bed, (' nursing="%s"' % nur) if nur else "", d2s(start), to_attr(end))])

        # ---------------------------------------------------------- encounters
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 5] if not self.dense else [4, 6, 8, 10])):
            choices = [s for s in ("outpatient", "inpatient") if med_inst[s]]
            if not choices:
                break
            setting = rng.choice(choices)
            top.append(self.encounter(R, rng.choice(med_inst[setting]), setting, stays))

        # ---------------------------------------------------------- visits
        if hv_inst:
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3] if not self.dense else [2, 4, 6])):
                with_lines = bool(hv_inst_lines) and rng.random() < 0.6
                inst = rng.choice(hv_inst_lines if with_lines else hv_inst)
                top.append(self.visit(R, inst, with_lines))

        # ---------------------------------------------------------- services
        if sv_inst:
            for _ in range(rng.choice([0, 0, 1, 2, 3, 4] if not self.dense else [3, 5, 8])):
                inst = rng.choice(sv_inst)
                item = rng.choice([c for c in R.inst[inst]["prices"] if R.guidance[c]["kind"] == "service"])
                d = self.in_period()
                # sometimes the id of a medical line at that institution ([CASE-1], [DUP-1])
                cands = [x for x in self.line_ids if (x[0] == inst or rng.random() < 0.3)
                         and x[1] not in self.unit_ids]
                if cands and rng.random() < 0.25:
                    sid = rng.choice(cands)[1]
                    self.unit_ids.add(sid)
                else:
                    sid = self.uid("M", self.unit_ids)
                q = self.qty() if rng.random() < 0.5 else str(rng.randint(1, 30))
                top.append(['    <service id="%s" institution="%s" item="%s" qty="%s" at="%s"/>'
                            % (sid, inst, item, q, self.time_on(d))])

        # ---------------------------------------------------------- injected errors
        for e in errs:
            top.append(self.error(R, e, scheme, retired, stays, med_inst, hv_inst, ec_inst, sv_inst))
        rng.shuffle(top)
        for b in top:
            if len(b) > 3:      # children of an encounter, visit or contract: free order
                inner = b[1:-1]
                rng.shuffle(inner)
                b[1:-1] = inner
        out = head
        for b in top:
            out.extend(b)
        out.append('  </patient>')
        return out

    # ------------------------------------------------------------------ error elements
    def error(self, R, kind, scheme, retired, stays, med_inst, hv_inst, ec_inst, sv_inst):
        """one element holding exactly one input error of `kind` (or a fallback kind)"""
        rng = self.rng
        any_inst = sorted(R.inst)
        svc = [c for c, v in R.catalog.items() if v["kind"] == "service"][0]
        drg = [c for c, v in R.catalog.items() if v["kind"] != "service"][0]
        out_inst = (med_inst["outpatient"] or any_inst)[0]

        def enc(line, inst=None, date=None, extra=None):
            d = date or self.near_date()
            eid = self.uid("E", self.unit_ids)
            el = ['    <encounter id="%s" institution="%s" setting="outpatient" date="%s">'
                  % (eid, inst or rng.choice(med_inst["outpatient"] or any_inst), extra or d2s(d))]
            if line:
                lid = "X-%d" % rng.randint(100, 999)
                while lid in self.all_ids:
                    lid = "X-%d" % rng.randint(100, 999)
                self.all_ids.add(lid)
                el.append('      ' + line.replace("LID", lid).replace("AT", self.time_on(d)))
            el.append('    </encounter>')
            return el

        if kind == "OUT_OF_RADIUS" and hv_inst:
            return self.visit(R, rng.choice(hv_inst), False, beyond=True)
        if kind == "NO_POLICY":
            missing = [(s, i) for s in ("outpatient", "inpatient") for i in any_inst
                       if (scheme, s, R.inst[i]["level"], retired) not in R.policy]
            if missing:
                s, i = rng.choice(missing)
                if s == "inpatient":
                    return self.encounter(R, i, s, [], force_line=True)
                if R.inst[i]["hv"] is not None and rng.random() < 0.5:
                    return self.visit(R, i, True)
                return self.encounter(R, i, s, [], force_line=True)
        if kind == "STAY_OVERLAP" and ec_inst:
            inst = rng.choice(ec_inst)
            bed = [c for c in R.inst[inst]["prices"] if R.guidance[c]["kind"] == "bed"][0]
            if stays:
                # a same-day stay on the first day of an existing stay: shares that day only
                start = rng.choice([stays[0][4], stays[-1][4]])
                end = start
            else:
                start, end = self.pfrom, self.pfrom + DAY * 3
                sid = self.uid("S", self.unit_ids)
                stays.append([sid, inst, bed, None, start, end])
                other = '    <stay id="%s" institution="%s" bed="%s" from="%s" to="%s"/>' % (
                    sid, inst, bed, d2s(start), d2s(end))
                sid2 = self.uid("S", self.unit_ids)
                return [other, '    <stay id="%s" institution="%s" bed="%s" from="%s" to="%s"/>'
                        % (sid2, inst, bed, d2s(start + DAY), d2s(end + DAY))]
            sid = self.uid("S", self.unit_ids)
            return ['    <stay id="%s" institution="%s" bed="%s" from="%s" to="%s"/>'
                    % (sid, inst, bed, d2s(start), d2s(end))]
        if kind == "LINE_OUTSIDE_UNIT":
            r = rng.random()
            if sv_inst and r < 0.4:
                inst = rng.choice(sv_inst)
                item = [c for c in R.inst[inst]["prices"] if R.guidance[c]["kind"] == "service"][0]
                d = rng.choice([self.pfrom - DAY * rng.randint(1, 5), self.pto + DAY * rng.randint(0, 5)])
                return ['    <service id="%s" institution="%s" item="%s" qty="1" at="%s"/>'
                        % (self.uid("M", self.unit_ids), inst, item, self.time_on(d))]
            d = self.near_date()
            el = enc(None, date=d)
            lid = "X-OUT%d" % rng.randint(1, 99)
            el.insert(1, '      <line id="%s" item="%s" qty="1" at="%s"/>'
                      % (lid, svc, self.time_on(d + DAY * rng.choice([-1, 1, 3]))))
            return el
        if kind == "PRICE_MISMATCH":
            p = R.catalog[svc]["price"] + Decimal(rng.choice(["0.01", "1", "0.000001"]))
            return enc('<line id="LID" item="%s" qty="1" price="%s" at="AT"/>' % (svc, p))
        if kind == "MISSING_PRICE":
            return enc('<line id="LID" item="%s" qty="1" at="AT"/>' % drg)
        if kind == "UNKNOWN_INSTITUTION":
            return enc('<line id="LID" item="%s" qty="1" at="AT"/>' % svc, inst="H-NOWHERE")
        if kind == "UNKNOWN_ITEM":
            if rng.random() < 0.5:
                return enc('<line id="LID" item="NO-SUCH" qty="1" price="1.00" at="AT"/>')
            if sv_inst:
                return ['    <service id="%s" institution="%s" item="EC-NONE" qty="1" at="%s"/>'
                        % (self.uid("M", self.unit_ids), rng.choice(sv_inst), self.time_on(self.in_period()))]
        if kind == "WRONG_TRACK":
            ec_item = sorted(R.guidance)[0]
            r = rng.random()
            if r < 0.4:
                return enc('<line id="LID" item="%s" qty="1" price="1.00" at="AT"/>' % ec_item)
            if r < 0.7:
                cid = self.uid("CI-", set())
                return ['    <contract id="CI-W%s" type="commercial" payer="INS-A" from="%s">'
                        % (cid, d2s(self.pfrom)),
                        '      <cover item="%s" ratio="0.5" annual-cap="10.00"/>' % svc,
                        '    </contract>']
            if sv_inst:
                inst = rng.choice(sv_inst)
                bedlike = [c for c in R.inst[inst]["prices"] if R.guidance[c]["kind"] != "service"]
                if bedlike:
                    return ['    <service id="%s" institution="%s" item="%s" qty="1" at="%s"/>'
                            % (self.uid("M", self.unit_ids), inst, bedlike[0], self.time_on(self.in_period()))]
        if kind == "NOT_PRICED":
            no_hv = [i for i, v in R.inst.items() if v["hv"] is None]
            if no_hv and rng.random() < 0.5:
                return self.visit(R, rng.choice(no_hv), False, nohv=True)
            for inst in sorted(R.inst):
                miss = [c for c in R.guidance if R.guidance[c]["kind"] == "service"
                        and c not in R.inst[inst]["prices"]]
                if miss:
                    return ['    <service id="%s" institution="%s" item="%s" qty="1" at="%s"/>'
                            % (self.uid("M", self.unit_ids), inst, miss[0], self.time_on(self.in_period()))]
        if kind == "DUPLICATE_ID":
            if self.unit_ids and rng.random() < 0.7:
                eid = rng.choice(sorted(self.unit_ids))
                d = self.near_date()
                return ['    <encounter id="%s" institution="%s" setting="outpatient" date="%s"/>'
                        % (eid, out_inst, d2s(d))]
            return ['    <contract id="LTC-D" type="ltc" grade="1" from="%s"/>' % d2s(self.pfrom),
                    '    <contract id="LTC-D" type="ltc" grade="2" from="%s"/>' % d2s(self.pfrom)]
        if kind == "BAD_DATE":
            r = rng.random()
            if r < 0.3:
                return enc(None, extra=rng.choice(["2026-02-30", "2026-02-29", "2026-04-31", "2025-13-01"]))
            if r < 0.6:
                return ['    <contract id="%s" type="commercial" payer="INS-A" from="%s" to="%s"/>'
                        % (self.uid("CI-B", set()), d2s(self.pfrom), d2s(self.pfrom - DAY))]
            if ec_inst and r < 0.8:
                inst = rng.choice(ec_inst)
                bed = [c for c in R.inst[inst]["prices"] if R.guidance[c]["kind"] == "bed"][0]
                return ['    <stay id="%s" institution="%s" bed="%s" from="%s" to="%s"/>'
                        % (self.uid("S", self.unit_ids), inst, bed, d2s(self.pfrom + DAY * 5),
                           d2s(self.pfrom + DAY * 2))]
            eid = self.uid("E", self.unit_ids)
            return ['    <encounter id="%s" institution="%s" setting="inpatient" admit="2026-03-10" '
                    'discharge="2026-03-05"/>' % (eid, any_inst[0])]
        if kind == "BAD_DECIMAL":
            r = rng.random()
            if r < 0.5:
                return enc('<line id="LID" item="%s" qty="%s" at="AT"/>'
                           % (svc, rng.choice(["1.2345", ".5", "1e2", "-1", "1,5", " 1"])))
            if r < 0.8:
                return enc('<line id="LID" item="%s" qty="1" price="%s" at="AT"/>'
                           % (drg, rng.choice(["1.0000001", "-3", "1,50", "1.", "+2.00"])))
            return ['    <accumulators year="1999" outpatient-fund-paid="%s"/>' % rng.choice(["10.001", "1e1"])]
        # fallback: a zero quantity
        return enc('<line id="LID" item="%s" qty="%s" at="AT"/>' % (svc, rng.choice(["0", "0.000", "0.0"])))

    # ------------------------------------------------------------------ units
    def med_line(self, R, inst, d, lo=None, hi=None):
        rng = self.rng
        if self.line_ids and rng.random() < 0.08:
            # the same item and time as an earlier line ([DUP-1] SUSPECT_DUPLICATE)
            _, _, item, at = rng.choice(self.line_ids)
            t = ref.ptime(at).date()
            if (lo is not None and not (lo <= t <= hi)) or (lo is None and t != d):
                at = self.time_on(d)
            elif len(at) == 16 and rng.random() < 0.3:
                at = at + ":00"          # the same time, written with seconds
        else:
            item = rng.choice(sorted(R.catalog))
            at = self.time_on(d)
        ci = R.catalog[item]
        lid, reused = None, False
        if self.line_ids and rng.random() < 0.1:
            prev = rng.choice(self.line_ids)
            # never the same id at the same time (as times): [ORD-2] could not order them
            if all(ref.ptime(x[3]) != ref.ptime(at) for x in self.line_ids if x[1] == prev[1]):
                lid, reused = prev[1], True
        while lid is None or (lid in self.all_ids and not reused):
            lid = "%s%d-%d" % (rng.choice(["L", "L", "l", "Ł"]) if self.id_style else "L",
                               rng.randint(1, 9), rng.randint(1, 99))
        self.all_ids.add(lid)
        price = ""
        if ci["kind"] == "service":
            if rng.random() < 0.3:
                p = ci["price"]
                price = ' price="%s"' % rng.choice([str(p), format(p.quantize(Decimal("0.0001")), "f"),
                                                    format(p.normalize(), "f")])
        else:
            if ci["limit"] is not None and rng.random() < 0.8:
                lim = ci["limit"]
                p = lim * Decimal(rand_dec(rng, "0.7", "1.4", 2))
                p = p.quantize(Decimal(1).scaleb(-rng.choice([2, 2, 3, 4, 6])))
                if rng.random() < 0.25:
                    p = lim
                if rng.random() < 0.05:
                    p = lim + Decimal("0.000001")
                if p <= 0:
                    p = Decimal("0.01")
            else:
                p = Decimal(rand_dec(rng, "0.01", rng.choice(["5", "50", "300"]), rng.choice([2, 2, 4, 6])))
                if p == 0:
                    p = Decimal("0.5")
                if rng.random() < 0.02:
                    p = Decimal(rand_dec(rng, "10000", "999999", 6))
            price = ' price="%s"' % format(p, "f")
        self.line_ids.append((inst, lid, item, at))
        return '      <line id="%s" item="%s" qty="%s"%s at="%s"/>' % (lid, item, self.qty(), price, at)

    def encounter(self, R, inst, setting, stays, force_line=False):
        rng = self.rng
        eid = self.uid("E", self.unit_ids)
        if setting == "outpatient":
            d = self.near_date()
            el = ['    <encounter id="%s" institution="%s" setting="outpatient" date="%s">' % (eid, inst, d2s(d))]
            lo = hi = d
        else:
            if stays and rng.random() < 0.6:
                # in, around or at the edges of an elder-care stay ([DUP-3])
                s = rng.choice(stays)
                a = s[4] + dt.timedelta(days=rng.randint(-2, 10))
                if s[5] is not None and rng.random() < 0.3:
                    a = s[5] - DAY * rng.randint(0, 2)
            else:
                a = self.near_date()
            b = a + dt.timedelta(days=rng.choice([0, 0, 1, 2, 3, 5, 9, 40]))
            el = ['    <encounter id="%s" institution="%s" setting="inpatient" admit="%s" discharge="%s">'
                  % (eid, inst, d2s(a), d2s(b))]
            lo, hi = a, b
        n = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8]) if not force_line else 1
        for _ in range(n):
            d = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
            el.append(self.med_line(R, inst, d, lo, hi))
        el.append('    </encounter>')
        return el

    def visit(self, R, inst, with_lines, beyond=False, nohv=False):
        rng = self.rng
        vid = self.uid("V", self.unit_ids)
        d = self.near_date()
        at = self.time_on(d)
        radius = Decimal(10) if nohv else R.inst[inst]["hv"]["radius"]
        if beyond:
            dist = format(radius + Decimal(rand_dec(rng, "0.001", "3", 3)), "f")
        else:
            r = rng.random()
            if r < 0.1:
                dist = format(radius, "f")
            elif r < 0.3:
                dist = str(rng.randint(0, int(radius)))
            else:
                dist = rand_dec(rng, 0, radius, rng.choice([1, 2, 3]))
        attrs = ' distance-km="%s"' % dist
        if rng.random() < 0.6:
            attrs += ' staff="%d"' % rng.choice([1, 1, 2, 3, 7])
        if rng.random() < 0.6:
            attrs += ' surcharge="%s"' % rng.choice(["true", "false", "1", "0"])
        el = ['    <visit id="%s" institution="%s" at="%s"%s>' % (vid, inst, at, attrs)]
        if with_lines:
            for _ in range(rng.choice([1, 1, 2, 3])):
                el.append(self.med_line(R, inst, d))
        el.append('    </visit>')
        return el


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rules-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                        "..", "..", "rules"))
    ap.add_argument("--errors", type=float, default=0.06)
    a = ap.parse_args()
    g = Gen(a.rules_dir, a.errors)
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.start, a.start + a.n):
        rs, text = g.case(a.seed * 1000003 + i)
        with open(os.path.join(a.out, "case-%05d.xml" % i), "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
