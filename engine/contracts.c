/*
 * contracts.c — family-doctor quotas ([DUP-2], [CASE-5]), duplicate lines ([DUP-1]), and the
 * LTC and commercial contract state ([EC-4], [EC-5]) for one patient.
 *
 * Quota windows: a cover's window is the whole contract, the calendar year or the calendar
 * month holding the line's own date. `used` from the case belongs to the window holding the
 * period's first day; every other window starts at 0. A quota counts units of quantity, so a
 * fractional quantity uses a fractional part of it (used is kept exactly).
 * Commercial caps belong to the cover (contract and item) per calendar year; `paid` from the
 * case belongs to the year of the period's first day.
 */
#include "contracts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

typedef struct quota_win {
	const cs_contract *k;
	const cs_cover *cv;
	int32_t from;   /* first day of the window */
	cb_dec *used;
	int shown;      /* given in the case or used in this run */
} quota_win;

typedef struct paid_year {
	const cs_contract *k;
	const cs_cover *cv;
	int year;
	cb_dec *paid;
	int shown;
} paid_year;

typedef struct cstate { /* vectors in the scratch arena */
	cb_ptrvec wins;   /* quota_win* */
	cb_ptrvec years;  /* paid_year* */
	cb_ptrvec sorted; /* cs_contract* by from, then id */
	cb_strmap win_by_key; /* cover and window start -> quota_win* */
} cstate;

/* A map key for a cover and a day: the cover's address and the day, in hex. */
static const char *cover_day_key(const void *cover, int32_t day, char buf[26])
{
	uint64_t a = (uint64_t)(uintptr_t)cover;
	uint32_t d = (uint32_t)day;
	for (int i = 15; i >= 0; i--, a >>= 4)
		buf[i] = "0123456789abcdef"[a & 15];
	buf[16] = ':';
	for (int i = 24; i >= 17; i--, d >>= 4)
		buf[i] = "0123456789abcdef"[d & 15];
	buf[25] = '\0';
	return buf;
}

static int contract_cmp(const void *pa, const void *pb)
{
	const cs_contract *a = *(const cs_contract *const *)pa;
	const cs_contract *b = *(const cs_contract *const *)pb;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int active(const cs_contract *k, int32_t day)
{
	return day >= k->from && (!k->has_to || day < k->to);
}

static int32_t window_from(const cs_contract *k, const cs_cover *cv, int32_t day)
{
	switch (cv->window) {
	case CS_WINDOW_YEAR:
		return cb_date_year_start(cb_date_year(day));
	case CS_WINDOW_MONTH:
		return cb_date_month_start(day);
	default:
		return k->from;
	}
}

static quota_win *window(pstate *ps, const cs_contract *k, const cs_cover *cv, int32_t from)
{
	cstate *st = ps->contracts;
	char buf[26];
	quota_win *w = cb_strmap_get(&st->win_by_key, cover_day_key(cv, from, buf));
	if (w)
		return w;
	w = cb_price__track(ps, cb_arena_alloc(ps->scratch, sizeof *w));
	const char *key = cb_arena_strdup(ps->scratch, buf);
	if (!w || !key || !(w->used = cb_price__dec(ps)) || cb_ptrvec_push_in(&st->wins, w, ps->scratch) != 0 ||
	    cb_strmap_put(&st->win_by_key, key, w) != 0) {
		ps->oom = 1;
		return NULL;
	}
	w->k = k;
	w->cv = cv;
	w->from = from;
	if (ps->io && ps->io->quota_used) {
		char day[11];
		cb_date_format(from, day);
		int known = ps->io->quota_used(ps->io->ud, ps->pt->id, k->id, cv->item, day, w->used);
		if (known < 0)
			ps->io_failed = 1;
		w->shown = known > 0;
	}
	return w;
}

static paid_year *paid_for(pstate *ps, const cs_contract *k, const cs_cover *cv, int year)
{
	cstate *st = ps->contracts;
	for (size_t i = 0; i < st->years.n; i++) {
		paid_year *p = st->years.v[i];
		if (p->k == k && p->cv == cv && p->year == year)
			return p;
	}
	paid_year *p = cb_price__track(ps, cb_arena_alloc(ps->scratch, sizeof *p));
	if (!p || !(p->paid = cb_price__dec(ps)) || cb_ptrvec_push_in(&st->years, p, ps->scratch) != 0) {
		ps->oom = 1;
		return NULL;
	}
	p->k = k;
	p->cv = cv;
	p->year = year;
	if (ps->io && ps->io->commercial_paid) {
		int known = ps->io->commercial_paid(ps->io->ud, ps->pt->id, k->id, cv->item, year,
						    p->paid);
		if (known < 0)
			ps->io_failed = 1;
		p->shown = known > 0;
	}
	return p;
}

/* [CASE-5] carry `used` and `paid` into the windows holding the period's first day */
static void carry_in(pstate *ps, const cs_contract *k)
{
	int32_t first = ps->cs->period_from;
	for (size_t i = 0; i < k->ncovers; i++) {
		const cs_cover *cv = k->covers[i];
		if (k->type == CS_FAMILY_DOCTOR) {
			/* a contract window holds the period's first day only while the contract
			 * runs then; otherwise `used` belongs to no window of this case and the
			 * window starts at 0 (it is still shown: the cover is given) */
			int holds_first = cv->window != CS_WINDOW_CONTRACT || active(k, first);
			quota_win *w = window(ps, k, cv, window_from(k, cv, first));
			if (w && cv->used && holds_first)
				cb_dec_set(w->used, cv->used);
			if (w)
				w->shown = 1;
		} else if (k->type == CS_COMMERCIAL) {
			paid_year *p = paid_for(ps, k, cv, cb_date_year(first));
			if (p && cv->paid)
				cb_dec_set(p->paid, cv->paid);
			if (p)
				p->shown = 1;
		}
	}
}

int cb_contracts__init(pstate *ps)
{
	cstate *st = cb_price__track(ps, cb_arena_alloc(ps->scratch, sizeof *st));
	if (!st)
		return -1;
	ps->contracts = st;
	const cb_ptrvec *ks = &ps->pt->contracts;
	for (size_t i = 0; i < ks->n; i++)
		if (cb_ptrvec_push_in(&st->sorted, ks->v[i], ps->scratch) != 0)
			ps->oom = 1;
	if (st->sorted.n)
		qsort(st->sorted.v, st->sorted.n, sizeof(void *), contract_cmp);
	for (size_t i = 0; i < st->sorted.n; i++)
		carry_in(ps, st->sorted.v[i]);
	return ps->oom ? -1 : 0;
}

void cb_contracts__free(pstate *ps)
{
	cstate *st = ps->contracts;
	if (!st)
		return;
	cb_strmap_free(&st->win_by_key); /* the vectors live in the scratch arena */
}

static const cs_cover *cover_of(const cs_contract *k, const char *item)
{
	for (size_t i = 0; i < k->ncovers; i++)
		if (strcmp(k->covers[i]->item, item) == 0)
			return k->covers[i];
	return NULL;
}

/* Quota left in the window holding `day` into *left; 0 when none. */
static quota_win *quota_left(pstate *ps, const cs_contract *k, const cs_cover *cv,
			     int32_t day, cb_dec *left)
{
	quota_win *w = window(ps, k, cv, window_from(k, cv, day));
	if (!w)
		return NULL;
	cb_dec_sub(left, cv->quota, w->used);
	return w;
}

const cs_contract *cb_contracts__would_fund(pstate *ps, const char *item, int32_t day)
{
	cstate *st = ps->contracts;
	const cs_contract *found = NULL;
	cb_dec left;
	cb_dec_init(&left);
	for (size_t i = 0; i < st->sorted.n && !found; i++) {
		const cs_contract *k = st->sorted.v[i];
		const cs_cover *cv = k->type == CS_FAMILY_DOCTOR ? cover_of(k, item) : NULL;
		if (cv && active(k, day) && quota_left(ps, k, cv, day, &left) &&
		    cb_dec_sgn(&left) > 0)
			found = k;
	}
	cb_dec_clear(&left);
	return found;
}

int cb_contracts__fund(pstate *ps, const char *item, int32_t day, const cb_dec *qty,
		       const char *ref, unsigned long src, cb_contract_use *use)
{
	cstate *st = ps->contracts;
	memset(use, 0, sizeof *use);
	int covering = 0;
	cb_dec left;
	cb_dec_init(&left);
	for (size_t i = 0; i < st->sorted.n && !use->by; i++) {
		const cs_contract *k = st->sorted.v[i];
		const cs_cover *cv = k->type == CS_FAMILY_DOCTOR ? cover_of(k, item) : NULL;
		if (!cv || !active(k, day))
			continue;
		covering++;
		quota_win *w = quota_left(ps, k, cv, day, &left);
		if (!w || cb_dec_sgn(&left) <= 0)
			continue;
		use->by = k;
		use->funded = cb_price__dec(ps);
		if (!use->funded)
			break;
		if (cb_dec_cmp(&left, qty) >= 0) {
			cb_dec_set(use->funded, qty);
		} else { /* split: ID#1 funded by the quota left, ID#2 charged */
			cb_dec_set(use->funded, &left);
			if ((use->charged = cb_price__dec(ps)))
				cb_dec_sub(use->charged, qty, &left);
		}
		cb_dec_add(w->used, w->used, use->funded);
		w->shown = 1;
	}
	cb_dec_clear(&left);
	use->exhausted = covering && !use->by;
	if (!ref)
		return ps->oom ? -1 : 0;
	if (covering && !use->by)
		cb_price__finding(ps, "QUOTA_EXHAUSTED", "DUP-2", ref, src, "%s: item %s is "
				  "covered by a family-doctor contract but no quota is left; "
				  "charged normally", ref, item);
	else if (use->by && use->charged)
		cb_price__finding(ps, "QUOTA_EXHAUSTED", "DUP-2", ref, src, "%s: the quota of "
				  "contract %s runs out inside the line; the rest is charged as "
				  "%s#2", ref, use->by->id, ref);
	return ps->oom ? -1 : 0;
}

void cb_contracts__funded_line(pstate *ps, cb_line *out, const cb_contract_use *use,
			       const cb_dec *amount, const char *unit)
{
	CB_STEP(ps, "DUP-2", "funded amount", NULL, amount, "%s units funded by contract %s "
		"(payer %s); patient and insurers pay 0", out->qty ? out->qty : "?",
		use->by->id, use->by->payer);
	cb_price__steps_to(ps, &out->steps, &out->step_count);
	out->status = "funded";
	out->funded_by = cb_price__text(ps, use->by->id);
	out->amount = cb_price__money(ps, amount);
	out->patient = "0.00";
	out->rule = "DUP-2";
	cb_price__owe(ps, use->by->payer, unit, amount);
}

void cb_contracts__duplicate_line(pstate *ps, cb_line *out, const char *inst,
				  unsigned long src)
{
	if (ps->trace) {
		cb_dec zero;
		cb_dec_init(&zero);
		CB_STEP(ps, "DUP-1", "amount", NULL, &zero, "line id %s was already billed at "
			"%s: not charged again", out->id, inst);
		cb_dec_clear(&zero);
		cb_price__steps_to(ps, &out->steps, &out->step_count);
	}
	out->status = "duplicate";
	out->amount = "0.00";
	out->patient = "0.00";
	out->rule = "DUP-1";
	cb_price__finding(ps, "DUPLICATE_LINE", "DUP-1", out->id, src, "line id %s was already "
			  "billed for patient %s at institution %s; not charged again", out->id,
			  ps->pt->id, inst);
}

const cs_contract *cb_contracts__ltc(pstate *ps, int32_t day)
{
	cstate *st = ps->contracts;
	for (size_t i = 0; i < st->sorted.n; i++) {
		const cs_contract *k = st->sorted.v[i];
		if (k->type == CS_LTC && active(k, day) && cb_ruleset__ltc_grade(ps->rs, k->grade))
			return k;
	}
	return NULL;
}

const cs_contract *cb_contracts__commercial(pstate *ps, const char *item, int32_t day,
					    const cs_cover **cover)
{
	cstate *st = ps->contracts;
	for (size_t i = 0; i < st->sorted.n; i++) {
		const cs_contract *k = st->sorted.v[i];
		const cs_cover *cv = k->type == CS_COMMERCIAL ? cover_of(k, item) : NULL;
		if (cv && active(k, day)) {
			*cover = cv;
			return k;
		}
	}
	*cover = NULL;
	return NULL;
}

int cb_contracts__commercial_share(pstate *ps, const cs_contract *k, const cs_cover *cv,
				   int32_t day, const cb_dec *base, cb_dec *share,
				   const char *ref, const char *unit)
{
	paid_year *p = paid_for(ps, k, cv, cb_date_year(day));
	if (!p)
		return -1;
	cb_dec raw, left, zero;
	cb_dec_init(&raw), cb_dec_init(&left), cb_dec_init(&zero);
	cb_dec_mul_round2(&raw, base, cv->ratio);
	if (ps->trace) {
		cb_dec e;
		cb_dec_init(&e);
		cb_dec_mul(&e, base, cv->ratio);
		CB_STEP(ps, "EC-5", "commercial before cap", &e, &raw, "round2((amount − ltc) "
			"× ratio) = round2(%s × %s), contract %s", cb_price__x(ps, base),
			cb_price__x(ps, cv->ratio), k->id);
		cb_dec_clear(&e);
	}
	cb_dec_sub(&left, cv->annual_cap, p->paid);
	cb_dec_max(&left, &left, &zero);
	cb_dec_min(share, &raw, &left);
	CB_STEP(ps, "EC-5", "commercial", NULL, share, "min(commercial before cap, annual "
		"cap − paid this year) = min(%s, %s − %s)", cb_price__x(ps, &raw),
		cb_price__x(ps, cv->annual_cap), cb_price__x(ps, p->paid));
	if (cb_dec_cmp(share, &raw) < 0)
		cb_price__finding(ps, "CAP_REACHED", "EC-5", ref, cv->src, "%s: the annual cap "
				  "of cover %s in contract %s is reached: commercial %s instead of "
				  "%s", ref, cv->item, k->id, cb_price__money(ps, share),
				  cb_price__money(ps, &raw));
	cb_dec_add(p->paid, p->paid, share);
	p->shown = 1;
	cb_price__owe(ps, k->payer, unit, share);
	cb_dec_clear(&raw), cb_dec_clear(&left), cb_dec_clear(&zero);
	return ps->oom ? -1 : 0;
}

static int win_cmp(const void *pa, const void *pb)
{
	const quota_win *a = *(const quota_win *const *)pa, *b = *(const quota_win *const *)pb;
	int c = strcmp(a->k->id, b->k->id);
	if (!c)
		c = strcmp(a->cv->item, b->cv->item);
	if (!c && a->from != b->from)
		c = a->from < b->from ? -1 : 1;
	return c;
}

static int year_cmp(const void *pa, const void *pb)
{
	const paid_year *a = *(const paid_year *const *)pa, *b = *(const paid_year *const *)pb;
	int c = strcmp(a->k->id, b->k->id);
	if (!c)
		c = strcmp(a->cv->item, b->cv->item);
	return c ? c : (a->year > b->year) - (a->year < b->year);
}

static const char *window_name(int w)
{
	return w == CS_WINDOW_YEAR ? "year" : w == CS_WINDOW_MONTH ? "month" : "contract";
}

int cb_contracts__statement(pstate *ps)
{
	cstate *st = ps->contracts;
	if (st->wins.n)
		qsort(st->wins.v, st->wins.n, sizeof(void *), win_cmp);
	if (st->years.n)
		qsort(st->years.v, st->years.n, sizeof(void *), year_cmp);
	for (size_t i = 0; i < st->wins.n; i++) {
		const quota_win *w = st->wins.v[i];
		rquota_out *q = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *q));
		if (!w->shown || !q)
			continue;
		char day[11];
		cb_date_format(w->from, day);
		q->contract = cb_arena_strdup(ps->ra, w->k->id);
		q->item = cb_arena_strdup(ps->ra, w->cv->item);
		q->window = window_name(w->cv->window);
		q->window_from = cb_arena_strdup(ps->ra, day);
		q->used = cb_arena_fmt(ps->ra, w->used, CB_DEC_QTY);
		if (cb_ptrvec_push_in(&ps->out->quotas, q, ps->ra) != 0)
			ps->oom = 1;
	}
	for (size_t i = 0; i < st->years.n; i++) {
		const paid_year *p = st->years.v[i];
		rcommercial_out *c = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *c));
		if (!p->shown || !c)
			continue;
		c->contract = cb_arena_strdup(ps->ra, p->k->id);
		c->item = cb_arena_strdup(ps->ra, p->cv->item);
		c->year = cb_arena_printf(ps->ra, "%04d", p->year);
		c->paid = cb_price__money(ps, p->paid);
		if (cb_ptrvec_push_in(&ps->out->commercials, c, ps->ra) != 0)
			ps->oom = 1;
	}
	return ps->oom ? -1 : 0;
}
