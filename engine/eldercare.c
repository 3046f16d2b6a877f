/*
 * eldercare.c — the elder-care track (SPEC §6, [EC-1]..[EC-6], [DUP-3]), accounted
 * separately from medical care ([EC-1], [ACC-1]): nothing here reaches the medical-insurance
 * claim.
 *
 * A stay bills each day of [max(from, period from), min(to, period to)) ([EC-2], [NUM-6]): a
 * bed day and, when the stay has nursing, a nursing day. Days are grouped into runs
 * ([EC-3]): maximal sequences of consecutive days with the same item, the same medical-day
 * flag ([DUP-3]) and the same paying contracts, ending at each month end. Each run is a line
 * `STAY:ITEM:FROM`. Per-use services ([EC-6]) are units and bills of their own.
 */
#include <string.h>

#include "contracts.h"
#include "price.h"

/* [DUP-3] admit ≤ day < discharge, or the admit day of a same-day inpatient stay */
static int medical_day(const pstate *ps, int32_t day)
{
	const cb_ptrvec *units = &ps->pt->units;
	for (size_t i = 0; i < units->n; i++) {
		const cs_unit *u = units->v[i];
		if (u->type != CS_ENCOUNTER || u->setting != CB_SETTING_INPATIENT)
			continue;
		if (day >= u->admit && (day < u->discharge ||
					(u->admit == u->discharge && day == u->admit)))
			return 1;
	}
	return 0;
}

/* What decides a day's run ([EC-3]). */
typedef struct day_key {
	int medical;
	const cs_contract *funded_by, *ltc, *commercial;
	const cs_cover *cover;
	int exhausted;
} day_key;

static int same_run(const day_key *a, const day_key *b)
{
	return a->medical == b->medical && a->funded_by == b->funded_by && a->ltc == b->ltc &&
	       a->commercial == b->commercial;
}

/* Classify one day of `item`, consuming one unit of quota when a contract funds it. */
static void classify(pstate *ps, const char *item, int nursing, int32_t day, day_key *k)
{
	memset(k, 0, sizeof *k);
	k->medical = medical_day(ps, day);
	if (nursing && k->medical) {
		/* no nursing on a medical day: no quota is used and neither LTC nor a commercial
		 * insurer pays, but the commercial contract that covers the item that day still
		 * bounds the run ([EC-3]: "even if its cap is used up") */
		k->commercial = cb_contracts__commercial(ps, item, day, &k->cover);
		return;
	}
	cb_dec one;
	cb_dec_init(&one);
	cb_dec_set_ui(&one, 1);
	cb_contract_use use;
	if (cb_contracts__fund(ps, item, day, &one, NULL, 0, &use) == 0) {
		k->funded_by = use.by;
		k->exhausted = use.exhausted;
	}
	cb_dec_clear(&one);
	if (k->funded_by)
		return;
	if (nursing)
		k->ltc = cb_contracts__ltc(ps, day);
	k->commercial = cb_contracts__commercial(ps, item, day, &k->cover);
}

static cb_line *run_line(pstate *ps, rbill *b, const cs_unit *u, const char *item,
			 int32_t from, int32_t to, const cb_dec *qty, const cb_dec *price)
{
	cb_line *l = cb_price__line(ps, b);
	if (!l)
		return NULL;
	l->from = cb_price__day(ps, from);
	l->to = cb_price__day(ps, to);
	if (!l->from || !l->to)
		return l;
	l->id = cb_price__track(ps, cb_arena_printf(ps->ra, "%s:%s:%s", u->id, item, l->from));
	l->item = cb_price__track(ps, cb_arena_strdup(ps->ra, item));
	l->qty = cb_price__fmt(ps, qty, CB_DEC_QTY);
	l->price = cb_price__fmt(ps, price, CB_DEC_PRICE);
	return l;
}

/* [EC-4] ltc = round2(qty × min(daily-cap, price) × ratio) */
static void ltc_share(pstate *ps, const cb_dec *qty, const cb_dec *price, cb_dec *ltc)
{
	cb_dec t;
	cb_dec_init(&t);
	cb_dec_min(&t, ps->rs->ltc->daily_cap, price);
	cb_dec_mul(&t, &t, qty);
	cb_dec_mul_round2(ltc, &t, ps->rs->ltc->ratio);
	if (ps->trace) {
		cb_dec e;
		cb_dec_init(&e);
		cb_dec_mul(&e, &t, ps->rs->ltc->ratio);
		CB_STEP(ps, "EC-4", "ltc", &e, ltc, "round2(days × min(daily cap, price) × "
			"ratio) = round2(%s × min(%s, %s) × %s)", cb_price__x(ps, qty),
			cb_price__x(ps, ps->rs->ltc->daily_cap), cb_price__x(ps, price),
			cb_price__x(ps, ps->rs->ltc->ratio));
		cb_dec_clear(&e);
	}
	cb_dec_clear(&t);
}

/* Shares of a charged elder-care line: ltc, commercial ([EC-5]) and the patient's rest. */
static void charge(pstate *ps, cb_line *l, const cs_unit *u, const cb_dec *amount,
		   const cb_dec *ltc, const day_key *k, int32_t day)
{
	cb_dec com, patient;
	cb_dec_init(&com), cb_dec_init(&patient);
	cb_dec_sub(&patient, amount, ltc);
	if (k->commercial)
		cb_contracts__commercial_share(ps, k->commercial, k->cover, day, &patient, &com,
					       l->id, u->id);
	cb_dec_sub(&patient, &patient, &com);
	CB_STEP(ps, "DUP-4", "patient", NULL, &patient, "amount − ltc − commercial = %s − "
		"%s − %s", cb_price__x(ps, amount), cb_price__x(ps, ltc),
		cb_price__x(ps, &com));
	cb_price__steps_to(ps, &l->steps, &l->step_count);
	l->status = "charged";
	l->amount = cb_price__money(ps, amount);
	l->ltc = cb_price__money(ps, ltc);
	l->commercial = cb_price__money(ps, &com);
	l->patient = cb_price__money(ps, &patient);
	if (k->ltc)
		cb_price__owe(ps, ps->rs->ltc->payer, u->id, ltc);
	cb_dec_add(ps->owes[CB_ACC_ELDERCARE], ps->owes[CB_ACC_ELDERCARE], &patient);
	cb_dec_clear(&com), cb_dec_clear(&patient);
}

static const char *run_rule(pstate *ps, const day_key *k, int bed)
{
	/* [EC-1] institution prices, [NUM-6] days counted 算入不算出, [DUP-4] parts add up */
	return cb_price__track(ps, cb_arena_printf(ps->ra, "NUM-6 %s%s%sEC-1 EC-2 EC-3%s%s",
		k->funded_by ? "DUP-2 " : "DUP-4 ", k->medical ? "DUP-3 " : "",
		"",
		!k->funded_by && k->ltc && !bed ? " EC-4" : "",
		!k->funded_by && k->commercial && !(k->medical && !bed) ? " EC-5" : ""));
}

/* Price one run of `days` days of `item` starting at `from`. */
static void price_run(pstate *ps, rbill *b, const cs_unit *u, const char *item, int bed,
		      int32_t from, int32_t days, const day_key *k)
{
	const cb_dec *price = cb_strmap_get(&u->inst->prices, item);
	cb_dec qty, amount, ltc;
	cb_dec_init(&qty), cb_dec_init(&amount), cb_dec_init(&ltc);
	cb_dec_set_ui(&qty, (unsigned long)days);
	cb_line *l = run_line(ps, b, u, item, from, from + days, &qty, price);
	if (!l)
		goto done;
	l->rule = run_rule(ps, k, bed);
	if (!bed && k->medical) { /* [DUP-3] nursing is never billed in two tracks */
		CB_STEP(ps, "DUP-3", "amount", NULL, &amount, "%s days inside a hospital "
			"stay: no nursing is charged (the medical track cares for the patient)",
			l->qty);
		cb_price__steps_to(ps, &l->steps, &l->step_count);
		l->status = "charged";
		l->amount = l->ltc = l->commercial = l->patient = "0.00";
		cb_price__finding(ps, "MEDICAL_OVERLAP", "DUP-3", l->id, u->src, "%s: %d day(s) "
				  "inside a hospital stay; nursing is not charged", l->id, days);
		goto done;
	}
	cb_dec_mul(&amount, &qty, price);
	if (bed && k->medical) /* 保留床位 */
		cb_dec_mul(&amount, &amount, u->inst->bed_reserve_ratio);
	if (ps->trace) {
		cb_dec e;
		cb_dec_init(&e);
		cb_dec_round2(&e, &amount);
		if (bed && k->medical)
			CB_STEP(ps, "DUP-3", "amount", &amount, &e, "round2(days × price × "
				"bed-reserve-ratio) = round2(%s × %s × %s), medical days",
				cb_price__x(ps, &qty), cb_price__x(ps, price),
				cb_price__x(ps, u->inst->bed_reserve_ratio));
		else
			CB_STEP(ps, "EC-3", "amount", &amount, &e, "round2(days × price) = "
				"round2(%s × %s), days %s..%s", cb_price__x(ps, &qty),
				cb_price__x(ps, price), l->from, l->to);
		cb_dec_clear(&e);
	}
	cb_dec_round2(&amount, &amount);
	if (k->exhausted)
		cb_price__finding(ps, "QUOTA_EXHAUSTED", "DUP-2", l->id, u->src, "%s: item %s is "
				  "covered by a family-doctor contract but no quota is left; "
				  "charged normally", l->id, item);
	if (k->funded_by) {
		cb_contract_use use = {k->funded_by, &qty, NULL, 0};
		cb_contracts__funded_line(ps, l, &use, &amount, u->id);
		l->rule = run_rule(ps, k, bed);
		goto done;
	}
	if (k->ltc && !bed)
		ltc_share(ps, &qty, price, &ltc);
	charge(ps, l, u, &amount, &ltc, k, from);
done:
	cb_dec_clear(&qty), cb_dec_clear(&amount), cb_dec_clear(&ltc);
}

/* Walk the days of one item, cutting runs at changes and month ends. */
static void item_runs(pstate *ps, rbill *b, const cs_unit *u, const char *item, int bed,
		      int32_t lo, int32_t hi)
{
	day_key cur, next;
	int32_t start = lo;
	classify(ps, item, !bed, lo, &cur);
	for (int32_t d = lo + 1; d <= hi && !ps->oom; d++) {
		int end = d == hi;
		if (!end)
			classify(ps, item, !bed, d, &next);
		if (end || !same_run(&cur, &next) || d == cb_date_month_start(d)) {
			price_run(ps, b, u, item, bed, start, d - start, &cur);
			start = d;
			if (!end)
				cur = next;
		} else {
			cur.exhausted |= next.exhausted;
		}
	}
}

int cb_eldercare__stay(pstate *ps, const cs_unit *u)
{
	int32_t lo = u->from > ps->cs->period_from ? u->from : ps->cs->period_from;
	int32_t end = !u->has_to ? ps->cs->period_to : u->to == u->from ? u->from + 1 : u->to;
	int32_t hi = end < ps->cs->period_to ? end : ps->cs->period_to;
	if (lo >= hi)
		return 0; /* no day of the stay lies in the period */
	/* month by month, so that a batch can bill each calendar month once ([BAT-2]) */
	rbill *b = NULL;
	int32_t first = lo, last = lo;
	for (int32_t m = lo; m < hi && !ps->oom; m = cb_date_next_month(m)) {
		int32_t end = cb_date_next_month(m) < hi ? cb_date_next_month(m) : hi;
		if (cb_price__skip(ps, u->id, cb_date_month_start(m)))
			continue;
		if (!b) {
			if (!(b = cb_price__bill(ps, u, "eldercare", 2, m)))
				return -1;
			first = m;
		}
		last = end;
		item_runs(ps, b, u, u->bed, 1, m, end);
		if (u->nursing)
			item_runs(ps, b, u, u->nursing, 0, m, end);
	}
	if (!b)
		return ps->oom ? -1 : 0;
	b->pub.from = cb_price__day(ps, first);
	b->pub.to = cb_price__day(ps, last);
	/* stable merge by from: bed runs first on equal dates */
	for (size_t i = 1; i < b->lines.n; i++) {
		cb_line *x = b->lines.v[i];
		size_t j = i;
		while (j > 0 && strcmp(((cb_line *)b->lines.v[j - 1])->from, x->from) > 0) {
			b->lines.v[j] = b->lines.v[j - 1];
			j--;
		}
		b->lines.v[j] = x;
	}
	return ps->oom ? -1 : 0;
}

int cb_eldercare__service(pstate *ps, const cs_unit *u)
{
	rbill *b = cb_price__bill(ps, u, "eldercare", 2, u->date);
	if (!b)
		return -1;
	b->pub.date = cb_price__day(ps, u->date);
	const cb_dec *price = cb_strmap_get(&u->inst->prices, u->item);
	cb_dec amount;
	cb_dec_init(&amount);
	cb_contract_use use = {0};
	int dup = cb_price__seen_line(ps, u->institution, u->id);
	if (!dup && cb_contracts__fund(ps, u->item, u->date, u->qty, u->id, u->src, &use) != 0)
		goto done;
	for (int part = 0; part < 2; part++) {
		const cb_dec *qty = dup || (!use.funded) ? u->qty : part == 0 ? use.funded
									      : use.charged;
		if ((part == 1 && !(use.funded && use.charged)) || (part == 0 && !qty))
			continue;
		int funded = !dup && use.funded && part == 0;
		int split = use.funded && use.charged;
		cb_line *l = cb_price__line(ps, b);
		if (!l)
			break;
		l->id = split ? cb_arena_printf(ps->ra, "%s#%d", u->id, part + 1)
			      : cb_arena_strdup(ps->ra, u->id);
		l->item = cb_arena_strdup(ps->ra, u->item);
		l->qty = cb_arena_fmt(ps->ra, qty, CB_DEC_QTY);
		l->price = cb_arena_fmt(ps->ra, price, CB_DEC_PRICE);
		if (dup) {
			cb_contracts__duplicate_line(ps, l, u->institution, u->src);
			break;
		}
		cb_dec_mul_round2(&amount, qty, price);
		if (ps->trace) {
			cb_dec e;
			cb_dec_init(&e);
			cb_dec_mul(&e, qty, price);
			CB_STEP(ps, "EC-6", "amount", &e, &amount, "round2(qty × price) = "
				"round2(%s × %s)", cb_price__x(ps, qty), cb_price__x(ps, price));
			cb_dec_clear(&e);
		}
		if (funded) {
			cb_contracts__funded_line(ps, l, &use, &amount, u->id);
			l->rule = "DUP-2 EC-1 EC-6";
			continue;
		}
		cb_dec zero;
		cb_dec_init(&zero);
		day_key k = {0};
		k.commercial = cb_contracts__commercial(ps, u->item, u->date, &k.cover);
		charge(ps, l, u, &amount, &zero, &k, u->date);
		l->rule = k.commercial ? (split ? "DUP-2 DUP-4 EC-1 EC-5 EC-6" : "DUP-4 EC-1 EC-5 EC-6")
				       : (split ? "DUP-2 DUP-4 EC-1 EC-6" : "DUP-4 EC-1 EC-6");
		cb_dec_clear(&zero);
	}
done:
	cb_dec_clear(&amount);
	return ps->oom ? -1 : 0;
}
