/*
 * medical.c — the insured medical track (SPEC §5, [MED-1]..[MED-8]).
 *
 * A unit (an encounter, or a visit's medical lines) is priced line by line in [ORD-2] order:
 * duplicates ([DUP-1]) and contract funding ([DUP-2]) first, then the line split
 *   amount = over_limit + self_financed + self_first + in_scope          ([MED-1]..[MED-3])
 * and then one settlement for the unit under its policy row
 *   in_scope = deductible + fund + copay,  fund + patient = Σ amount     ([MED-4]..[MED-7])
 * after which the year's accumulators move ([MED-8]). Every part is exact; each rounding is
 * the round2 of money.c at the place the spec rounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts.h"
#include "price.h"

/* Sums over a unit's charged lines. */
typedef struct med_sums {
	cb_dec *in_scope, *self_financed, *over_limit, *self_first, *amount;
} med_sums;

/* The derivation of a line's parts, for explanations. */
static void trace_line(pstate *ps, const rs_med_item *it, const cb_dec *qty, const cb_dec *price,
		       const cb_dec *amount, const cb_dec *over, const cb_dec *base,
		       const cb_dec *self_first, const cb_dec *in_scope)
{
	cb_dec e, d;
	cb_dec_init(&e), cb_dec_init(&d);
	cb_dec_mul(&e, qty, price);
	CB_STEP(ps, "MED-1", "amount", &e, amount, "round2(qty × price) = round2(%s × %s)",
		cb_price__x(ps, qty), cb_price__x(ps, price));
	if (it->limit && cb_dec_cmp(it->limit, price) < 0) {
		cb_dec_sub(&d, price, it->limit);
		cb_dec_mul(&e, qty, &d);
		CB_STEP(ps, "MED-2", "over-limit", &e, over, "round2(qty × (price − limit)) "
			"= round2(%s × (%s − %s))", cb_price__x(ps, qty),
			cb_price__x(ps, price), cb_price__x(ps, it->limit));
	}
	CB_STEP(ps, "MED-3", "base", NULL, base, "amount − over-limit = %s − %s",
		cb_price__x(ps, amount), cb_price__x(ps, over));
	if (it->cls == 'C')
		CB_STEP(ps, "MED-3", "self-financed", NULL, base, "class C: base = %s",
			cb_price__x(ps, base));
	if (it->cls == 'B') {
		cb_dec_mul(&e, base, it->b_ratio);
		CB_STEP(ps, "MED-3", "self-first", &e, self_first, "class B: round2(base × "
			"b-ratio) = round2(%s × %s)", cb_price__x(ps, base),
			cb_price__x(ps, it->b_ratio));
	}
	CB_STEP(ps, "MED-3", "in-scope", NULL, in_scope, it->cls == 'B'
		? "base − self-first = %s − %s" : it->cls == 'A' ? "class A: base = %s%s"
						       : "class C: 0%.0s%.0s",
		cb_price__x(ps, base), it->cls == 'B' ? cb_price__x(ps, self_first) : "");
	cb_dec_clear(&e), cb_dec_clear(&d);
}

/* [MED-1]..[MED-3] split one charged line of `qty` at `price` into parts and add them to s;
 * `split_rest`: the line is the charged rest of a line a contract funded in part. */
static void split_line(pstate *ps, const rs_med_item *it, const cb_dec *qty,
		       const cb_dec *price, int split_rest, cb_line *out, med_sums *s)
{
	cb_dec amount, over, base, self_fin, self_first, in_scope, t;
	cb_dec_init(&amount), cb_dec_init(&over), cb_dec_init(&base), cb_dec_init(&t);
	cb_dec_init(&self_fin), cb_dec_init(&self_first), cb_dec_init(&in_scope);
	cb_dec_mul_round2(&amount, qty, price);                    /* [MED-1] */
	int over_applies = it->limit && cb_dec_cmp(it->limit, price) < 0;
	if (over_applies) {                                         /* [MED-2] 超限价 */
		cb_dec_sub(&t, price, it->limit);
		cb_dec_mul_round2(&over, qty, &t);
	}
	cb_dec_sub(&base, &amount, &over);                          /* [MED-3] */
	if (it->cls == 'C')
		cb_dec_set(&self_fin, &base);                       /* 全自费 */
	else if (it->cls == 'B')
		cb_dec_split(&self_first, &in_scope, &base, it->b_ratio); /* 先行自付 */
	else
		cb_dec_set(&in_scope, &base);
	if (ps->trace)
		trace_line(ps, it, qty, price, &amount, &over, &base, &self_first, &in_scope);
	cb_dec_add(&t, &over, &self_fin);
	cb_dec_add(&t, &t, &self_first);
	CB_STEP(ps, "MED-7", "patient (line)", NULL, &t, "over-limit + self-financed + "
		"self-first = %s + %s + %s", cb_price__x(ps, &over),
		cb_price__x(ps, &self_fin), cb_price__x(ps, &self_first));
	cb_price__steps_to(ps, &out->steps, &out->step_count);
	/* parts the class leaves at zero are "0.00"; without an over-limit part the base is
	 * the amount, and shows the amount's text */
	out->amount = cb_price__money(ps, &amount);
	const char *base_text = it->cls == 'B' ? NULL
				: over_applies ? cb_price__money(ps, &base) : out->amount;
	out->over_limit = over_applies ? cb_price__money(ps, &over) : "0.00";
	out->self_financed = it->cls == 'C' ? base_text : "0.00";
	out->self_first = it->cls == 'B' ? cb_price__money(ps, &self_first) : "0.00";
	out->in_scope = it->cls == 'B' ? cb_price__money(ps, &in_scope)
			: it->cls == 'C' ? "0.00" : base_text;
	out->patient = cb_price__money(ps, &t);
	out->status = "charged";
	/* the clauses behind the parts ([NUM-3] splits a class B base, [DUP-2] funded the
	 * first part of a split line); static text, which canonical_rules finds by address */
	static const char *const rules[2][2][2] = { /* [class B][over limit][split rest] */
		{{"MED-1 MED-3", "DUP-2 MED-1 MED-3"},
		 {"MED-1 MED-2 MED-3", "DUP-2 MED-1 MED-2 MED-3"}},
		{{"NUM-3 MED-1 MED-3", "NUM-3 DUP-2 MED-1 MED-3"},
		 {"NUM-3 MED-1 MED-2 MED-3", "NUM-3 DUP-2 MED-1 MED-2 MED-3"}}};
	out->rule = rules[it->cls == 'B'][over_applies][split_rest];
	cb_dec_add(s->amount, s->amount, &amount); /* the parts left at zero add nothing */
	if (over_applies)
		cb_dec_add(s->over_limit, s->over_limit, &over);
	if (it->cls == 'C')
		cb_dec_add(s->self_financed, s->self_financed, &self_fin);
	else if (it->cls == 'B')
		cb_dec_add(s->self_first, s->self_first, &self_first);
	if (it->cls != 'C')
		cb_dec_add(s->in_scope, s->in_scope, &in_scope);
	cb_dec_clear(&amount), cb_dec_clear(&over), cb_dec_clear(&base), cb_dec_clear(&t);
	cb_dec_clear(&self_fin), cb_dec_clear(&self_first), cb_dec_clear(&in_scope);
}

/* [DUP-1] two lines with different ids and the same item and time: warn on the later one */
static void suspect_check(pstate *ps, const cs_line *ln)
{
	/* the time as one number of day and second of the day: equal times, equal keys */
	uint64_t t = ((uint64_t)(uint32_t)ln->at.day << 17) | (uint32_t)ln->at.secs;
	cb_keymap *times = &ps->call->line_times;
	/* hashed by the catalogue entry rather than the item's bytes: one entry per code
	 * ([RULE-4]), so equal keys still hash alike, and this map is hashed nowhere else */
	uint64_t hash = ((uint64_t)(uintptr_t)ln->med ^ (t * 0xff51afd7ed558ccdULL)) *
			0x9e3779b97f4a7c15ULL;
	hash ^= hash >> 29;
	const char *first = cb_keymap_get(times, ln->item, NULL, t, hash);
	if (first && strcmp(first, ln->id) != 0)
		cb_price__finding(ps, "SUSPECT_DUPLICATE", "DUP-1", ln->id, ln->src,
				  "line %s has the same item %s and time %s as line %s; both are "
				  "billed", ln->id, ln->item, ln->at_text, first);
	else if (!first && cb_keymap_put(times, ln->item, NULL, t, hash, (void *)ln->id) != 0)
		ps->oom = 1;
}

static cb_line *line_head(pstate *ps, rbill *b, const cs_line *ln, const char *id,
			  const cb_dec *qty, const cb_dec *price)
{
	cb_line *out = cb_price__line(ps, b);
	if (!out)
		return NULL;
	out->id = cb_price__track(ps, cb_arena_strdup(ps->ra, id));
	/* the catalogue's code is the same text (the loader found it by ln->item, [CASE-2]),
	 * copied once per case */
	out->item = cb_price__text(ps, ln->med->code);
	out->qty = cb_price__fmt(ps, qty, CB_DEC_QTY);
	out->price = cb_price__fmt(ps, price, CB_DEC_PRICE);
	return out;
}

/* One line: duplicate, funded (maybe split) or charged. */
static void price_line(pstate *ps, const cs_unit *u, const cs_line *ln, rbill *b, med_sums *s)
{
	const rs_med_item *it = ln->med;
	const cb_dec *price = ln->price ? ln->price : it->price;
	if (cb_price__seen_line(ps, u->institution, ln->id)) {
		cb_line *out = line_head(ps, b, ln, ln->id, ln->qty, price);
		if (out)
			cb_contracts__duplicate_line(ps, out, u->institution, ln->src);
		return;
	}
	suspect_check(ps, ln);
	cb_contract_use use;
	if (cb_contracts__fund(ps, ln->item, ln->at.day, ln->qty, ln->id, ln->src, &use) != 0)
		return;
	const char *charged_id = ln->id;
	if (use.funded) {
		int split = use.charged != NULL;
		cb_line *f = line_head(ps, b, ln, split ? cb_arena_printf(ps->scratch, "%s#1", ln->id)
							: ln->id,
				       use.funded, price);
		if (f) {
			cb_dec amount;
			cb_dec_init(&amount);
			cb_dec_mul_round2(&amount, use.funded, price); /* [MED-1] shown, paid by the contract */
			cb_contracts__funded_line(ps, f, &use, &amount, u->id);
			cb_dec_clear(&amount);
		}
		if (!split)
			return;
		charged_id = cb_arena_printf(ps->scratch, "%s#2", ln->id);
	}
	const cb_dec *qty = use.charged ? use.charged : ln->qty;
	cb_line *out = line_head(ps, b, ln, charged_id, qty, price);
	if (!out)
		return;
	split_line(ps, it, qty, price, use.funded != NULL, out, s);
}

static const char *money0(pstate *ps, const cb_dec *d)
{
	return cb_price__money(ps, d);
}

static void trace_settle(pstate *ps, const rs_row *row, int setting, const med_sums *s,
			 const yearacc *ya, const cb_dec *left, const cb_dec *d,
			 const cb_dec *fund_raw, const cb_dec *cap_left, const cb_dec *fund,
			 const cb_dec *copay, const cb_dec *patient)
{
	cb_dec e;
	cb_dec_init(&e);
	CB_STEP(ps, "MED-4", "in-scope (S)", NULL, s->in_scope, "Σ in-scope of the "
		"charged lines; policy row %s", row->label);
	if (setting == CB_SETTING_INPATIENT)
		CB_STEP(ps, "MED-5", "deductible left", NULL, left, "per admission: the "
			"row's deductible %s", cb_price__x(ps, row->deductible));
	else
		CB_STEP(ps, "MED-5", "deductible left", NULL, left, "max(0, deductible − "
			"used this year) = max(0, %s − %s)", cb_price__x(ps, row->deductible),
			cb_price__x(ps, ya->od_used));
	CB_STEP(ps, "MED-5", "deductible", NULL, d, "min(S, deductible left) = min(%s, "
		"%s)", cb_price__x(ps, s->in_scope), cb_price__x(ps, left));
	cb_dec_sub(&e, s->in_scope, d);
	cb_dec_mul(&e, &e, row->ratio);
	CB_STEP(ps, "MED-6", "fund before cap", &e, fund_raw, "round2((S − deductible) × "
		"ratio) = round2((%s − %s) × %s)", cb_price__x(ps, s->in_scope),
		cb_price__x(ps, d), cb_price__x(ps, row->ratio));
	CB_STEP(ps, "MED-6", "cap left", NULL, cap_left, "max(0, cap − fund paid this "
		"year) = max(0, %s − %s)", cb_price__x(ps, row->cap),
		cb_price__x(ps, ya->fund_paid[row->cap_group]));
	CB_STEP(ps, "MED-6", "fund", NULL, fund, "min(fund before cap, cap left) = "
		"min(%s, %s)", cb_price__x(ps, fund_raw), cb_price__x(ps, cap_left));
	CB_STEP(ps, "MED-6", "copay", NULL, copay, "S − deductible − fund = %s − %s − %s",
		cb_price__x(ps, s->in_scope), cb_price__x(ps, d), cb_price__x(ps, fund));
	CB_STEP(ps, "MED-7", "patient", NULL, patient, "self-financed + over-limit + "
		"self-first + deductible + copay = %s + %s + %s + %s + %s",
		cb_price__x(ps, s->self_financed), cb_price__x(ps, s->over_limit),
		cb_price__x(ps, s->self_first), cb_price__x(ps, d), cb_price__x(ps, copay));
	cb_dec_clear(&e);
}

/* [MED-4]..[MED-8] settle the unit's charged lines under its policy row. */
static void settle(pstate *ps, const cs_unit *u, rbill *b, int setting, const med_sums *s)
{
	const rs_row *row = cb_ruleset__row(ps->rs, ps->pt->scheme, setting, u->inst->level,
					    ps->pt->retired);
	yearacc *ya = cb_price__year(ps, cb_price__day_year(ps, u->date));
	cb_settlement *st = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *st));
	if (!row || !ya || !st)
		return; /* a missing row held the patient ([RULE-3]); others are out of memory */
	cb_dec left, d, fund_raw, cap_left, fund, over_cap, copay, t, patient;
	cb_dec *all[] = {&left, &d, &fund_raw, &cap_left, &fund, &over_cap, &copay, &t, &patient};
	for (size_t i = 0; i < 9; i++)
		cb_dec_init(all[i]);
	cb_dec *paid = ya->fund_paid[row->cap_group];
	cb_dec zero;
	cb_dec_init(&zero);
	/* [MED-5] 起付线: per admission, or per year less what was used */
	if (setting == CB_SETTING_INPATIENT)
		cb_dec_set(&left, row->deductible);
	else {
		cb_dec_sub(&left, row->deductible, ya->od_used);
		cb_dec_max(&left, &left, &zero);
	}
	cb_dec_min(&d, s->in_scope, &left);
	/* [MED-6] fund within the cap left in the row's cap-group */
	cb_dec_sub(&t, s->in_scope, &d);
	cb_dec_mul_round2(&fund_raw, &t, row->ratio);
	cb_dec_sub(&cap_left, row->cap, paid);
	cb_dec_max(&cap_left, &cap_left, &zero);
	cb_dec_min(&fund, &fund_raw, &cap_left);
	cb_dec_sub(&over_cap, &fund_raw, &fund);
	cb_dec_sub(&copay, &t, &fund);
	/* [MED-7] the patient's whole share */
	cb_dec_add(&patient, s->self_financed, s->over_limit);
	cb_dec_add(&patient, &patient, s->self_first);
	cb_dec_add(&patient, &patient, &d);
	cb_dec_add(&patient, &patient, &copay);
	if (ps->trace)
		trace_settle(ps, row, setting, s, ya, &left, &d, &fund_raw, &cap_left, &fund,
			     &copay, &patient);
	cb_price__steps_to(ps, &st->steps, &st->step_count);
	st->policy = cb_price__text(ps, row->label);
	st->in_scope = money0(ps, s->in_scope);
	st->deductible = money0(ps, &d);
	st->fund = money0(ps, &fund);
	st->over_cap = money0(ps, &over_cap);
	st->copay = money0(ps, &copay);
	st->patient = money0(ps, &patient);
	st->total = money0(ps, s->amount);
	st->deductible_left_before = money0(ps, &left);
	cb_dec_sub(&t, &left, &d);
	st->deductible_left_after = money0(ps, &t);
	st->fund_paid_before = money0(ps, paid);
	/* [MED-8] the year's accumulators move after the unit */
	if (setting == CB_SETTING_OUTPATIENT)
		cb_dec_add(ya->od_used, ya->od_used, &d);
	cb_dec_add(paid, paid, &fund);
	st->fund_paid_after = money0(ps, paid);
	st->rule = u->type == CS_VISIT ? "MED-4 MED-5 MED-6 MED-7 MED-8 HV-4"
				       : "MED-4 MED-5 MED-6 MED-7 MED-8";
	b->settle = st;
	b->pub.settlement = st;
	if (cb_dec_sgn(&over_cap) > 0)
		cb_price__finding(ps, "CAP_REACHED", "MED-6", u->id, u->src, "%s %s: the annual "
				  "fund cap of %s (%s) is reached: fund %s instead of %s",
				  u->type == CS_VISIT ? "visit" : "encounter", u->id,
				  money0(ps, row->cap), row->label, st->fund, money0(ps, &fund_raw));
	cb_price__owe(ps, "medical-insurance", u->id, &fund);
	cb_dec_add(ps->owes[CB_ACC_MEDICAL], ps->owes[CB_ACC_MEDICAL], &patient);
	for (size_t i = 0; i < 9; i++)
		cb_dec_clear(all[i]);
	cb_dec_clear(&zero);
}

int cb_medical__lines(pstate *ps, const cs_unit *u, rbill *b, int setting)
{
	/* the sums live as long as the unit: on the stack, not in the patient's arena */
	cb_dec sums[5];
	for (size_t i = 0; i < 5; i++)
		cb_dec_init(&sums[i]);
	med_sums s = {&sums[0], &sums[1], &sums[2], &sums[3], &sums[4]};
	/* [ORD-2] the loader has put the lines in order once (case.c, order_lines) */
	cs_line *const *order = u->ordered ? u->ordered : u->lines;
	for (size_t i = 0; i < u->nlines && !ps->oom; i++) {
		if (i + 1 < u->nlines) { /* the next line's texts and values, while this one is priced */
			const cs_line *next = order[i + 1];
			__builtin_prefetch(next->id);
			__builtin_prefetch(next->qty);
			__builtin_prefetch(next->price);
		}
		price_line(ps, u, order[i], b, &s);
	}
	settle(ps, u, b, setting, &s);
	for (size_t i = 0; i < 5; i++)
		cb_dec_clear(&sums[i]);
	return ps->oom ? -1 : 0;
}

int cb_medical__unit(pstate *ps, const cs_unit *u)
{
	rbill *b = cb_price__bill(ps, u, "medical", 0, u->date);
	if (!b)
		return -1;
	b->pub.setting = u->setting == CB_SETTING_INPATIENT ? "inpatient" : "outpatient";
	b->pub.date = cb_price__day(ps, u->date);
	return cb_medical__lines(ps, u, b, u->setting);
}
