#!/usr/bin/env python3
"""Independent reference model of the carebill pricing rules (shared/SPEC.md).

Written from SPEC.md and docs/claim-format.md only, without the engine's sources.
Standard library only: exact decimal arithmetic (ROUND_HALF_UP), xml.etree.ElementTree.

Usage:
  ref.py --rules RULES.xml CASE.xml                 print the model's claim facts (one per line)
  ref.py --rules RULES.xml CASE.xml --compare CLAIM.xml
                                                    compare with an engine claim document;
                                                    prints every difference, exit 1 if any
  ref.py --rules RULES.xml CASE.xml --engine CAREBILL
                                                    run `CAREBILL price` and compare

The model covers valid cases and a subset of input errors (those the generator produces and
that SPEC fixes unambiguously); see README.md.
"""
import re
import sys
import argparse
import datetime as dt
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from decimal import Decimal, ROUND_HALF_UP, getcontext

getcontext().prec = 80  # exact for every product we form (inputs have few digits)

D0 = Decimal(0)
CENT = Decimal("0.01")


def round2(x):
    """[NUM-2] round to 0.01, half up (all values are >= 0)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(s):
    return Decimal(s)


# ---------------------------------------------------------------- formatting [NUM-4]

def fmt_money(x):
    return str(x.quantize(CENT, rounding=ROUND_HALF_UP))


def fmt_qty(x):
    """quantities and distances: trailing zeros dropped."""
    s = format(x.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s if s else "0"


def fmt_price(x):
    """unit prices: at least 2, at most 6 fraction digits, trailing zeros beyond two dropped."""
    s = format(x.quantize(Decimal("0.000001")), "f")
    ip, fp = s.split(".")
    fp = fp.rstrip("0")
    if len(fp) < 2:
        fp = fp + "0" * (2 - len(fp))
    return ip + "." + fp


# ---------------------------------------------------------------- dates [NUM-5], [NUM-6]

_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TIME = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?$")


def pdate(s):
    """[NUM-5] YYYY-MM-DD, a real date; ValueError otherwise"""
    m = _DATE.match(s or "")
    if not m:
        raise ValueError(s)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def ptime(s):
    """[NUM-5] YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, local time; ValueError otherwise"""
    m = _TIME.match(s or "")
    if not m:
        raise ValueError(s)
    return dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                       int(m.group(5)), int(m.group(6) or 0))


ONE_DAY = dt.timedelta(days=1)
FAR = dt.date(9999, 12, 31)


def month_start(d):
    return d.replace(day=1)


def year_start(d):
    return d.replace(month=1, day=1)


def bkey(s):
    """bytewise order of ids."""
    return s.encode("utf-8")


def is_true(s):
    return s in ("true", "1")


# ---------------------------------------------------------------- [NUM-1]

_DEC = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_DIGITS = {"quantity": 3, "price": 6, "ratio": 4, "money": 2, "distance": 3, "count": 0}


def check_decimal(v, kind):
    """the value, or None if v is not a valid decimal of that kind ([NUM-1])"""
    if not _DEC.match(v):
        return None
    frac = len(v.split(".")[1]) if "." in v else 0
    if frac > _DIGITS[kind]:
        return None
    x = Decimal(v)
    if kind == "ratio" and x > 1:
        return None
    return x


# ---------------------------------------------------------------- rule set

class Rules:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.path = path
        self.id = root.get("id")
        self.effective_from = root.get("effective-from")
        self.catalog = {}
        for it in root.find("medical-catalog").findall("item"):
            self.catalog[it.get("code")] = dict(
                kind=it.get("kind"), cls=it.get("class"),
                price=dec(it.get("price")) if it.get("price") is not None else None,
                limit=dec(it.get("limit")) if it.get("limit") is not None else None,
                bratio=dec(it.get("b-ratio")) if it.get("b-ratio") is not None else None)
        self.policy = {}
        for r in root.find("medical-policy").findall("row"):
            key = (r.get("scheme"), r.get("setting"), r.get("level"), is_true(r.get("retired")))
            self.policy[key] = dict(ded=dec(r.get("deductible")), ratio=dec(r.get("ratio")),
                                    cap=dec(r.get("cap")), group=r.get("cap-group"),
                                    label="%s/%s/%s/%s" % (key[0], key[1], key[2],
                                                           "retired" if key[3] else "active"))
        self.guidance = {}
        for it in root.find("eldercare-guidance").findall("item"):
            self.guidance[it.get("code")] = dict(kind=it.get("kind"), ceiling=dec(it.get("ceiling")))
        l = root.find("ltc")
        self.ltc = None
        if l is not None:
            self.ltc = dict(payer=l.get("payer"), cap=dec(l.get("daily-cap")),
                            ratio=dec(l.get("ratio")), grades=set(l.get("grades").split()))
        self.inst = {}
        self.fee_items = {}
        for i in root.findall("institution"):
            hv = i.find("home-visit")
            h = None
            if hv is not None:
                h = dict(fee_item=hv.get("fee-item"), base=dec(hv.get("base")),
                         included=dec(hv.get("included-km")), per_km=dec(hv.get("per-km")),
                         radius=dec(hv.get("radius-km")), extra=dec(hv.get("extra-staff")),
                         surcharge=dec(hv.get("surcharge")))
                self.fee_items[h["fee_item"]] = i.get("id")
            self.inst[i.get("id")] = dict(
                level=i.get("level"), reserve=dec(i.get("bed-reserve-ratio")),
                prices={p.get("item"): dec(p.get("price")) for p in i.findall("eldercare-price")},
                hv=h)

    def item_track(self, code):
        if code in self.catalog:
            return "medical"
        if code in self.guidance:
            return "eldercare"
        if code in self.fee_items:
            return "fee"
        return None


# ---------------------------------------------------------------- case objects

class Contract:
    def __init__(self, e):
        self.id = e.get("id")
        self.type = e.get("type")
        self.frm = pdate(e.get("from"))
        self.to = pdate(e.get("to")) if e.get("to") is not None else None
        self.payer = e.get("payer")
        self.grade = e.get("grade")
        self.covers = []
        for c in e.findall("cover"):
            self.covers.append(dict(
                item=c.get("item"),
                quota=dec(c.get("quota")) if c.get("quota") is not None else None,
                window=c.get("window"),
                used=dec(c.get("used")) if c.get("used") is not None else None,
                ratio=dec(c.get("ratio")) if c.get("ratio") is not None else None,
                cap=dec(c.get("annual-cap")) if c.get("annual-cap") is not None else None,
                paid=dec(c.get("paid")) if c.get("paid") is not None else None))

    def active(self, d):
        """[NUM-6] contract [from, to)."""
        return self.frm <= d and (self.to is None or d < self.to)

    def cover(self, item):
        for c in self.covers:
            if c["item"] == item:
                return c
        return None

    def sortkey(self):
        return (self.frm, bkey(self.id))


class Finding:
    def __init__(self, code, ref):
        self.code = code
        self.ref = ref


# ---------------------------------------------------------------- the model

class PatientModel:
    """Prices one patient. Produces the normalised facts of the claim document."""

    def __init__(self, rules, period, pe, variant=frozenset()):
        self.variant = variant
        self.R = rules
        self.pfrom, self.pto = period
        self.pe = pe
        self.id = pe.get("id")
        self.scheme = pe.get("scheme")
        self.retired = is_true(pe.get("retired"))
        self.errors = []      # Finding
        self.findings = []    # pricing findings
        self.bills = []
        self.claim_items = []  # (payer, unit, amount)  in bill order

    # ------------------------------------------------------------ validation ([CASE-*])
    def validate(self):
        """[CASE-1]..[CASE-6], [NUM-1], [NUM-5], [RULE-2], [RULE-3], [HV-2], [HV-4]:
        every input error of the patient, each once."""
        R = self.R
        pe = self.pe
        err = lambda code, ref: self.errors.append(Finding(code, ref))

        def num(e, attr, kind, ref, default=None):
            v = e.get(attr)
            if v is None:
                return default
            x = check_decimal(v, kind)
            if x is None:
                err("BAD_DECIMAL", ref)
            return x

        def date(e, attr, ref, bad):
            v = e.get(attr)
            if v is None:
                return None
            try:
                return pdate(v)
            except ValueError:
                bad.add(ref)
                return None

        def time(e, attr, ref, bad):
            try:
                return ptime(e.get(attr))
            except ValueError:
                bad.add(ref)
                return None

        bad_dates = set()

        def bad_date(ref):
            if ref not in bad_dates:
                bad_dates.add(ref)
                err("BAD_DATE", ref)

        ids = Counter()
        for tag in ("encounter", "visit", "stay", "service"):
            for e in pe.findall(tag):
                ids[e.get("id")] += 1
        for k, n in ids.items():
            for _ in range(n - 1):
                err("DUPLICATE_ID", k)
        cids = Counter(c.get("id") for c in pe.findall("contract"))
        for k, n in cids.items():
            for _ in range(n - 1):
                err("DUPLICATE_ID", k)

        for a in pe.findall("accumulators"):
            for attr in ("outpatient-deductible-used", "outpatient-fund-paid", "inpatient-fund-paid"):
                num(a, attr, "money", "accumulators")

        def inst_ok(e):
            if e.get("institution") not in R.inst:
                err("UNKNOWN_INSTITUTION", e.get("id"))
                return False
            return True

        for c in pe.findall("contract"):
            cid = c.get("id")
            bd = set()
            f = date(c, "from", cid, bd)
            t = date(c, "to", cid, bd)
            if bd or (f is not None and t is not None and t < f):
                bad_date(cid)
            for cv in c.findall("cover"):
                tr = R.item_track(cv.get("item"))
                if tr is None:
                    err("UNKNOWN_ITEM", cid)
                elif c.get("type") == "commercial" and tr == "medical":
                    err("WRONG_TRACK", cid)
                if c.get("type") == "family-doctor":
                    num(cv, "quota", "count", cid)
                    num(cv, "used", "count", cid)
                else:
                    num(cv, "ratio", "ratio", cid)
                    num(cv, "annual-cap", "money", cid)
                    num(cv, "paid", "money", cid)

        def check_line(ln, lo, hi):
            lid = ln.get("id")
            item = ln.get("item")
            tr = R.item_track(item)
            price = num(ln, "price", "price", lid)
            qty = num(ln, "qty", "quantity", lid)
            if tr is None:
                err("UNKNOWN_ITEM", lid)
            elif tr != "medical":
                err("WRONG_TRACK", lid)
            else:
                ci = R.catalog[item]
                if ci["kind"] == "service":
                    if price is not None and price != ci["price"]:
                        err("PRICE_MISMATCH", lid)
                elif ln.get("price") is None:
                    err("MISSING_PRICE", lid)
            if qty is not None and qty <= 0:
                err("BAD_QTY", lid)
            bd = set()
            at = time(ln, "at", lid, bd)
            if bd:
                bad_date(lid)
            elif lo is not None and not (lo <= at.date() <= hi):
                err("LINE_OUTSIDE_UNIT", lid)

        for e in pe.findall("encounter"):
            eid = e.get("id")
            ok = inst_ok(e)
            bd = set()
            if e.get("setting") == "outpatient":
                lo = hi = date(e, "date", eid, bd)
            else:
                lo, hi = date(e, "admit", eid, bd), date(e, "discharge", eid, bd)
                if not bd and hi < lo:
                    bd.add(eid)
            if bd:
                bad_date(eid)
                lo = hi = None
            for ln in e.findall("line"):
                check_line(ln, lo, hi)
            if ok:
                lvl = R.inst[e.get("institution")]["level"]
                if (self.scheme, e.get("setting"), lvl, self.retired) not in R.policy:
                    err("NO_POLICY", eid)
        for v in pe.findall("visit"):
            vid = v.get("id")
            ok = inst_ok(v)
            bd = set()
            at = time(v, "at", vid, bd)
            if bd:
                bad_date(vid)
            d = at.date() if at else None
            dist = num(v, "distance-km", "distance", vid)
            staff = num(v, "staff", "count", vid)
            for ln in v.findall("line"):
                check_line(ln, d, d)
            if staff is not None and staff < 1:
                err("BAD_QTY", vid)
            if ok:
                inst = R.inst[v.get("institution")]
                if inst["hv"] is None:
                    err("NOT_PRICED", vid)
                elif dist is not None and dist > inst["hv"]["radius"]:
                    err("OUT_OF_RADIUS", vid)
                if v.findall("line"):
                    if (self.scheme, "outpatient", inst["level"], self.retired) not in R.policy:
                        err("NO_POLICY", vid)
        stays = []
        for s in pe.findall("stay"):
            sid = s.get("id")
            ok = inst_ok(s)
            for attr, kind in (("bed", "bed"), ("nursing", "nursing")):
                code = s.get(attr)
                if code is None:
                    continue
                tr = R.item_track(code)
                if tr is None:
                    err("UNKNOWN_ITEM", sid)
                elif tr != "eldercare" or R.guidance[code]["kind"] != kind:
                    err("WRONG_TRACK", sid)
                elif ok and code not in R.inst[s.get("institution")]["prices"]:
                    err("NOT_PRICED", sid)
            bd = set()
            f = date(s, "from", sid, bd)
            t = date(s, "to", sid, bd)
            if bd or (t is not None and t < f):
                bad_date(sid)
            else:
                last = (t - ONE_DAY) if (t is not None and t > f) else (f if t is not None else FAR)
                stays.append((f, last, sid))
        stays.sort()
        bad = set()
        for i in range(len(stays)):
            for j in range(i + 1, len(stays)):
                a, b = stays[i], stays[j]
                if b[0] <= a[1] and a[0] <= b[1]:
                    bad.add((a[2], b[2]))
        for a, b in sorted(bad):
            err("STAY_OVERLAP", b)
        for m in pe.findall("service"):
            mid = m.get("id")
            ok = inst_ok(m)
            code = m.get("item")
            tr = R.item_track(code)
            if tr is None:
                err("UNKNOWN_ITEM", mid)
            elif tr != "eldercare" or R.guidance[code]["kind"] != "service":
                err("WRONG_TRACK", mid)
            elif ok and code not in R.inst[m.get("institution")]["prices"]:
                err("NOT_PRICED", mid)
            qty = num(m, "qty", "quantity", mid)
            if qty is not None and qty <= 0:
                err("BAD_QTY", mid)
            bd = set()
            at = time(m, "at", mid, bd)
            if bd:
                bad_date(mid)
            elif not (self.pfrom <= at.date() < self.pto):
                err("LINE_OUTSIDE_UNIT", mid)
        return not self.errors

    # ------------------------------------------------------------ state
    def setup(self):
        pe = self.pe
        self.contracts = [Contract(c) for c in pe.findall("contract")]
        self.fd = sorted([c for c in self.contracts if c.type == "family-doctor"], key=Contract.sortkey)
        self.ltcs = sorted([c for c in self.contracts if c.type == "ltc"], key=Contract.sortkey)
        self.coms = sorted([c for c in self.contracts if c.type == "commercial"], key=Contract.sortkey)
        # accumulators [CASE-5]
        self.acc = {}
        self.acc_shown = set()
        for a in pe.findall("accumulators"):
            y = int(a.get("year"))
            self.acc[y] = {
                "odu": dec(a.get("outpatient-deductible-used") or "0"),
                "outpatient": dec(a.get("outpatient-fund-paid") or "0"),
                "inpatient": dec(a.get("inpatient-fund-paid") or "0")}
            self.acc_shown.add(y)
        # quotas [CASE-5]: `used` is for the window holding the period's first day
        self.quota_used = {}      # (contract, item, window-from) -> used
        self.quota_window = {}    # same key -> window name
        self.quota_shown = set()
        # Every cover is "given" (its `used` defaults to 0, [CASE-5]): each is shown in the
        # statement at the window holding the period's first day (a contract window: the
        # contract's own window, whatever its dates).
        # [CASE-5] "`used` ... is what was used in the window that holds the period's first day
        # (0 if absent); every other window starts at 0": a contract window holds the period's
        # first day only if the contract is active on it; otherwise `used` does not apply.
        for c in self.fd:
            for cv in c.covers:
                wf = c.frm if cv["window"] == "contract" else self.window_from(c, cv, self.pfrom)
                k = (c.id, cv["item"], wf)
                holds = cv["window"] != "contract" or c.active(self.pfrom)
                if "D1" in self.variant:      # the engine's reading (README: D1)
                    holds = True
                self.quota_used[k] = cv["used"] if (cv["used"] is not None and holds) else D0
                self.quota_window[k] = cv["window"]
                self.quota_shown.add(k)
        # commercial paid [CASE-5]
        self.com_paid = {}
        self.com_shown = set()
        for c in self.coms:
            for cv in c.covers:
                k = (c.id, cv["item"], self.pfrom.year)   # every cover is given ([CASE-5])
                self.com_paid[k] = cv["paid"] if cv["paid"] is not None else D0
                self.com_shown.add(k)
        self.seen_lines = set()      # (institution, line id)  [DUP-1]
        self.billed_med = []         # (item, at, id) of billed medical lines
        # medical days [DUP-3]
        self.medical_days = set()
        for e in pe.findall("encounter"):
            if e.get("setting") == "inpatient":
                a, d = pdate(e.get("admit")), pdate(e.get("discharge"))
                if a == d:
                    self.medical_days.add(a)
                x = a
                while x < d:
                    self.medical_days.add(x)
                    x += ONE_DAY

    def window_from(self, c, cv, d):
        w = cv["window"]
        if w == "contract":
            if not c.active(d):
                return None
            return c.frm
        if w == "year":
            return year_start(d)
        return month_start(d)

    def accum(self, y):
        if y not in self.acc:
            self.acc[y] = {"odu": D0, "outpatient": D0, "inpatient": D0}
        return self.acc[y]

    # ------------------------------------------------------------ [DUP-2] quota
    def covering(self, item, d):
        return [c for c in self.fd if c.active(d) and c.cover(item) is not None]

    def quota_left(self, c, item, d):
        cv = c.cover(item)
        wf = self.window_from(c, cv, d)
        k = (c.id, item, wf)
        left = cv["quota"] - self.quota_used.get(k, D0)
        return max(left, D0), k, cv["window"]

    def take_quota(self, item, d, qty):
        """Returns (contract, funded qty, covered?) ; funded qty may be < qty (split)."""
        cov = self.covering(item, d)
        if not cov:
            return None, D0, False
        for c in cov:
            left, k, w = self.quota_left(c, item, d)
            if left > 0:
                f = min(left, qty)
                self.quota_used[k] = self.quota_used.get(k, D0) + f
                self.quota_window[k] = w
                self.quota_shown.add(k)
                return c, f, True
        return None, D0, True

    # ------------------------------------------------------------ [EC-5] commercial
    def commercial_contract(self, item, d):
        for c in self.coms:
            if c.active(d) and c.cover(item) is not None:
                return c
        return None

    def commercial_share(self, c, item, d, base, ref):
        cv = c.cover(item)
        k = (c.id, item, d.year)
        paid = self.com_paid.get(k, D0)
        raw = round2(base * cv["ratio"])
        left = max(cv["cap"] - paid, D0)
        share = min(raw, left)
        if share < raw:
            self.findings.append(Finding("CAP_REACHED", ref))
        self.com_paid[k] = paid + share
        self.com_shown.add(k)
        return share

    # ------------------------------------------------------------ medical unit
    def med_line_parts(self, item, qty, price):
        ci = self.R.catalog[item]
        amount = round2(qty * price)
        ol = D0
        if ci["kind"] in ("drug", "consumable") and ci["limit"] is not None and ci["limit"] < price:
            ol = round2(qty * (price - ci["limit"]))
        base = amount - ol
        sf = sfirst = ins = D0
        if ci["cls"] == "C":
            sf = base
        elif ci["cls"] == "B":
            sfirst = round2(base * ci["bratio"])
            ins = base - sfirst
        else:
            ins = base
        return amount, ol, sf, sfirst, ins

    def price_med_lines(self, unit_id, inst_id, lines, out_lines, payers):
        """[ORD-2], [DUP-1], [DUP-2], [MED-1..3]. Returns charged parts list."""
        R = self.R
        charged = []
        keyed = sorted(lines, key=lambda ln: (ptime(ln.get("at")), bkey(ln.get("id"))))
        for ln in keyed:
            lid, item = ln.get("id"), ln.get("item")
            qty = dec(ln.get("qty"))
            at = ptime(ln.get("at"))
            ci = R.catalog[item]
            price = dec(ln.get("price")) if ln.get("price") is not None else ci["price"]
            if ci["kind"] == "service":
                price = ci["price"]
            if (inst_id, lid) in self.seen_lines:
                out_lines.append(dict(id=lid, item=item, qty=fmt_qty(qty), price=fmt_price(price),
                                      amount="0.00", patient="0.00", status="duplicate"))
                self.findings.append(Finding("DUPLICATE_LINE", lid))
                continue
            self.seen_lines.add((inst_id, lid))
            for (it2, at2, id2) in self.billed_med:
                if it2 == item and at2 == at and id2 != lid:
                    self.findings.append(Finding("SUSPECT_DUPLICATE", lid))
                    break
            self.billed_med.append((item, at, lid))
            c, f, covered = self.take_quota(item, at.date(), qty)
            parts = []
            if c is not None and f == qty:
                parts.append(("fund", lid, qty, c))
            elif c is not None:
                parts.append(("fund", lid + "#1", f, c))
                parts.append(("charge", lid + "#2", qty - f, None))
                self.findings.append(Finding("QUOTA_EXHAUSTED", lid))
            else:
                parts.append(("charge", lid, qty, None))
                if covered:
                    self.findings.append(Finding("QUOTA_EXHAUSTED", lid))
            for kind, pid, q, con in parts:
                if kind == "fund":
                    amt = round2(q * price)
                    out_lines.append(dict(id=pid, item=item, qty=fmt_qty(q), price=fmt_price(price),
                                          amount=fmt_money(amt), **{"funded-by": con.id},
                                          patient="0.00", status="funded"))
                    payers[con.payer] += amt
                else:
                    amount, ol, sf, sfirst, ins = self.med_line_parts(item, q, price)
                    out_lines.append({"id": pid, "item": item, "qty": fmt_qty(q),
                                      "price": fmt_price(price), "amount": fmt_money(amount),
                                      "over-limit": fmt_money(ol), "self-financed": fmt_money(sf),
                                      "self-first": fmt_money(sfirst), "in-scope": fmt_money(ins),
                                      "patient": fmt_money(ol + sf + sfirst), "status": "charged"})
                    charged.append((amount, ol, sf, sfirst, ins))
        return charged

    def settle(self, unit_id, setting, inst_id, sdate, charged, payers):
        """[MED-4]..[MED-8]"""
        R = self.R
        row = R.policy[(self.scheme, setting, R.inst[inst_id]["level"], self.retired)]
        acc = self.accum(sdate.year)
        self.acc_shown.add(sdate.year)
        S = sum((x[4] for x in charged), D0)
        if setting == "inpatient":
            ded_left = row["ded"]
        else:
            ded_left = max(row["ded"] - acc["odu"], D0)
        applied = min(S, ded_left)
        fund_raw = round2((S - applied) * row["ratio"])
        paid_before = acc[row["group"]]
        cap_left = max(row["cap"] - paid_before, D0)
        fund = min(fund_raw, cap_left)
        over_cap = fund_raw - fund
        copay = S - applied - fund
        patient = sum((x[1] + x[2] + x[3] for x in charged), D0) + applied + copay
        total = sum((x[0] for x in charged), D0)
        assert fund + patient == total
        if setting == "outpatient":
            acc["odu"] += applied
        acc[row["group"]] += fund
        if over_cap > 0:
            self.findings.append(Finding("CAP_REACHED", unit_id))
        if fund > 0:
            payers["medical-insurance"] += fund
        return {"policy": row["label"], "in-scope": fmt_money(S), "deductible": fmt_money(applied),
                "fund": fmt_money(fund), "over-cap": fmt_money(over_cap), "copay": fmt_money(copay),
                "patient": fmt_money(patient), "total": fmt_money(total),
                "deductible-left-before": fmt_money(ded_left),
                "deductible-left-after": fmt_money(ded_left - applied),
                "fund-paid-before": fmt_money(paid_before),
                "fund-paid-after": fmt_money(paid_before + fund)}, patient

    # ------------------------------------------------------------ units
    def do_encounter(self, e):
        inst = e.get("institution")
        setting = e.get("setting")
        sdate = pdate(e.get("date") if setting == "outpatient" else e.get("discharge"))
        payers = defaultdict(lambda: D0)
        lines = []
        charged = self.price_med_lines(e.get("id"), inst, e.findall("line"), lines, payers)
        st, pat = self.settle(e.get("id"), setting, inst, sdate, charged, payers)
        self.acct["medical"] += pat
        bill = dict(attrs={"track": "medical", "unit": e.get("id"), "setting": setting,
                           "institution": inst, "date": sdate.isoformat()},
                    lines=lines, settlement=st)
        self.emit(bill, payers)

    def fee_or_service_line(self, lid, item, qty, price, d, amount_of, payers, inst_id):
        """A charged-or-funded elder-care service or home-visit fee line ([DUP-2], [EC-5])."""
        out = []
        c, f, covered = self.take_quota(item, d, qty)
        parts = []
        if c is not None and f == qty:
            parts.append(("fund", lid, qty, c))
        elif c is not None:
            parts.append(("fund", lid + "#1", f, c))
            parts.append(("charge", lid + "#2", qty - f, None))
            self.findings.append(Finding("QUOTA_EXHAUSTED", lid))
        else:
            parts.append(("charge", lid, qty, None))
            if covered:
                self.findings.append(Finding("QUOTA_EXHAUSTED", lid))
        total_patient = D0
        for kind, pid, q, con in parts:
            amt = amount_of(q)
            if kind == "fund":
                out.append({"id": pid, "item": item, "qty": fmt_qty(q), "price": fmt_price(price),
                            "amount": fmt_money(amt), "funded-by": con.id, "patient": "0.00",
                            "status": "funded"})
                payers[con.payer] += amt
            else:
                com = D0
                cc = self.commercial_contract(item, d)
                if cc is not None:
                    com = self.commercial_share(cc, item, d, amt, pid)
                    payers[cc.payer] += com
                pat = amt - com
                total_patient += pat
                out.append({"id": pid, "item": item, "qty": fmt_qty(q), "price": fmt_price(price),
                            "amount": fmt_money(amt), "ltc": "0.00", "commercial": fmt_money(com),
                            "patient": fmt_money(pat), "status": "charged"})
        return out, total_patient

    def do_visit(self, v):
        R = self.R
        inst_id = v.get("institution")
        inst = R.inst[inst_id]
        hv = inst["hv"]
        d = ptime(v.get("at")).date()
        dist = dec(v.get("distance-km"))
        staff = dec(v.get("staff") or "1")
        sur = is_true(v.get("surcharge") or "false")
        raw = hv["base"] + hv["per_km"] * max(D0, dist - hv["included"]) + hv["extra"] * (staff - 1)
        fee = round2(raw * (1 + hv["surcharge"])) if sur else round2(raw)
        payers = defaultdict(lambda: D0)
        fee_lines, fee_pat = self.fee_or_service_line(v.get("id") + ":fee", hv["fee_item"], Decimal(1),
                                                      fee, d, lambda q: round2(q * fee), payers, inst_id)
        self.acct["home-visit"] += fee_pat
        lines = list(fee_lines)
        st = None
        mlines = v.findall("line")
        if mlines:
            charged = self.price_med_lines(v.get("id"), inst_id, mlines, lines, payers)
            st, pat = self.settle(v.get("id"), "outpatient", inst_id, d, charged, payers)
            self.acct["medical"] += pat
        bill = dict(attrs={"track": "home-visit", "unit": v.get("id"), "institution": inst_id,
                           "date": d.isoformat(), "distance-km": fmt_qty(dist),
                           "staff": fmt_qty(staff), "surcharge": "true" if sur else "false"},
                    lines=lines, settlement=st)
        self.emit(bill, payers)

    def do_service(self, m):
        R = self.R
        inst_id = m.get("institution")
        item = m.get("item")
        price = R.inst[inst_id]["prices"][item]
        qty = dec(m.get("qty"))
        d = ptime(m.get("at")).date()
        payers = defaultdict(lambda: D0)
        sid = m.get("id")
        if (inst_id, sid) in self.seen_lines:
            lines = [{"id": sid, "item": item, "qty": fmt_qty(qty), "price": fmt_price(price),
                      "amount": "0.00", "patient": "0.00", "status": "duplicate"}]
            self.findings.append(Finding("DUPLICATE_LINE", sid))
        else:
            self.seen_lines.add((inst_id, sid))
            lines, pat = self.fee_or_service_line(sid, item, qty, price, d,
                                                  lambda q: round2(q * price), payers, inst_id)
            self.acct["eldercare"] += pat
        bill = dict(attrs={"track": "eldercare", "unit": sid, "institution": inst_id,
                           "date": d.isoformat()}, lines=lines, settlement=None)
        self.emit(bill, payers)

    def stay_days(self, s):
        f = pdate(s.get("from"))
        t = pdate(s.get("to")) if s.get("to") is not None else None
        if t is not None and t == f:
            t = f + ONE_DAY                      # [NUM-6] same-day stay counts one day
        lo = max(f, self.pfrom)
        hi = self.pto if t is None else min(t, self.pto)
        return lo, hi

    def do_stay(self, s):
        R = self.R
        inst_id = s.get("institution")
        inst = R.inst[inst_id]
        lo, hi = self.stay_days(s)
        payers = defaultdict(lambda: D0)
        runs = []   # dicts
        for kind in ("bed", "nursing"):
            item = s.get(kind)
            if item is None:
                continue
            price = inst["prices"][item]
            cur = None
            d = lo
            while d < hi:
                med = d in self.medical_days
                exhausted = False
                if kind == "nursing" and med:
                    cc = self.commercial_contract(item, d)
                    key = ("med", cc.id if cc else None)
                    fund_c = None
                else:
                    fund_c, fq, covered = self.take_quota(item, d, Decimal(1))
                    if fund_c is not None:
                        key = ("fund", fund_c.id)
                    else:
                        exhausted = covered
                        lc = None
                        if kind == "nursing" and R.ltc is not None:
                            for c in self.ltcs:
                                if c.active(d) and c.grade in R.ltc["grades"]:
                                    lc = c
                                    break
                        cc = self.commercial_contract(item, d)
                        key = ("charge", lc.id if lc else None, cc.id if cc else None)
                if (cur is not None and cur["key"] == key and cur["med"] == med
                        and cur["to"] == d and d.day != 1):
                    cur["to"] = d + ONE_DAY
                    cur["qty"] += 1
                    cur["exhausted"] = cur["exhausted"] or exhausted
                else:
                    cur = dict(kind=kind, item=item, price=price, frm=d, to=d + ONE_DAY, qty=1,
                               med=med, key=key, exhausted=exhausted,
                               fund_c=fund_c)
                    runs.append(cur)
                d += ONE_DAY
        runs.sort(key=lambda r: (r["frm"], 0 if r["kind"] == "bed" else 1))
        # price runs in [ORD-1] order (by day)
        lines = []
        for r in runs:
            rid = "%s:%s:%s" % (s.get("id"), r["item"], r["frm"].isoformat())
            q = Decimal(r["qty"])
            price = r["price"]
            base = {"id": rid, "item": r["item"], "from": r["frm"].isoformat(),
                    "to": r["to"].isoformat(), "qty": fmt_qty(q), "price": fmt_price(price)}
            if r["kind"] == "nursing" and r["med"]:
                self.findings.append(Finding("MEDICAL_OVERLAP", rid))
                base.update({"amount": "0.00", "ltc": "0.00", "commercial": "0.00",
                             "patient": "0.00", "status": "charged", "_noprice": True})
                lines.append(base)
                continue
            if r["kind"] == "bed" and r["med"]:
                amount = round2(q * price * inst["reserve"])
            else:
                amount = round2(q * price)
            if r["key"][0] == "fund":
                con = r["fund_c"]
                base.update({"amount": fmt_money(amount), "funded-by": con.id, "patient": "0.00",
                             "status": "funded"})
                payers[con.payer] += amount
                lines.append(base)
                continue
            _, lc_id, cc_id = r["key"]
            ltc = D0
            if lc_id is not None:
                ltc = round2(q * min(R.ltc["cap"], price) * R.ltc["ratio"])
                payers[R.ltc["payer"]] += ltc
            com = D0
            if cc_id is not None:
                cc = [c for c in self.coms if c.id == cc_id][0]
                com = self.commercial_share(cc, r["item"], r["frm"], amount - ltc, rid)
                payers[cc.payer] += com
            if r["exhausted"]:
                self.findings.append(Finding("QUOTA_EXHAUSTED", rid))
            pat = amount - ltc - com
            self.acct["eldercare"] += pat
            base.update({"amount": fmt_money(amount), "ltc": fmt_money(ltc),
                         "commercial": fmt_money(com), "patient": fmt_money(pat),
                         "status": "charged"})
            lines.append(base)
        bill = dict(attrs={"track": "eldercare", "unit": s.get("id"), "institution": inst_id,
                           "from": lo.isoformat(), "to": hi.isoformat()},
                    lines=lines, settlement=None)
        self.emit(bill, payers)

    def emit(self, bill, payers):
        self.bills.append(bill)
        for p, a in payers.items():
            if a > 0:
                self.claim_items.append((p, bill["attrs"]["unit"], a))

    # ------------------------------------------------------------ the run
    def run(self):
        if not self.validate():
            return
        self.setup()
        self.acct = {"medical": D0, "home-visit": D0, "eldercare": D0}
        units = []
        pe = self.pe
        for e in pe.findall("encounter"):
            k = pdate(e.get("date") if e.get("setting") == "outpatient" else e.get("discharge"))
            units.append((k, 0, bkey(e.get("id")), "enc", e))
        for v in pe.findall("visit"):
            units.append((ptime(v.get("at")).date(), 1, bkey(v.get("id")), "visit", v))
        for s in pe.findall("stay"):
            lo, hi = self.stay_days(s)
            if lo < hi:
                units.append((lo, 2, bkey(s.get("id")), "stay", s))
        for m in pe.findall("service"):
            units.append((ptime(m.get("at")).date(), 2, bkey(m.get("id")), "service", m))
        units.sort(key=lambda u: u[:3])
        for u in units:
            getattr(self, "do_" + {"enc": "encounter", "visit": "visit", "stay": "stay",
                                   "service": "service"}[u[3]])(u[4])

    # ------------------------------------------------------------ facts
    def facts(self):
        if self.errors:
            # claim-format "Findings": a patient's input errors sorted by ref, then code
            order = sorted(((f.code, f.ref) for f in self.errors), key=lambda x: (bkey(x[1]), x[0]))
            return dict(status="held", bills=[], statement=None, finding_order=order,
                        findings=Counter((f.code, f.ref) for f in self.errors))
        st = {"medical": fmt_money(self.acct["medical"]),
              "home-visit": fmt_money(self.acct["home-visit"]),
              "eldercare": fmt_money(self.acct["eldercare"]),
              "total": fmt_money(sum(self.acct.values(), D0))}
        accs = {}
        for y in sorted(self.acc_shown):
            a = self.acc[y]
            accs[str(y)] = {"outpatient-deductible-used": fmt_money(a["odu"]),
                            "outpatient-fund-paid": fmt_money(a["outpatient"]),
                            "inpatient-fund-paid": fmt_money(a["inpatient"])}
        quotas = {}
        for k in self.quota_shown:
            quotas[(k[0], k[1], k[2].isoformat())] = {"window": self.quota_window[k],
                                                      "used": fmt_qty(self.quota_used[k])}
        coms = {}
        for k in self.com_shown:
            coms[(k[0], k[1], str(k[2]))] = fmt_money(self.com_paid[k])
        return dict(status="billed", bills=self.bills, statement=st, accumulators=accs,
                    quotas=quotas, commercial=coms,
                    findings=Counter((f.code, f.ref) for f in self.findings))


# Known engine discrepancies (README.md): a variant of the model that reproduces the engine's
# reading, used only to attribute failures to a known cause in the batch summary.
KNOWN = {
    "D1": "[CASE-5] `used` of a contract-window cover applied although the contract window "
          "does not hold the period's first day",
}


def model(rules, case_path, variant=frozenset()):
    R = Rules(rules) if isinstance(rules, str) else rules
    root = ET.parse(case_path).getroot()
    per = root.find("period")
    period = (pdate(per.get("from")), pdate(per.get("to")))
    patients = {}
    claims = defaultdict(list)
    for pe in sorted(root.findall("patient"), key=lambda p: bkey(p.get("id"))):
        pm = PatientModel(R, period, pe, variant)
        pm.run()
        patients[pm.id] = pm.facts()
        if not pm.errors:
            for payer, unit, amt in pm.claim_items:
                claims[payer].append((pm.id, unit, fmt_money(amt)))
    import hashlib
    import os
    rpath = R.path
    root_attrs = {"case": os.path.basename(case_path),
                  "case-sha256": hashlib.sha256(open(case_path, "rb").read()).hexdigest(),
                  "ruleset": R.id, "ruleset-from": R.effective_from,
                  "ruleset-sha256": hashlib.sha256(open(rpath, "rb").read()).hexdigest()}
    cl = {}
    for payer, items in claims.items():
        tot = sum((Decimal(a) for _, _, a in items), D0)
        cl[payer] = dict(total=fmt_money(tot), items=items)
    order = (["medical-insurance"] if "medical-insurance" in cl else []) + \
        sorted([p for p in cl if p != "medical-insurance"], key=bkey)
    return dict(patients=patients, claims=cl, claim_order=order, root=root_attrs)


# ---------------------------------------------------------------- engine claim document

def read_claim(path):
    root = ET.parse(path).getroot()
    patients = {}
    for pe in root.findall("patient"):
        pid = pe.get("id")
        bills = []
        for b in pe.findall("bill"):
            lines = [dict(l.attrib) for l in b.findall("line")]
            for l in lines:
                l.pop("rule", None)
            s = b.find("settlement")
            st = None
            if s is not None:
                st = dict(s.attrib)
                st.pop("rule", None)
            bills.append(dict(attrs=dict(b.attrib), lines=lines, settlement=st))
        stm = pe.find("statement")
        f = dict(status=pe.get("status"), bills=bills, statement=None, accumulators={},
                 quotas={}, commercial={}, findings=Counter())
        if stm is not None:
            a = dict(stm.attrib)
            a.pop("rule", None)
            f["statement"] = a
            for x in stm.findall("accumulators"):
                d = dict(x.attrib)
                y = d.pop("year")
                f["accumulators"][y] = d
            for x in stm.findall("quota"):
                f["quotas"][(x.get("contract"), x.get("item"), x.get("window-from"))] = {
                    "window": x.get("window"), "used": x.get("used")}
            for x in stm.findall("commercial"):
                f["commercial"][(x.get("contract"), x.get("item"), x.get("year"))] = x.get("paid")
            # claim-format "Statement": accumulators ascending by year; quotas by contract,
            # item, window-from; commercial covers by contract, item, year
            f["statement_order"] = (
                [x.get("year") for x in stm.findall("accumulators")],
                [(x.get("contract"), x.get("item"), x.get("window-from")) for x in stm.findall("quota")],
                [(x.get("contract"), x.get("item"), x.get("year")) for x in stm.findall("commercial")])
        patients[pid] = f
    fi = root.find("findings")
    if fi is not None:
        for x in fi.findall("finding"):
            p = x.get("patient")
            if p in patients:
                patients[p]["findings"][(x.get("code"), x.get("ref"))] += 1
                patients[p].setdefault("finding_order", []).append((x.get("code"), x.get("ref")))
            else:
                patients.setdefault("<doc>", dict(status="doc", bills=[], findings=Counter()))
                patients["<doc>"]["findings"][(x.get("code"), x.get("ref"))] += 1
    claims = {}
    order = []
    for c in root.findall("claim"):
        order.append(c.get("payer"))
        claims[c.get("payer")] = dict(total=c.get("total"), items=[
            (i.get("patient"), i.get("unit"), i.get("amount")) for i in c.findall("item")])
    return dict(patients=patients, claims=claims, claim_order=order, root=dict(root.attrib))


# ---------------------------------------------------------------- comparison

def refs_differ(fa, fb):
    """finding refs, except where SPEC leaves the ref open (STAY_OVERLAP names either stay)."""
    def strip(c):
        out = Counter()
        for (code, ref), n in c.items():
            out[(code, ref if code != "STAY_OVERLAP" else "*")] += n
        return out
    return strip(fa) != strip(fb)


def compare(m, e, strict_refs=True):
    """Returns a list of (class, message). class names a discrepancy kind for the summary."""
    out = []

    def diff(cls, msg):
        out.append((cls, msg))

    for k, v in m["root"].items():
        if e["root"].get(k) != v:
            diff("root." + k, "claims/@%s: engine %s model %s" % (k, e["root"].get(k), v))
    mp, ep = m["patients"], e["patients"]
    if "<doc>" in ep:
        diff("document-finding", "engine document-level findings: %s" % dict(ep["<doc>"]["findings"]))
    for pid in sorted(set(mp) | set(ep) - {"<doc>"}, key=bkey):
        if pid not in ep:
            diff("patient-missing", "patient %s missing in engine output" % pid)
            continue
        if pid not in mp:
            diff("patient-extra", "patient %s only in engine output" % pid)
            continue
        a, b = mp[pid], ep[pid]
        if a["status"] != b["status"]:
            diff("patient-status", "patient %s status: engine %s model %s (engine findings %s, model %s)"
                 % (pid, b["status"], a["status"], sorted(b["findings"].elements()),
                    sorted(a["findings"].elements())))
            continue
        # findings: codes as a multiset, then refs
        ca = Counter(code for (code, ref) in a["findings"].elements())
        cb = Counter(code for (code, ref) in b["findings"].elements())
        if ca != cb:
            diff("findings:" + ",".join(sorted(set((ca - cb) | (cb - ca)))),
                 "patient %s findings: engine-only %s model-only %s"
                 % (pid, sorted((cb - ca).elements()), sorted((ca - cb).elements())))
        elif strict_refs and refs_differ(a["findings"], b["findings"]):
            diff("finding-refs", "patient %s finding refs: engine-only %s model-only %s"
                 % (pid, sorted((b["findings"] - a["findings"]).elements()),
                    sorted((a["findings"] - b["findings"]).elements())))
        if a["status"] == "held":
            oa, ob = a.get("finding_order", []), b.get("finding_order", [])
            if not refs_differ(a["findings"], b["findings"]) and oa != ob and \
                    "STAY_OVERLAP" not in (c for c, _ in oa):
                diff("finding-order", "patient %s input errors order: engine %s model %s" % (pid, ob, oa))
            continue
        ua = [x["attrs"]["unit"] for x in a["bills"]]
        ub = [x["attrs"]["unit"] for x in b["bills"]]
        if ua != ub:
            if sorted(ua) != sorted(ub):
                diff("bill-set", "patient %s bills: engine %s model %s" % (pid, ub, ua))
            else:
                diff("bill-order", "patient %s bill order: engine %s model %s" % (pid, ub, ua))
        bmap = {x["attrs"]["unit"]: x for x in b["bills"]}
        for ba in a["bills"]:
            u = ba["attrs"]["unit"]
            if u not in bmap:
                continue
            bb = bmap[u]
            for k in sorted(set(ba["attrs"]) | set(bb["attrs"])):
                if ba["attrs"].get(k) != bb["attrs"].get(k):
                    diff("bill." + k, "patient %s bill %s %s: engine %s model %s"
                         % (pid, u, k, bb["attrs"].get(k), ba["attrs"].get(k)))
            la = [l["id"] for l in ba["lines"]]
            lb = [l["id"] for l in bb["lines"]]
            if la != lb:
                diff("line-ids", "patient %s bill %s lines: engine %s model %s" % (pid, u, lb, la))
            lm = {}
            for l in bb["lines"]:
                lm.setdefault(l["id"], []).append(l)
            seen = Counter()
            for l in ba["lines"]:
                lid = l["id"]
                cands = lm.get(lid, [])
                if seen[lid] >= len(cands):
                    continue
                lb_ = cands[seen[lid]]
                seen[lid] += 1
                for k in sorted((set(l) | set(lb_)) - {"_noprice"}):
                    if k == "price" and l.get("_noprice"):
                        continue
                    if l.get(k) != lb_.get(k):
                        diff("line." + k, "patient %s bill %s line %s %s: engine %s model %s"
                             % (pid, u, lid, k, lb_.get(k), l.get(k)))
            sa, sb = ba["settlement"], bb["settlement"]
            if (sa is None) != (sb is None):
                diff("settlement-presence", "patient %s bill %s settlement: engine %s model %s"
                     % (pid, u, sb is not None, sa is not None))
            elif sa is not None:
                for k in sorted(set(sa) | set(sb)):
                    if sa.get(k) != sb.get(k):
                        diff("settlement." + k, "patient %s bill %s settlement %s: engine %s model %s"
                             % (pid, u, k, sb.get(k), sa.get(k)))
        sa, sb = a["statement"], b["statement"]
        if sb is None:
            diff("statement-missing", "patient %s: engine has no statement" % pid)
            continue
        for k in sorted(set(sa) | set(sb)):
            if sa.get(k) != sb.get(k):
                diff("statement." + k, "patient %s statement %s: engine %s model %s"
                     % (pid, k, sb.get(k), sa.get(k)))
        so = b.get("statement_order")
        if so:
            bk = lambda t: tuple(bkey(x) for x in t)
            if so[0] != sorted(so[0]) or so[1] != sorted(so[1], key=bk) or so[2] != sorted(so[2], key=bk):
                diff("statement-order", "patient %s statement children out of order: %s" % (pid, so))
        for part in ("accumulators", "quotas", "commercial"):
            xa, xb = a[part], b[part]
            for k in sorted(set(xa) | set(xb), key=str):
                if xa.get(k) != xb.get(k):
                    diff("statement-" + part, "patient %s %s %s: engine %s model %s"
                         % (pid, part, k, xb.get(k), xa.get(k)))
    # claims
    if m["claim_order"] != e["claim_order"]:
        if sorted(m["claim_order"]) != sorted(e["claim_order"]):
            diff("claim-payers", "claim payers: engine %s model %s" % (e["claim_order"], m["claim_order"]))
        else:
            diff("claim-order", "claim order: engine %s model %s" % (e["claim_order"], m["claim_order"]))
    for p in sorted(set(m["claims"]) & set(e["claims"]), key=bkey):
        ca, cb = m["claims"][p], e["claims"][p]
        if ca["total"] != cb["total"]:
            diff("claim.total", "claim %s total: engine %s model %s" % (p, cb["total"], ca["total"]))
        if ca["items"] != cb["items"]:
            if sorted(ca["items"]) == sorted(cb["items"]):
                diff("claim.item-order", "claim %s item order: engine %s model %s" % (p, cb["items"], ca["items"]))
            else:
                diff("claim.items", "claim %s items: engine-only %s model-only %s"
                     % (p, sorted(set(cb["items"]) - set(ca["items"])),
                        sorted(set(ca["items"]) - set(cb["items"]))))
    return out


# ---------------------------------------------------------------- printing

def dump(m):
    for pid, p in m["patients"].items():
        print("patient %s %s" % (pid, p["status"]))
        for b in p["bills"]:
            print("  bill " + " ".join("%s=%s" % kv for kv in b["attrs"].items()))
            for l in b["lines"]:
                print("    line " + " ".join("%s=%s" % kv for kv in l.items() if not kv[0].startswith("_")))
            if b["settlement"]:
                print("    settlement " + " ".join("%s=%s" % kv for kv in b["settlement"].items()))
        if p["statement"]:
            print("  statement " + " ".join("%s=%s" % kv for kv in p["statement"].items()))
            for y, a in p["accumulators"].items():
                print("    accumulators year=%s %s" % (y, " ".join("%s=%s" % kv for kv in a.items())))
            for k in sorted(p["quotas"]):
                print("    quota %s %s" % (k, p["quotas"][k]))
            for k in sorted(p["commercial"]):
                print("    commercial %s paid=%s" % (k, p["commercial"][k]))
        for (code, ref), n in sorted(p["findings"].items()):
            print("  finding %s ref=%s x%d" % (code, ref, n))
    for payer in m["claim_order"]:
        c = m["claims"][payer]
        print("claim %s total=%s %s" % (payer, c["total"], c["items"]))


def run_batch(case_dir, engine, rules_dir, out_dir, jobs, strict_refs):
    """Price every case of case_dir with the engine, compare with the model, summarise."""
    import os
    import glob
    from concurrent.futures import ThreadPoolExecutor
    cases = sorted(glob.glob(os.path.join(case_dir, "*.xml")))
    os.makedirs(out_dir, exist_ok=True)
    rules_cache = {}

    def rules_for(case):
        rs = ET.parse(case).getroot().get("ruleset")
        path = os.path.join(rules_dir, rs + ".xml")
        if path not in rules_cache:
            rules_cache[path] = Rules(path)
        return path, rules_cache[path]

    for c in cases:          # load the rule sets once, before the threads
        rules_for(c)

    def one(case):
        path, R = rules_for(case)
        claim = os.path.join(out_dir, os.path.basename(case))
        r = subprocess.run([engine, "price", "--rules", path, case, "-o", claim],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode not in (0, 1):
            return case, [("engine-exit", "exit %d: %s" % (r.returncode, r.stderr.decode()[:300]))]
        try:
            m = model(R, case)
        except Exception as ex:  # a model crash is a failure too, never hidden
            import traceback
            return case, [("model-crash", traceback.format_exc().splitlines()[-1])]
        e = read_claim(claim)
        d = compare(m, e, strict_refs=strict_refs)
        if d:
            # attribute to a known discrepancy when the engine's reading explains all of it
            for k in KNOWN:
                if not compare(model(R, case, frozenset([k])), e, strict_refs=strict_refs):
                    return case, [("known " + k, "%d difference(s), all explained by %s: %s"
                                   % (len(d), k, KNOWN[k]))] + d
        return case, d

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        results = list(ex.map(one, cases))
    passed = failed = 0
    known = Counter()
    classes = defaultdict(list)
    with open(os.path.join(out_dir, "report.txt"), "w") as rep:
        for case, d in results:
            if d:
                failed += 1
                if d[0][0].startswith("known "):
                    known[d[0][0][6:]] += 1
                rep.write("=== %s\n" % case)
                for cls, msg in d:
                    rep.write("%s: %s\n" % (cls, msg))
                    classes[cls].append((case, msg))
            else:
                passed += 1
    for cls in sorted(classes):
        ex_case, ex_msg = classes[cls][0]
        print("  %-40s %5d  e.g. %s: %s" % (cls, len(classes[cls]), os.path.basename(ex_case), ex_msg[:200]))
    for k in sorted(known):
        print("  failed cases explained by known engine discrepancy %s: %d (%s)" % (k, known[k], KNOWN[k]))
    print("  failed cases not explained by a known discrepancy: %d" % (failed - sum(known.values())))
    print("reference: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "batch":
        ap = argparse.ArgumentParser(prog="ref.py batch")
        ap.add_argument("cases")
        ap.add_argument("--engine", required=True)
        ap.add_argument("--rules-dir", required=True)
        ap.add_argument("--out", required=True)
        ap.add_argument("--jobs", type=int, default=2)
        ap.add_argument("--no-refs", action="store_true")
        a = ap.parse_args(sys.argv[2:])
        return run_batch(a.cases, a.engine, a.rules_dir, a.out, a.jobs, not a.no_refs)
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", required=True)
    ap.add_argument("case")
    ap.add_argument("--compare")
    ap.add_argument("--engine")
    ap.add_argument("--no-refs", action="store_true", help="compare finding codes only")
    a = ap.parse_args()
    m = model(a.rules, a.case)
    if a.engine:
        import tempfile, os
        fd, tmp = tempfile.mkstemp(suffix=".xml")
        os.close(fd)
        r = subprocess.run([a.engine, "price", "--rules", a.rules, a.case, "-o", tmp],
                           stderr=subprocess.PIPE)
        if r.returncode not in (0, 1):
            print("engine failed (%d): %s" % (r.returncode, r.stderr.decode()))
            return 2
        a.compare = tmp
    if a.compare:
        e = read_claim(a.compare)
        d = compare(m, e, strict_refs=not a.no_refs)
        for cls, msg in d:
            print("%s: %s" % (cls, msg))
        return 1 if d else 0
    dump(m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
