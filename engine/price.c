/*
 * price.c — pricing a case: the flow load → validate → order → contracts and duplicates →
 * track pricing → settlement → claim (SPEC §3, §8). Patients are independent: each is priced
 * with its own state (pstate) in bytewise id order; a held patient ([CASE-6]) is shown with its
 * errors only. Units are processed on the [ORD-1] timeline. After all patients, the claims per
 * payer are assembled.
 */
#include "price.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "clauses.h"
#include "contracts.h"
#include "error.h"
#include "findings.h"

void *cb_price__track(pstate *ps, void *p)
{
	if (!p)
		ps->oom = 1;
	return p;
}

cb_dec *cb_price__dec(pstate *ps)
{
	return cb_price__track(ps, cb_arena_dec(ps->scratch));
}

/* Amounts repeat (the same item at the same quantity): a value's text is made once and
 * shared while it stays in the memo. */
const char *cb_price__fmt(pstate *ps, const cb_dec *d, cb_dec_kind kind)
{
	const char *text = cb_dec_memo_get(ps->call->texts, d, kind);
	if (!text) {
		char buf[CB_DEC_SMALL_TEXT];
		const char *first = cb_dec_format_small(d, kind, buf + sizeof buf);
		text = first ? cb_arena_strndup(ps->ra, first, (size_t)(buf + sizeof buf - first))
			     : cb_arena_fmt(ps->ra, d, kind);
		if (!text)
			ps->oom = 1;
		cb_dec_memo_put(ps->call->texts, d, kind, text);
	}
	return text;
}

/* A unit's day is formatted for its bill and turned into a year for its settlement: both
 * are kept, for the few hundred days a case spans. NULL when out of memory. */
static struct pday *day_slot(pstate *ps, int32_t day)
{
	struct pday *d = &ps->call->days[(uint32_t)day & ps->call->day_mask];
	if (d->text && d->day == day)
		return d;
	char text[11];
	cb_date_format(day, text);
	const char *copy = cb_price__track(ps, cb_arena_strdup(ps->ra, text));
	if (!copy)
		return NULL;
	*d = (struct pday){day, cb_date_year(day), copy};
	return d;
}

const char *cb_price__day(pstate *ps, int32_t day)
{
	struct pday *d = day_slot(ps, day);
	return d ? d->text : NULL;
}

int cb_price__day_year(pstate *ps, int32_t day)
{
	struct pday *d = day_slot(ps, day);
	return d ? d->year : cb_date_year(day);
}

yearacc *cb_price__year(pstate *ps, int year)
{
	for (size_t i = 0; i < ps->years.n; i++)
		if (((yearacc *)ps->years.v[i])->year == year)
			return ps->years.v[i];
	yearacc *ya = cb_price__track(ps, cb_arena_alloc(ps->scratch, sizeof *ya));
	if (!ya)
		return NULL;
	ya->year = year;
	ya->od_used = cb_price__dec(ps);
	ya->fund_paid[0] = cb_price__dec(ps);
	ya->fund_paid[1] = cb_price__dec(ps);
	if (ps->oom || cb_ptrvec_push_in(&ps->years, ya, ps->scratch) != 0) {
		ps->oom = 1;
		return NULL;
	}
	if (ps->io && ps->io->accumulators &&
	    ps->io->accumulators(ps->io->ud, ps->pt->id, year, ya->od_used,
				 ya->fund_paid[CB_CAPGROUP_OUTPATIENT],
				 ya->fund_paid[CB_CAPGROUP_INPATIENT]) < 0)
		ps->io_failed = 1;
	return ya;
}

const char *cb_price__text(pstate *ps, const char *s)
{
	char *copy = cb_ptrmap_get(&ps->call->copies, s);
	if (!copy && (!(copy = cb_arena_strdup(ps->ra, s)) ||
		      cb_ptrmap_put(&ps->call->copies, s, copy) != 0))
		ps->oom = 1;
	return copy;
}

/* Texts equal by address, or else byte for byte. */
static int same_text(const char *a, const char *b)
{
	return a == b || strcmp(a, b) == 0;
}

/* The result's copy of a unit id: the unit being priced has one already (its bill's). */
static const char *unit_copy(pstate *ps, const char *unit)
{
	if (unit == ps->unit_src && ps->unit_copy)
		return ps->unit_copy;
	return cb_price__track(ps, cb_arena_strdup(ps->ra, unit));
}

void cb_price__owe(pstate *ps, const char *payer, const char *unit, const cb_dec *amount)
{
	if (cb_dec_is_zero(amount))
		return;
	for (size_t i = 0; i < ps->pay.n; i++) {
		payitem *p = ps->pay.v[i];
		if (same_text(p->payer_src, payer) && same_text(p->unit_src, unit)) {
			cb_dec_add(p->amount, p->amount, amount);
			return;
		}
	}
	payitem *p = cb_price__track(ps, cb_arena_alloc(ps->scratch, sizeof *p));
	if (!p || !(p->amount = cb_arena_dec(ps->scratch)) ||
	    cb_ptrvec_push_in(&ps->pay, p, ps->scratch) != 0) {
		ps->oom = 1;
		return;
	}
	/* payers are rule-set, case or static text: few of them, copied once each */
	p->payer = cb_price__text(ps, payer);
	p->patient = ps->out->pub.id;
	p->unit = unit_copy(ps, unit);
	p->payer_src = payer;
	p->unit_src = unit;
	if (!p->payer || !p->unit)
		ps->oom = 1;
	cb_dec_set(p->amount, amount);
}

void cb_price__finding(pstate *ps, const char *code, const char *rule, const char *ref,
		       unsigned long line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	cb_arena__vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cb_finding *f = cb_finding__new(ps->ra, code, rule, ps->out->pub.id,
					cb_arena_strdup(ps->ra, ref), ps->res->doc_name, line, "%s", msg);
	if (!f || cb_ptrvec_push_in(&ps->findings, f, ps->scratch) != 0)
		ps->oom = 1;
}

rbill *cb_price__bill(pstate *ps, const cs_unit *u, const char *track, int rank, int32_t key)
{
	rbill *b = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *b));
	if (!b || cb_ptrvec_push_in(&ps->out->bills, b, ps->ra) != 0) {
		ps->oom = 1;
		return NULL;
	}
	b->pub.track = track;
	if (u->id != ps->unit_src) {
		ps->unit_src = u->id;
		ps->unit_copy = NULL;
		ps->unit_copy = unit_copy(ps, u->id);
	}
	b->pub.unit = ps->unit_copy;
	/* the institution's id in the rule set is the same text, copied once per case */
	b->pub.institution = u->inst && strcmp(u->inst->id, u->institution) == 0
				     ? cb_price__text(ps, u->inst->id)
				     : cb_price__track(ps, cb_arena_strdup(ps->ra, u->institution));
	b->rank = rank;
	b->key_day = key;
	return b;
}

cb_line *cb_price__line(pstate *ps, rbill *b)
{
	cb_line *l = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *l));
	if (!l || cb_ptrvec_push_in(&b->lines, l, ps->ra) != 0) {
		ps->oom = 1;
		return NULL;
	}
	b->pub.line_count = b->lines.n;
	return l;
}

const char *cb_price__x(pstate *ps, const cb_dec *d)
{
	const char *s = cb_arena_fmt(ps->scratch, d, CB_DEC_EXACT);
	return s ? s : "?";
}

void cb_price__step(pstate *ps, const char *clause, const char *what, const cb_dec *exact,
		    const cb_dec *value, const char *fmt, ...)
{
	if (!ps->trace)
		return;
	char formula[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(formula, sizeof formula, fmt, ap);
	va_end(ap);
	cb_step *st = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *st));
	if (!st)
		return;
	st->clause = clause;
	st->what = what;
	st->formula = cb_arena_strdup(ps->ra, formula);
	st->exact = cb_arena_fmt(ps->ra, exact ? exact : value, CB_DEC_EXACT);
	st->value = cb_arena_fmt(ps->ra, value, CB_DEC_MONEY);
	st->rounded = exact && cb_dec_cmp(exact, value) != 0;
	st->policy = cb_clause__policy(clause);
	if (!st->formula || !st->exact || !st->value || cb_ptrvec_push(&ps->steps, st) != 0)
		ps->oom = 1;
}

void cb_price__steps_to(pstate *ps, const cb_step *const **steps, size_t *count)
{
	if (!ps->trace)
		return;
	*steps = (const cb_step *const *)cb_price__track(ps, cb_ptrvec_to_arena(&ps->steps, ps->ra));
	*count = ps->steps.n;
	ps->steps.n = 0;
}

int cb_price__seen_line(pstate *ps, const char *inst, const char *id)
{
	cb_keymap *seen = &ps->call->seen_lines;
	uint64_t hash = cb_keymap_hash(inst, id, 0);
	if (cb_keymap_get(seen, inst, id, 0, hash))
		return 1;
	if (ps->io && ps->io->line_billed) {
		int billed = ps->io->line_billed(ps->io->ud, ps->pt->id, inst, id);
		if (billed < 0)
			ps->io_failed = 1;
		if (billed > 0)
			return 1;
	}
	if (cb_keymap_put(seen, inst, id, 0, hash, (void *)id) != 0)
		ps->oom = 1;
	return 0;
}

/* ---- the [ORD-1] timeline ---- */

typedef struct tl_entry {
	int32_t day;
	int rank;
	const cs_unit *u;
} tl_entry;

static int unit_rank(const cs_unit *u)
{
	return u->type == CS_ENCOUNTER ? 0 : u->type == CS_VISIT ? 1 : 2;
}

/* The day a unit takes its place on the timeline; a stay is placed at its first billed day
 * (its days are processed in order there: no other kind of unit shares an item with it). */
static int32_t unit_day(const pstate *ps, const cs_unit *u)
{
	if (u->type == CS_STAY)
		return u->from > ps->cs->period_from ? u->from : ps->cs->period_from;
	return u->date;
}

static int tl_cmp(const void *pa, const void *pb)
{
	const tl_entry *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->u->id, b->u->id);
}

int cb_price__skip(pstate *ps, const char *unit_id, int32_t month)
{
	if (!ps->io || !ps->io->skip_unit)
		return 0;
	char day[11];
	if (month != CB_NO_MONTH)
		cb_date_format(month, day);
	int skip = ps->io->skip_unit(ps->io->ud, ps->pt->id, unit_id,
				     month != CB_NO_MONTH ? day : NULL);
	if (skip < 0)
		ps->io_failed = 1;
	return skip != 0;
}

static int price_unit(pstate *ps, const cs_unit *u)
{
	if (u->type != CS_STAY && cb_price__skip(ps, u->id, CB_NO_MONTH))
		return 0;
	switch (u->type) {
	case CS_ENCOUNTER:
		return cb_medical__unit(ps, u);
	case CS_VISIT:
		return cb_visit__unit(ps, u);
	case CS_STAY:
		return cb_eldercare__stay(ps, u);
	default:
		return cb_eldercare__service(ps, u);
	}
}

/* [CASE-5] the accumulators given in the case */
static void carry_in_years(pstate *ps)
{
	for (size_t i = 0; i < ps->pt->accums.n; i++) {
		const cs_accum *a = ps->pt->accums.v[i];
		yearacc *ya = cb_price__year(ps, a->year);
		if (!ya)
			return;
		if (a->od_used)
			cb_dec_set(ya->od_used, a->od_used);
		for (int g = 0; g < 2; g++)
			if (a->fund_paid[g])
				cb_dec_set(ya->fund_paid[g], a->fund_paid[g]);
	}
}

static int year_cmp(const void *pa, const void *pb)
{
	const yearacc *a = *(const yearacc *const *)pa, *b = *(const yearacc *const *)pb;
	return (a->year > b->year) - (a->year < b->year);
}

/* The statement ([ACC-1], §8): shares per account and the state after the run. */
static void statement(pstate *ps)
{
	cb_patient *p = &ps->out->pub;
	cb_dec total;
	cb_dec_init(&total);
	cb_dec_add(&total, ps->owes[0], ps->owes[1]);
	cb_dec_add(&total, &total, ps->owes[2]);
	p->owes_medical = cb_price__money(ps, ps->owes[CB_ACC_MEDICAL]);
	p->owes_home_visit = cb_price__money(ps, ps->owes[CB_ACC_HOME_VISIT]);
	p->owes_eldercare = cb_price__money(ps, ps->owes[CB_ACC_ELDERCARE]);
	p->owes_total = cb_price__money(ps, &total);
	cb_dec_clear(&total);
	if (ps->years.n)
		qsort(ps->years.v, ps->years.n, sizeof(void *), year_cmp);
	for (size_t i = 0; i < ps->years.n; i++) {
		const yearacc *ya = ps->years.v[i];
		raccum_out *a = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *a));
		if (!a || cb_ptrvec_push_in(&ps->out->accums, a, ps->ra) != 0) {
			ps->oom = 1;
			return;
		}
		a->year = cb_arena_printf(ps->ra, "%04d", ya->year);
		a->od_used = cb_price__money(ps, ya->od_used);
		a->fund_paid_out = cb_price__money(ps, ya->fund_paid[CB_CAPGROUP_OUTPATIENT]);
		a->fund_paid_in = cb_price__money(ps, ya->fund_paid[CB_CAPGROUP_INPATIENT]);
	}
	cb_contracts__statement(ps);
}

static int bill_cmp(const void *pa, const void *pb)
{
	const rbill *a = *(const rbill *const *)pa, *b = *(const rbill *const *)pb;
	if (a->key_day != b->key_day)
		return a->key_day < b->key_day ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->pub.unit, b->pub.unit);
}

/* `rule` with its clauses in SPEC order: looked up by address (most rules are static
 * text), then by content; each distinct text is canonicalised once per case. */
static const char *canonical_rule(pstate *ps, const char *rule)
{
	pcall *call = ps->call;
	const char *canon = cb_ptrmap_get(&call->canonical, rule);
	if (canon)
		return canon;
	canon = cb_strmap_get(&call->canonical_text, rule);
	if (!canon && (!(canon = cb_clause__canonical(ps->ra, rule)) ||
		       cb_strmap_put(&call->canonical_text, rule, (void *)canon) != 0)) {
		ps->oom = 1;
		return NULL;
	}
	if (cb_ptrmap_put(&call->canonical, rule, (void *)canon) != 0)
		ps->oom = 1;
	return canon;
}

/* Rule attributes list their clauses in SPEC order (docs/claim-format.md). */
static void canonical_rules(pstate *ps)
{
	for (size_t b = 0; b < ps->out->bills.n && !ps->oom; b++) {
		rbill *bill = ps->out->bills.v[b];
		for (size_t i = 0; i < bill->lines.n && !ps->oom; i++) {
			cb_line *l = bill->lines.v[i];
			if (l->rule)
				l->rule = canonical_rule(ps, l->rule);
		}
	}
}

/* Short arrays (a unit's lines, a patient's units) are sorted by insertion: stable, like
 * glibc's merge sort, and without its call overhead. */
#define INSERTION_MAX 24
#define ELEM_MAX 32

void cb_price__sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *p = base;
	size_t i = 1;
	while (i < n && cmp(p + (i - 1) * size, p + i * size) <= 0)
		i++;
	if (i >= n)
		return;
	if (n > INSERTION_MAX || size > ELEM_MAX) {
		qsort(base, n, size, cmp);
		return;
	}
	char x[ELEM_MAX];
	for (; i < n; i++) { /* p[0..i) is in order */
		size_t j = i;
		memcpy(x, p + i * size, size);
		for (; j > 0 && cmp(p + (j - 1) * size, x) > 0; j--)
			memcpy(p + j * size, p + (j - 1) * size, size);
		memcpy(p + j * size, x, size);
	}
}

/* Ask for the next unit's lines while this one is priced: a case is read once, from memory
 * no cache holds, and its lines are reached through pointers the hardware cannot guess. */
static void prefetch_unit(const cs_unit *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nlines && i < 16; i++) {
		const cs_line *ln = u->lines[i];
		__builtin_prefetch(ln);
		__builtin_prefetch(ln->id);
	}
}

static void price_timeline(pstate *ps)
{
	const cb_ptrvec *units = &ps->pt->units;
	tl_entry *tl = cb_price__track(ps, cb_arena_alloc(ps->scratch, units->n * sizeof *tl));
	if (!tl)
		return;
	for (size_t i = 0; i < units->n; i++) /* all of them at once, rather than one by one */
		__builtin_prefetch(units->v[i]);
	for (size_t i = 0; i < units->n; i++) {
		const cs_unit *u = units->v[i];
		tl[i] = (tl_entry){unit_day(ps, u), unit_rank(u), u};
	}
	cb_price__sort(tl, units->n, sizeof *tl, tl_cmp);
	for (size_t i = 0; i < units->n && !ps->oom; i++) {
		prefetch_unit(i + 1 < units->n ? tl[i + 1].u : NULL);
		price_unit(ps, tl[i].u);
	}
	cb_price__sort(ps->out->bills.v, ps->out->bills.n, sizeof(void *), bill_cmp);
	ps->out->pub.bill_count = ps->out->bills.n;
	canonical_rules(ps);
}

/* A patient's claim items in the order of their bills (stable within a bill): a unit's
 * items go with the last of its bills. Left as they are if some item has no bill. */
static void order_pay(pstate *ps)
{
	cb_keymap *pos = &ps->call->unit_rank;
	size_t nbills = ps->out->bills.n, n = ps->pay.n;
	size_t *rank = cb_arena_alloc(ps->scratch, n * sizeof *rank);
	size_t *start = cb_arena_alloc(ps->scratch, (nbills + 2) * sizeof *start);
	void **sorted = cb_arena_alloc(ps->scratch, n * sizeof *sorted);
	if (!rank || !start || !sorted) {
		ps->oom = 1;
		return;
	}
	cb_keymap_clear(pos);
	for (size_t b = nbills; b-- > 0;) { /* the last bill of a unit is put first */
		const char *unit = ((rbill *)ps->out->bills.v[b])->pub.unit;
		uint64_t h = cb_keymap_hash(unit, NULL, 0);
		if (!cb_keymap_get(pos, unit, NULL, 0, h) &&
		    cb_keymap_put(pos, unit, NULL, 0, h, (void *)(b + 1)) != 0) {
			ps->oom = 1;
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *unit = ((payitem *)ps->pay.v[i])->unit;
		rank[i] = (size_t)cb_keymap_get(pos, unit, NULL, 0, cb_keymap_hash(unit, NULL, 0));
		if (!rank[i])
			return;
		start[rank[i] + 1]++;
	}
	for (size_t b = 1; b <= nbills; b++) /* a counting sort: stable by construction */
		start[b + 1] += start[b];
	for (size_t i = 0; i < n; i++)
		sorted[start[rank[i]]++] = ps->pay.v[i];
	memcpy(ps->pay.v, sorted, n * sizeof *sorted);
}

/* The number of `payer` (a text of the result) among the case's payers, by content; a new
 * payer is numbered next, with a total of zero. SIZE_MAX when out of memory. */
static size_t payer_number(pcall *call, const char *payer)
{
	size_t no = (size_t)cb_strmap_get(&call->payer_no, payer);
	if (no)
		return no - 1;
	no = call->payers.n;
	if (no == call->payer_cap) { /* totals and counts grow in step */
		size_t cap = no ? 2 * no : 8;
		cb_dec *totals = realloc(call->totals, cap * sizeof *totals);
		if (!totals)
			return SIZE_MAX;
		call->totals = totals; /* a cb_dec may move: its limbs are not inside it */
		size_t *counts = realloc(call->counts, cap * sizeof *counts);
		if (!counts)
			return SIZE_MAX;
		call->counts = counts;
		for (size_t k = no; k < cap; k++) {
			cb_dec_init(&totals[k]);
			counts[k] = 0;
		}
		call->payer_cap = cap;
	}
	if (cb_strmap_put(&call->payer_no, payer, (void *)(no + 1)) != 0 ||
	    cb_ptrvec_push(&call->payers, (void *)payer) != 0)
		return SIZE_MAX;
	return no;
}

/* The patient's claim items (§8), made while what they come from is still in cache: each
 * adds to its payer's total, and waits in call->claimed for build_claims. */
static void claim_items(pstate *ps)
{
	pcall *call = ps->call;
	const char *last = NULL; /* a patient's items mostly share one payer text */
	size_t no = 0;
	for (size_t i = 0; i < ps->pay.n && !ps->oom; i++) {
		const payitem *p = ps->pay.v[i];
		if (p->payer != last && (no = payer_number(call, p->payer)) == SIZE_MAX) {
			ps->oom = 1;
			return;
		}
		last = p->payer;
		if (call->nclaimed == call->claimed_cap) {
			size_t cap = call->claimed_cap ? 2 * call->claimed_cap : 64;
			pclaimed *v = realloc(call->claimed, cap * sizeof *v);
			if (!v) {
				ps->oom = 1;
				return;
			}
			call->claimed = v;
			call->claimed_cap = cap;
		}
		cb_claim_item *it = cb_price__track(ps, cb_arena_alloc(ps->ra, sizeof *it));
		if (!it)
			return;
		it->patient = p->patient;
		it->unit = p->unit;
		it->amount = cb_price__fmt(ps, p->amount, CB_DEC_MONEY);
		cb_dec_add(&call->totals[no], &call->totals[no], p->amount);
		call->counts[no]++;
		call->claimed[call->nclaimed++] = (pclaimed){it, no};
	}
}

/* Price one billable patient into `out`; its claim items go to call->claimed, its notes to
 * `found`. */
static int price_patient(cb_result *res, const cb_ruleset *rs, const cs_case *cs,
			 const cs_patient *pt, rpatient *out, cb_ptrvec *found,
			 cb_arena *scratch, pcall *call)
{
	pstate ps = {0};
	ps.call = call;
	ps.trace = res->trace;
	ps.io = res->io;
	ps.rs = rs;
	ps.cs = cs;
	ps.pt = pt;
	ps.res = res;
	ps.ra = res->arena;
	ps.out = out;
	ps.scratch = scratch;
	if (!ps.scratch)
		return -1;
	for (int i = 0; i < 3; i++)
		ps.owes[i] = cb_price__dec(&ps);
	if (!ps.oom && cb_contracts__init(&ps) == 0) {
		carry_in_years(&ps);
		price_timeline(&ps);
		statement(&ps);
		if (ps.pay.n)
			order_pay(&ps);
	}
	if (!ps.oom)
		claim_items(&ps);
	for (size_t i = 0; i < ps.findings.n && !ps.oom; i++)
		if (cb_ptrvec_push_in(found, ps.findings.v[i], res->arena) != 0)
			ps.oom = 1;
	cb_contracts__free(&ps);
	cb_ptrvec_free(&ps.steps);
	cb_keymap_clear(&call->seen_lines);
	cb_keymap_clear(&call->line_times);
	cb_arena_reset(ps.scratch);
	if (ps.io_failed)
		res->io_failed = 1;
	return ps.oom || ps.io_failed ? -1 : 0;
}

/* ---- claims (§8): medical-insurance first, then payers bytewise ---- */

static int payer_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int ma = strcmp(a, "medical-insurance") == 0, mb = strcmp(b, "medical-insurance") == 0;
	if (ma != mb)
		return mb - ma;
	return strcmp(a, b);
}

/* The claims of the payers in `payers` (numbered in `seen` from 1), medical-insurance first,
 * then bytewise; claims[k] is the claim of payer number k + 1. */
static int open_claims(cb_result *res, cb_ptrvec *payers, const cb_strmap *seen,
		       rclaim **claims)
{
	if (payers->n)
		qsort(payers->v, payers->n, sizeof(void *), payer_cmp);
	for (size_t i = 0; i < payers->n; i++) {
		rclaim *c = cb_arena_alloc(res->arena, sizeof *c);
		if (!c || cb_ptrvec_push_in(&res->claims, c, res->arena) != 0)
			return -1;
		c->pub.payer = payers->v[i];
		claims[(size_t)cb_strmap_get(seen, c->pub.payer) - 1] = c;
	}
	return 0;
}

/* The claims of the case: call->claimed holds the items in patient order, then bill order,
 * and each claim takes its payer's items in that order; the totals are summed already. */
static int build_claims(cb_result *res, pcall *call)
{
	size_t n = call->payers.n;
	if (!n)
		return 0;
	rclaim **claims = calloc(n, sizeof *claims); /* by payer number */
	int rc = !claims || open_claims(res, &call->payers, &call->payer_no, claims);
	for (size_t k = 0; k < n && !rc; k++) {
		rclaim *c = claims[k];
		c->items.v = cb_arena_alloc(res->arena, call->counts[k] * sizeof *c->items.v);
		c->items.cap = call->counts[k];
		c->pub.item_count = call->counts[k];
		c->pub.total = cb_arena_fmt(res->arena, &call->totals[k], CB_DEC_MONEY);
		if (!c->items.v || !c->pub.total)
			rc = -1;
	}
	for (size_t i = 0; i < call->nclaimed && !rc; i++) {
		rclaim *c = claims[call->claimed[i].payer];
		c->items.v[c->items.n++] = call->claimed[i].item;
	}
	free(claims);
	return rc;
}

static int patient_cmp(const void *pa, const void *pb)
{
	const cs_patient *a = *(const cs_patient *const *)pa, *b = *(const cs_patient *const *)pb;
	return strcmp(a->id, b->id);
}

/* Every vector of a result lives in its arena (cb_ptrvec_push_in). */
CB_EXTERN void cb_result_free(cb_result *res)
{
	if (!res)
		return;
	cb_arena_free(res->arena);
	free(res);
}

static int push_all(cb_ptrvec *dst, const cb_ptrvec *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (cb_ptrvec_push(dst, src->v[i]) != 0)
			return -1;
	return 0;
}

/* Input findings live in the case's arena: copy them into the result's. */
static int copy_findings(cb_result *res, cb_ptrvec *dst, const cb_ptrvec *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const cb_finding *f = src->v[i];
		cb_finding *c = cb_arena_alloc(res->arena, sizeof *c);
		if (!c)
			return -1;
		*c = *f;
		c->ref = cb_arena_strdup(res->arena, f->ref);
		c->message = cb_arena_strdup(res->arena, f->message);
		c->file = cb_arena_strdup(res->arena, f->file);
		if ((f->ref && !c->ref) || !c->message || (f->file && !c->file) ||
		    cb_ptrvec_push_in(dst, c, res->arena) != 0)
			return -1;
	}
	return 0;
}

/* The least power of two from `lo` that reaches `n`, at most `hi`. */
static size_t pow2_within(size_t n, size_t lo, size_t hi)
{
	size_t p = lo;
	while (p < n && p < hi)
		p *= 2;
	return p;
}

/* The case's tables of texts, sized by its units: a one-patient case zeroes a few hundred
 * bytes instead of 32 KB (a unit shows some tens of values and one or two days). */
static int size_tables(pcall *call, const cs_case *cs)
{
	size_t units = 0;
	for (size_t i = 0; i < cs->patients.n; i++)
		units += ((const cs_patient *)cs->patients.v[i])->units.n;
	size_t days = pow2_within(2 * units, 16, CB_PRICE_DAY_SLOTS);
	call->texts = cb_dec_memo_new(pow2_within(32 * units, 64, CB_DEC_MEMO_SLOTS));
	call->days = calloc(days, sizeof *call->days);
	call->day_mask = (uint32_t)days - 1;
	return call->texts && call->days ? 0 : -1;
}

/* Price every patient of a loaded case into res. */
static int price_case(cb_result *res, const cb_ruleset *rs, const cs_case *cs)
{
	if (cs->rejected) {
		res->status = CB_RESULT_REJECTED;
		return copy_findings(res, &res->findings, &cs->doc_findings);
	}
	cb_ptrvec order = {0};
	cb_ptrvec notes = {0}; /* in the result's arena, like every vector of the result */
	pcall call = {0};
	cb_arena *scratch = cb_arena_new(); /* working values, reset after each patient */
	int rc = !scratch || size_tables(&call, cs) != 0 || push_all(&order, &cs->patients);
	if (order.n)
		qsort(order.v, order.n, sizeof(void *), patient_cmp);
	for (size_t i = 0; i < order.n && !rc; i++) {
		const cs_patient *pt = order.v[i];
		rpatient *rp = cb_arena_alloc(res->arena, sizeof *rp);
		if (!rp || cb_ptrvec_push_in(&res->patients, rp, res->arena) != 0) {
			rc = -1;
			break;
		}
		rp->pub.id = cb_arena_strdup(res->arena, pt->id);
		rp->pub.held = pt->held;
		notes.n = 0;
		if (pt->held) {
			res->status = CB_RESULT_HELD;
			rc = copy_findings(res, &notes, &pt->findings);
		} else {
			rc = price_patient(res, rs, cs, pt, rp, &notes, scratch, &call);
		}
		for (size_t j = 0; j < notes.n && !rc; j++) {
			cb_finding *f = notes.v[j];
			f->patient = rp->pub.id;
			rc = cb_ptrvec_push_in(&res->findings, f, res->arena);
		}
	}
	if (!rc)
		rc = build_claims(res, &call);
	cb_arena_free(scratch);
	cb_ptrvec_free(&order);
	free(call.claimed);
	cb_strmap_free(&call.payer_no);
	cb_ptrvec_free(&call.payers);
	for (size_t k = 0; k < call.payer_cap; k++)
		cb_dec_clear(&call.totals[k]);
	free(call.totals);
	free(call.counts);
	cb_ptrmap_free(&call.copies);
	cb_ptrmap_free(&call.canonical);
	cb_strmap_free(&call.canonical_text);
	cb_keymap_free(&call.seen_lines);
	cb_keymap_free(&call.line_times);
	cb_keymap_free(&call.unit_rank);
	cb_dec_memo_free(call.texts);
	free(call.days);
	return rc;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

CB_EXTERN int cb_case_price_buffer(cb_result **out, const cb_ruleset *rs, const char *buf,
				   size_t len, const char *name, const cb_price_options *opts)
{
	return cb_case__price(out, rs, buf, len, name, opts, NULL);
}

int cb_case__price(cb_result **out, const cb_ruleset *rs, const char *buf, size_t len,
		   const char *name, const cb_price_options *opts, const cb_state_io *io)
{
	if (out)
		*out = NULL;
	if (!out || !rs || (!buf && len))
		return cb__error(CB_EINVAL, "cb_case_price_buffer: NULL argument");
	cs_case *cs = NULL;
	int rc = cb_case__load(&cs, NULL, rs, buf ? buf : "", len, name ? name : "-", opts);
	if (rc != CB_OK)
		return rc;
	rc = cb_case__price_model(out, cs, opts, io);
	cb_case__free(cs);
	return rc;
}

int cb_case__price_model(cb_result **out, const cs_case *cs, const cb_price_options *opts,
			 const cb_state_io *io)
{
	const cb_ruleset *rs = cs->rs;
	const char *name = cs->name;
	cb_result *res = calloc(1, sizeof *res);
	if (!res || !(res->arena = cb_arena_new())) {
		free(res);
		return cb__error(CB_ENOMEM, "out of memory pricing %s", name);
	}
	res->case_name = cb_arena_strdup(res->arena, base_name(name));
	res->doc_name = cb_arena_strdup(res->arena, name);
	res->trace = opts && opts->trace;
	res->io = io;
	res->ruleset_id = cb_arena_strdup(res->arena, rs->id);
	res->ruleset_from = cb_arena_strdup(res->arena, rs->effective_from);
	memcpy(res->ruleset_sha256, rs->sha256, sizeof res->ruleset_sha256);
	memcpy(res->case_sha256, cs->sha256, sizeof res->case_sha256);
	int rc = !res->case_name || !res->doc_name || price_case(res, rs, cs) != 0 ? CB_ENOMEM
										 : CB_OK;
	res->io = NULL;
	if (rc != CB_OK) {
		int failed = res->io_failed;
		cb_result_free(res);
		/* a failing state store has set its own message (cb_state_io) */
		return failed ? CB_EIO : cb__error(CB_ENOMEM, "out of memory pricing %s", name);
	}
	*out = res;
	cb__error_clear();
	return CB_OK;
}

CB_EXTERN int cb_case_price_file(cb_result **out, const cb_ruleset *rs, const char *path,
				 const cb_price_options *opts)
{
	if (out)
		*out = NULL;
	if (!out || !rs || !path)
		return cb__error(CB_EINVAL, "cb_case_price_file: NULL argument");
	cb_case *c = NULL;
	int rc = cb_case_load_file(&c, rs, path, opts);
	if (rc == CB_OK)
		rc = cb_case_price(out, c, opts);
	cb_case_free(c);
	return rc;
}
