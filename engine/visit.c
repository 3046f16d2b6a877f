/*
 * visit.c — the home-visit track (SPEC §7, [HV-1]..[HV-4]). A visit is one bill: its fee line
 * (`VISIT:fee`, the schedule's fee item, qty 1) first, then its medical lines, priced and
 * settled as an outpatient unit at the visit's institution. The fee never reaches the
 * medical-insurance claim: a family-doctor contract may fund it ([DUP-2]), a commercial cover
 * may share it ([EC-5]), the patient pays the rest; it is the `home-visit` account ([ACC-1]).
 */
#include "contracts.h"
#include "price.h"

/* [HV-1] raw = base + per_km × max(0, distance − included_km) + extra_staff × (staff − 1);
 * fee = round2(raw × (1 + surcharge)) with the surcharge flag, else round2(raw). */
static void visit_fee(pstate *ps, const cs_unit *u, const rs_home_visit *hv, cb_dec *fee)
{
	cb_dec raw, t, zero, n;
	cb_dec_init(&raw), cb_dec_init(&t), cb_dec_init(&zero), cb_dec_init(&n);
	cb_dec_sub(&t, u->distance_km, hv->included_km);
	cb_dec_max(&t, &t, &zero);
	cb_dec_mul(&t, &t, hv->per_km);
	cb_dec_add(&raw, hv->base, &t);
	cb_dec_set_ui(&n, 1);
	cb_dec_sub(&n, u->staff, &n);
	cb_dec_mul(&t, &n, hv->extra_staff);
	cb_dec_add(&raw, &raw, &t);
	if (u->surcharge) {
		cb_dec_set_ui(&n, 1);
		cb_dec_add(&t, &n, hv->surcharge);
		cb_dec_mul(&n, &raw, &t);
		cb_dec_round2(fee, &n);
		CB_STEP(ps, "HV-1", "fee", &n, fee, "round2(raw × (1 + surcharge)) = "
			"round2(%s × (1 + %s)), raw = %s + %s × max(0, %s − %s) + %s × (%s − 1)",
			cb_price__x(ps, &raw), cb_price__x(ps, hv->surcharge),
			cb_price__x(ps, hv->base), cb_price__x(ps, hv->per_km),
			cb_price__x(ps, u->distance_km), cb_price__x(ps, hv->included_km),
			cb_price__x(ps, hv->extra_staff), cb_price__x(ps, u->staff));
	} else {
		cb_dec_round2(fee, &raw);
		CB_STEP(ps, "HV-1", "fee", &raw, fee, "round2(raw), raw = %s + %s × max(0, "
			"%s − %s) + %s × (%s − 1)", cb_price__x(ps, hv->base),
			cb_price__x(ps, hv->per_km), cb_price__x(ps, u->distance_km),
			cb_price__x(ps, hv->included_km), cb_price__x(ps, hv->extra_staff),
			cb_price__x(ps, u->staff));
	}
	cb_dec_clear(&raw), cb_dec_clear(&t), cb_dec_clear(&zero), cb_dec_clear(&n);
}

static cb_line *fee_line(pstate *ps, rbill *b, const char *id, const char *item,
			 const cb_dec *qty, const cb_dec *fee)
{
	cb_line *l = cb_price__line(ps, b);
	if (!l)
		return NULL;
	l->id = cb_price__track(ps, cb_arena_strdup(ps->ra, id));
	l->item = cb_price__track(ps, cb_arena_strdup(ps->ra, item));
	l->qty = cb_price__track(ps, cb_arena_fmt(ps->ra, qty, CB_DEC_QTY));
	l->price = cb_price__track(ps, cb_arena_fmt(ps->ra, fee, CB_DEC_PRICE));
	return l;
}

/* A charged fee line: commercial share ([EC-5]) and the patient's rest. */
static void charge_fee(pstate *ps, const cs_unit *u, cb_line *l, const char *item,
		       const cb_dec *amount, const char *rule)
{
	cb_dec com, patient;
	cb_dec_init(&com), cb_dec_init(&patient);
	const cs_cover *cv;
	const cs_contract *k = cb_contracts__commercial(ps, item, u->date, &cv);
	if (k)
		cb_contracts__commercial_share(ps, k, cv, u->date, amount, &com, l->id, u->id);
	cb_dec_sub(&patient, amount, &com);
	CB_STEP(ps, "HV-3", "patient", NULL, &patient, "fee − commercial = %s − %s "
		"(never claimed from medical insurance)", cb_price__x(ps, amount),
		cb_price__x(ps, &com));
	cb_price__steps_to(ps, &l->steps, &l->step_count);
	l->status = "charged";
	l->amount = cb_price__money(ps, amount);
	l->ltc = "0.00";
	l->commercial = cb_price__money(ps, &com);
	l->patient = cb_price__money(ps, &patient);
	l->rule = k ? cb_price__track(ps, cb_arena_printf(ps->ra, "%s EC-5", rule)) : rule;
	cb_dec_add(ps->owes[CB_ACC_HOME_VISIT], ps->owes[CB_ACC_HOME_VISIT], &patient);
	cb_dec_clear(&com), cb_dec_clear(&patient);
}

/* [HV-3] the fee line, with [DUP-1] and [DUP-2] as for any line */
static void price_fee(pstate *ps, const cs_unit *u, rbill *b)
{
	const rs_home_visit *hv = u->inst->visit;
	const char *id = cb_arena_printf(ps->scratch, "%s:fee", u->id);
	cb_dec one, fee, amount;
	cb_dec_init(&one), cb_dec_init(&fee), cb_dec_init(&amount);
	cb_dec_set_ui(&one, 1);
	visit_fee(ps, u, hv, &fee);
	cb_contract_use use = {0};
	if (!cb_price__track(ps, (void *)id))
		goto done;
	if (cb_price__seen_line(ps, u->institution, id)) {
		cb_line *l = fee_line(ps, b, id, hv->fee_item, &one, &fee);
		if (l)
			cb_contracts__duplicate_line(ps, l, u->institution, u->src);
		goto done;
	}
	if (cb_contracts__fund(ps, hv->fee_item, u->date, &one, id, u->src, &use) != 0)
		goto done;
	if (use.funded) {
		const char *fid = use.charged ? cb_arena_printf(ps->scratch, "%s#1", id) : id;
		cb_line *l = fee_line(ps, b, fid, hv->fee_item, use.funded, &fee);
		cb_dec_mul_round2(&amount, use.funded, &fee);
		if (l)
			cb_contracts__funded_line(ps, l, &use, &amount, u->id);
		if (l)
			l->rule = "HV-1 HV-3 DUP-2";
	}
	if (!use.funded || use.charged) {
		const cb_dec *qty = use.charged ? use.charged : &one;
		const char *cid = use.charged ? cb_arena_printf(ps->scratch, "%s#2", id) : id;
		cb_line *l = fee_line(ps, b, cid, hv->fee_item, qty, &fee);
		cb_dec_mul_round2(&amount, qty, &fee);
		if (l)
			charge_fee(ps, u, l, hv->fee_item, &amount,
				   use.charged ? "DUP-2 DUP-4 HV-1 HV-3" : "DUP-4 HV-1 HV-3");
	}
done:
	cb_dec_clear(&one), cb_dec_clear(&fee), cb_dec_clear(&amount);
}

int cb_visit__unit(pstate *ps, const cs_unit *u)
{
	rbill *b = cb_price__bill(ps, u, "home-visit", 1, u->date);
	if (!b)
		return -1;
	b->pub.date = cb_price__day(ps, u->date);
	b->pub.distance_km = cb_arena_fmt(ps->ra, u->distance_km, CB_DEC_DISTANCE);
	b->pub.staff = cb_arena_fmt(ps->ra, u->staff, CB_DEC_COUNT);
	b->pub.surcharge = u->surcharge ? "true" : "false";
	price_fee(ps, u, b);
	/* [HV-4] the medical lines settle as an outpatient unit */
	if (u->nlines > 0 && !ps->oom)
		return cb_medical__lines(ps, u, b, CB_SETTING_OUTPATIENT);
	return ps->oom ? -1 : 0;
}
