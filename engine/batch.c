/*
 * batch.c — the nightly run (SPEC §10, [BAT-2]..[BAT-5]): one engine, two ways in. Each
 * patient is priced by the same code as cb_case_price_buffer(): the run builds a case
 * document for that one patient from the database and prices it with a cb_state_io (price.h)
 * that answers from the database — quota use, commercial payments, accumulators, the ledger
 * of billed line ids ([DUP-1]) and which units and stay months to skip ([BAT-2]).
 *
 * The document of patient P for date D:
 *   <case ruleset=R><period from=F to=T/><patient …> contracts and events </patient></case>
 * T is the first day of the first month that has not ended on or before D; F the first day of
 * the earliest month with an unbilled stay day or per-use service (D's month if none), and
 * T = F when T < F. Contracts, unbilled encounters and visits (due or not: a later discharge
 * still makes medical days, [DUP-3]), stays reaching into the period, billed encounters
 * reaching into it (medical days again) and due unbilled services are included; the engine
 * asks skip_unit for each unit and stay month, and only what is due and unbilled is priced.
 *
 * Invariants: each patient is one transaction ([BAT-3]) holding its claim document, the
 * units and stay months it billed, its ledger entries and its state after the run; a patient
 * that has a claim for D is skipped, which makes a killed run resumable and a repeated run a
 * no-op ([BAT-4]); patients are read a page at a time and each patient's data lives in an
 * arena freed after it, so memory is bounded by one patient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "dates.h"
#include "error.h"
#include "price.h"

#define PAGE 256

enum { EV_CONTRACT, EV_ENCOUNTER, EV_VISIT, EV_STAY, EV_SERVICE };

typedef struct bevent {
	int kind;
	const char *id, *institution, *xml, *source;
	long line;
	int32_t settle, from, to; /* day numbers; `to` is INT32_MAX for an open stay */
	int billed;               /* an encounter, visit or service billed by an earlier run */
} bevent;

typedef struct prow {
	const char *id, *ruleset, *scheme, *source;
	int retired;
} prow;

typedef struct brun {
	cb_batch *b;
	const cb_batch_options *o;
	bsummary *sum;
	int32_t d;            /* D */
	int32_t due_end;      /* first day of the first month not ended on or before D */
	long long run_id;
	/* the patient being billed */
	const prow *pt;
	cb_arena *pa;
	bevent **ev;
	size_t nev, cap;
	bevent **incl;        /* the events in the document, in order (line 4 onwards) */
	size_t nincl;
	cb_strmap units;      /* unit id -> bevent* */
	cb_ptrvec checked;    /* "institution\x1fline id" the engine asked about */
	int32_t from, to;     /* the document's period */
	int io_rc;
	char io_msg[512];
} brun;

/* ---- reading the patient ---- */

static int kind_of(const char *k)
{
	static const char *names[] = {"contract", "encounter", "visit", "stay", "service"};
	for (int i = 0; i < 5; i++)
		if (strcmp(k, names[i]) == 0)
			return i;
	return EV_CONTRACT;
}

static int32_t day_of(const char *s, int32_t dflt)
{
	int32_t d;
	return s && *s && cb_date_parse(s, &d) == 0 ? d : dflt;
}

/* 1 when the database has a billed_units row (patient, unit, month); 0; CB_EIO. */
static int billed(brun *R, const char *unit, const char *month)
{
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_BILLED);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, R->pt->id);
	cb_bdb__text(st, 2, unit);
	cb_bdb__text(st, 3, month);
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0
			       : cb_bdb__fail(R->b, "reading billed units");
}

static bevent *event_from_row(brun *R, sqlite3_stmt *st)
{
	bevent *e = cb_arena_alloc(R->pa, sizeof *e);
	if (!e)
		return NULL;
	e->kind = kind_of(cb_bdb__col(st, 0));
	e->id = cb_arena_strdup(R->pa, cb_bdb__col(st, 1));
	e->institution = cb_arena_strdup(R->pa, cb_bdb__col(st, 2));
	e->settle = day_of(cb_bdb__col(st, 3), 0);
	e->from = day_of(cb_bdb__col(st, 4), 0);
	e->to = day_of(cb_bdb__col(st, 5), INT32_MAX);
	e->xml = cb_arena_strdup(R->pa, cb_bdb__col(st, 6));
	e->source = cb_arena_strdup(R->pa, cb_bdb__col(st, 7));
	e->line = (long)sqlite3_column_int64(st, 8);
	return e->id && e->institution && e->xml && e->source ? e : NULL;
}

static int push_event(brun *R, bevent *e)
{
	if (R->nev == R->cap) {
		size_t cap = R->cap ? R->cap * 2 : 64;
		bevent **v = realloc(R->ev, cap * sizeof *v);
		bevent **w = v ? realloc(R->incl, cap * sizeof *w) : NULL;
		if (v)
			R->ev = v;
		if (!w)
			return cb__error(CB_ENOMEM, "out of memory reading patient %s", R->pt->id);
		R->incl = w;
		R->cap = cap;
	}
	R->ev[R->nev++] = e;
	if (e->kind != EV_CONTRACT && cb_strmap_put(&R->units, e->id, e) != 0)
		return cb__error(CB_ENOMEM, "out of memory reading patient %s", R->pt->id);
	return 0;
}

static int load_events(brun *R)
{
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_EVENTS_OF);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, R->pt->id);
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		bevent *e = event_from_row(R, st);
		rc = e ? push_event(R, e)
		       : cb__error(CB_ENOMEM, "out of memory reading patient %s", R->pt->id);
	}
	if (!rc && step != SQLITE_DONE)
		rc = cb_bdb__fail(R->b, "reading events");
	sqlite3_reset(st);
	for (size_t i = 0; i < R->nev && !rc; i++) {
		bevent *e = R->ev[i];
		if (e->kind != EV_CONTRACT && e->kind != EV_STAY) {
			int got = billed(R, e->id, "");
			rc = got < 0 ? got : 0;
			e->billed = got > 0;
		}
	}
	return rc;
}

/* ---- the period ---- */

/* The first month of stay e without a billed_units row, into *m; 0 when every month of the
 * stay is billed (1 otherwise), CB_EIO. */
static int first_unbilled_month(brun *R, const bevent *e, int32_t *m)
{
	int32_t last_day = e->to == INT32_MAX ? INT32_MAX : e->to > e->from ? e->to - 1 : e->from;
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_STAY_MONTHS);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, R->pt->id);
	cb_bdb__text(st, 2, e->id);
	*m = cb_date_month_start(e->from);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int32_t done = day_of(cb_bdb__col(st, 0), 0);
		if (done > *m)
			break;
		if (done == *m)
			*m = cb_date_next_month(*m);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return cb_bdb__fail(R->b, "reading billed stay months");
	return last_day == INT32_MAX || *m <= last_day;
}

/* F and T of the document (see the head of this file). */
static int period(brun *R)
{
	int32_t first = INT32_MAX, m;
	for (size_t i = 0; i < R->nev; i++) {
		const bevent *e = R->ev[i];
		if (e->kind == EV_STAY) {
			int open = first_unbilled_month(R, e, &m);
			if (open < 0)
				return open;
			if (open && m < first)
				first = m;
		} else if (e->kind == EV_SERVICE && !e->billed &&
			   cb_date_month_start(e->settle) < first) {
			first = cb_date_month_start(e->settle);
		}
	}
	R->from = first != INT32_MAX ? first : cb_date_month_start(R->d);
	R->to = R->due_end < R->from ? R->from : R->due_end;
	return 0;
}

static int included(const brun *R, const bevent *e)
{
	switch (e->kind) {
	case EV_ENCOUNTER: /* billed ones only for their medical days in the period */
		return !e->billed || (e->from < R->to && e->to >= R->from);
	case EV_VISIT:
		return !e->billed;
	case EV_STAY:
		return e->to >= R->from;
	case EV_SERVICE:
		return !e->billed && e->settle >= R->from && e->settle < R->due_end;
	default:
		return 1;
	}
}

/* The case document of the patient; events from line 4 on, one per line. */
static int build_document(brun *R, cb_buf *w)
{
	char f[11], t[11];
	cb_date_format(R->from, f);
	cb_date_format(R->to, t);
	cb_buf_puts(w, "<case ruleset=\"");
	cb_buf_escape(w, R->pt->ruleset, 1);
	cb_buf_puts(w, "\">\n<period from=\"");
	cb_buf_puts(w, f);
	cb_buf_puts(w, "\" to=\"");
	cb_buf_puts(w, t);
	cb_buf_puts(w, "\"/>\n<patient id=\"");
	cb_buf_escape(w, R->pt->id, 1);
	cb_buf_puts(w, "\" scheme=\"");
	cb_buf_escape(w, R->pt->scheme, 1);
	cb_buf_puts(w, R->pt->retired ? "\" retired=\"true\">\n" : "\" retired=\"false\">\n");
	R->nincl = 0;
	for (size_t i = 0; i < R->nev; i++) {
		if (!included(R, R->ev[i]))
			continue;
		R->incl[R->nincl++] = R->ev[i];
		cb_buf_puts(w, R->ev[i]->xml);
		cb_buf_puts(w, "\n");
	}
	cb_buf_puts(w, "</patient>\n</case>\n");
	return w->oom ? cb__error(CB_ENOMEM, "out of memory for patient %s", R->pt->id) : 0;
}

/* ---- the state store the engine prices with ---- */

static int io_fail(brun *R, int rc)
{
	if (!R->io_rc) {
		R->io_rc = rc;
		snprintf(R->io_msg, sizeof R->io_msg, "%s", cb_error_last());
	}
	return -1;
}

/* Run a lookup: 1 with the row's columns parsed into outs, 0 without a row, -1. */
static int lookup(brun *R, sqlite3_stmt *st, cb_dec **outs, int n)
{
	int step = sqlite3_step(st), rc = 0;
	if (step == SQLITE_ROW) {
		rc = 1;
		for (int i = 0; i < n && rc == 1; i++)
			if (cb_dec_parse(outs[i], cb_bdb__col(st, i), CB_DEC_EXACT, NULL, 0) != 0)
				rc = io_fail(R, cb__error(CB_EIO, "%s: patient %s: a stored amount "
							  "is not a decimal: \"%.40s\"", R->b->path,
							  R->pt->id, cb_bdb__col(st, i)));
	} else if (step != SQLITE_DONE) {
		rc = io_fail(R, cb_bdb__fail(R->b, "reading state"));
	}
	sqlite3_reset(st);
	return rc;
}

static int io_quota_used(void *ud, const char *patient, const char *contract, const char *item,
			 const char *window_from, cb_dec *used)
{
	brun *R = ud;
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_QUOTA_GET);
	if (!st)
		return io_fail(R, CB_EIO);
	const char *key[4] = {patient, contract, item, window_from};
	for (int i = 0; i < 4; i++)
		cb_bdb__text(st, i + 1, key[i]);
	return lookup(R, st, &used, 1);
}

static int io_commercial_paid(void *ud, const char *patient, const char *contract,
			      const char *item, int year, cb_dec *paid)
{
	brun *R = ud;
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_PAID_GET);
	if (!st)
		return io_fail(R, CB_EIO);
	cb_bdb__text(st, 1, patient);
	cb_bdb__text(st, 2, contract);
	cb_bdb__text(st, 3, item);
	sqlite3_bind_int(st, 4, year);
	return lookup(R, st, &paid, 1);
}

static int io_accumulators(void *ud, const char *patient, int year, cb_dec *od_used,
			   cb_dec *fund_paid_out, cb_dec *fund_paid_in)
{
	brun *R = ud;
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_ACCUM_GET);
	if (!st)
		return io_fail(R, CB_EIO);
	cb_bdb__text(st, 1, patient);
	sqlite3_bind_int(st, 2, year);
	cb_dec *outs[3] = {od_used, fund_paid_out, fund_paid_in};
	return lookup(R, st, outs, 3);
}

/* [DUP-1] the ledger; every line the engine asks about is priced in this run, so it is
 * entered into the ledger when the patient is committed. */
static int io_line_billed(void *ud, const char *patient, const char *institution,
			  const char *line_id)
{
	brun *R = ud;
	char *key = cb_arena_printf(R->pa, "%s\x1f%s", institution, line_id);
	if (!key || cb_ptrvec_push(&R->checked, key) != 0)
		return io_fail(R, cb__error(CB_ENOMEM, "out of memory"));
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_LEDGER_GET);
	if (!st)
		return io_fail(R, CB_EIO);
	cb_bdb__text(st, 1, patient);
	cb_bdb__text(st, 2, institution);
	cb_bdb__text(st, 3, line_id);
	return lookup(R, st, NULL, 0);
}

/* [BAT-2] what this run must not bill */
static int io_skip_unit(void *ud, const char *patient, const char *unit_id, const char *month)
{
	brun *R = ud;
	(void)patient;
	if (month) {
		if (day_of(month, 0) >= R->due_end)
			return 1; /* the month has not ended on or before D */
		int got = billed(R, unit_id, month);
		return got < 0 ? io_fail(R, got) : got;
	}
	const bevent *e = cb_strmap_get(&R->units, unit_id);
	if (!e)
		return 0;
	return e->billed || e->settle > R->d ||
	       (e->kind == EV_SERVICE && e->settle >= R->due_end);
}

/* ---- committing a priced patient ---- */

static int put(brun *R, int which, const char *const *text, int n, const char *what)
{
	sqlite3_stmt *st = cb_bdb__stmt(R->b, which);
	if (!st)
		return CB_EIO;
	for (int i = 0; i < n; i++)
		cb_bdb__text(st, i + 1, text[i]);
	return cb_bdb__done(R->b, st, what);
}

/* The units and stay months of the bills: an elder-care stay bill marks the month of each
 * of its runs (runs end at month ends, [EC-3]); every other bill marks its unit. */
static int mark_billed(brun *R, const rpatient *rp)
{
	int rc = 0;
	for (size_t i = 0; i < rp->bills.n && !rc; i++) {
		const rbill *bl = rp->bills.v[i];
		const char *text[4] = {R->pt->id, bl->pub.unit, "", R->sum->date};
		if (!bl->pub.from) {
			rc = put(R, BS_BILLED_PUT, text, 4, "marking a billed unit");
			continue;
		}
		char month[11] = "";
		for (size_t j = 0; j < bl->lines.n && !rc; j++) {
			const cb_line *l = bl->lines.v[j];
			if (strncmp(month, l->from, 7) == 0)
				continue;
			snprintf(month, sizeof month, "%.7s-01", l->from);
			text[2] = month;
			rc = put(R, BS_BILLED_PUT, text, 4, "marking a billed stay month");
		}
	}
	return rc;
}

static int enter_ledger(brun *R)
{
	int rc = 0;
	for (size_t i = 0; i < R->checked.n && !rc; i++) {
		char *key = R->checked.v[i], *sep = strchr(key, '\x1f');
		*sep = '\0';
		const char *text[4] = {R->pt->id, key, sep + 1, R->sum->date};
		rc = put(R, BS_LEDGER_PUT, text, 4, "entering the ledger");
		*sep = '\x1f';
	}
	return rc;
}

/* The state after the run, from the statement (§8): the next run starts from it. */
static int store_state(brun *R, const rpatient *rp)
{
	int rc = 0;
	for (size_t i = 0; i < rp->accums.n && !rc; i++) {
		const raccum_out *a = rp->accums.v[i];
		const char *text[5] = {R->pt->id, a->year, a->od_used, a->fund_paid_out,
				       a->fund_paid_in};
		rc = put(R, BS_ACCUM_PUT, text, 5, "storing accumulators");
	}
	for (size_t i = 0; i < rp->quotas.n && !rc; i++) {
		const rquota_out *q = rp->quotas.v[i];
		const char *text[5] = {R->pt->id, q->contract, q->item, q->window_from, q->used};
		rc = put(R, BS_QUOTA_PUT, text, 5, "storing quota use");
	}
	for (size_t i = 0; i < rp->commercials.n && !rc; i++) {
		const rcommercial_out *c = rp->commercials.v[i];
		const char *text[5] = {R->pt->id, c->contract, c->item, c->year, c->paid};
		rc = put(R, BS_PAID_PUT, text, 5, "storing commercial payments");
	}
	return rc;
}

static int store_claim(brun *R, const cb_result *res)
{
	char *xml = NULL;
	size_t len = 0;
	int rc = cb_result_write_buffer(res, &xml, &len);
	sqlite3_stmt *st = rc == CB_OK ? cb_bdb__stmt(R->b, BS_CLAIM_PUT) : NULL;
	if (st) {
		cb_bdb__text(st, 1, R->sum->date);
		cb_bdb__text(st, 2, R->pt->id);
		sqlite3_bind_text(st, 3, xml, (int)len, SQLITE_STATIC);
		rc = cb_bdb__done(R->b, st, "storing a claim document");
	} else if (rc == CB_OK) {
		rc = CB_EIO;
	}
	cb_buffer_free(xml);
	return rc;
}

/* ---- the summary ---- */

static int count_billed(brun *R, const cb_result *res, const rpatient *rp)
{
	bsummary *s = R->sum;
	s->pub.billed++;
	s->pub.bills += rp->bills.n;
	for (size_t i = 0; i < rp->bills.n; i++)
		s->pub.lines += ((const rbill *)rp->bills.v[i])->lines.n;
	int rc = cb_bsum__add(s, "\x01patients", rp->pub.owes_total);
	for (size_t i = 0; i < cb_result_claim_count(res) && !rc; i++) {
		const cb_claim *c = cb_result_claim(res, i);
		rc = cb_bsum__add(s, c->payer, c->total);
	}
	return rc;
}

/* ---- findings ---- */

/* The finding as the imported files show it: the file and line of the element concerned
 * (the document's lines 4.. are its events, one each). */
static void report(brun *R, const cb_finding *f, cb_finding *out)
{
	*out = *f;
	out->patient = R->pt->id;
	size_t i = f->line >= 4 ? f->line - 4 : R->nincl;
	out->file = i < R->nincl ? R->incl[i]->source : R->pt->source;
	out->line = i < R->nincl ? (unsigned long)R->incl[i]->line : 0;
	if (R->o->on_finding)
		R->o->on_finding(R->o->ud, out);
}

static int record_held(brun *R, const cb_result *res)
{
	const char *key[2] = {R->sum->date, R->pt->id};
	int rc = put(R, BS_FINDINGS_DROP, key, 2, "replacing findings");
	for (size_t i = 0; i < cb_result_finding_count(res) && !rc; i++) {
		cb_finding f;
		report(R, cb_result_finding(res, i), &f);
		char seq[24], line[24];
		snprintf(seq, sizeof seq, "%zu", i + 1);
		snprintf(line, sizeof line, "%lu", f.line);
		const char *text[9] = {R->sum->date, R->pt->id, seq, f.code, f.severity, f.ref,
				       f.message, f.file, line};
		rc = put(R, BS_FINDING_PUT, text, 9, "recording findings");
	}
	R->sum->pub.held++;
	return rc;
}

/* ---- one patient ---- */

static void forget_patient(brun *R)
{
	cb_arena_free(R->pa);
	R->pa = NULL;
	R->nev = R->nincl = 0;
	R->checked.n = 0;
	cb_strmap_free(&R->units);
	memset(&R->units, 0, sizeof R->units);
}

static int claimed_before(brun *R)
{
	sqlite3_stmt *st = cb_bdb__stmt(R->b, BS_CLAIM_EXISTS);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, R->sum->date);
	cb_bdb__text(st, 2, R->pt->id);
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0
			       : cb_bdb__fail(R->b, "reading claims");
}

static int price(brun *R, cb_result **res)
{
	int rc = 0;
	const cb_ruleset *rs = cb_bdb__ruleset(R->b, R->pt->ruleset, &rc);
	cb_buf doc = {0};
	if (rs)
		rc = build_document(R, &doc);
	cb_state_io io = {R, io_quota_used, io_commercial_paid, io_accumulators, io_line_billed,
			  io_skip_unit};
	char name[600];
	size_t n = cb_batch_export_name(name, sizeof name, R->pt->id, R->sum->date);
	name[n >= 4 && n < sizeof name ? n - 4 : 0] = '\0'; /* without ".xml" */
	if (rs && !rc)
		rc = cb_case__price(res, rs, doc.p, doc.n, name, NULL, &io);
	if (R->io_rc)
		rc = cb__error(R->io_rc, "%s", R->io_msg);
	free(doc.p);
	return rc;
}

/* Price and store one patient inside its transaction; a billed patient's result is left in
 * *billed_res, to be counted once the transaction is committed. */
static int bill_in_transaction(brun *R, cb_result **billed_res)
{
	int done = claimed_before(R);
	if (done)
		return done < 0 ? done : (R->sum->pub.already_done++, 0);
	cb_result *res = NULL;
	int rc = load_events(R);
	if (!rc)
		rc = period(R);
	if (!rc)
		rc = price(R, &res);
	if (rc) {
		cb_result_free(res);
		return rc;
	}
	const rpatient *rp = res->patients.n ? res->patients.v[0] : NULL;
	if (!rp || rp->pub.held || cb_result_get_status(res) != CB_RESULT_BILLED) {
		rc = record_held(R, res);
	} else if (rp->bills.n == 0) {
		R->sum->pub.nothing_due++;
	} else {
		for (size_t i = 0; i < cb_result_finding_count(res); i++) {
			cb_finding f;
			report(R, cb_result_finding(res, i), &f);
		}
		rc = store_claim(R, res);
		if (!rc)
			rc = mark_billed(R, rp);
		if (!rc)
			rc = enter_ledger(R);
		if (!rc)
			rc = store_state(R, rp);
		if (!rc) {
			*billed_res = res;
			return 0;
		}
	}
	cb_result_free(res);
	return rc;
}

/* [BAT-3] one transaction per patient */
static int bill_patient(brun *R, const prow *pt)
{
	R->pt = pt;
	R->io_rc = 0;
	if (!(R->pa = cb_arena_new()))
		return cb__error(CB_ENOMEM, "out of memory");
	cb_batch_summary counts = R->sum->pub;
	cb_result *res = NULL;
	int rc = cb_bdb__exec(R->b, BS_BEGIN);
	if (!rc)
		rc = bill_in_transaction(R, &res);
	if (!rc)
		rc = cb_bdb__exec(R->b, BS_COMMIT);
	if (!rc && res)
		rc = count_billed(R, res, res->patients.v[0]);
	if (rc) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", cb_error_last());
		sqlite3_exec(R->b->db, "ROLLBACK", NULL, NULL, NULL);
		cb__error(rc, "patient %s: %s", pt->id, msg);
		R->sum->pub = counts; /* nothing of a rolled-back patient counts */
	}
	cb_result_free(res);
	forget_patient(R);
	R->sum->pub.patients_done++;
	if (!rc && R->o->on_progress)
		R->o->on_progress(R->o->ud, &R->sum->pub);
	return rc;
}

/* ---- patients, a page at a time ---- */

static int in_shard(const brun *R, const char *id)
{
	const cb_batch_options *o = R->o;
	return !o->shard_count || cb_batch__fnv1a(id) % o->shard_count == o->shard_index - 1;
}

/* Read the next page of patients after *last (NULL: from the start) into rows. */
static int read_page(brun *R, cb_arena *a, const char *last, prow *rows, size_t *n)
{
	sqlite3_stmt *st = cb_bdb__stmt(R->b, last ? BS_PAGE_NEXT : BS_PAGE_FIRST);
	if (!st)
		return CB_EIO;
	if (last)
		cb_bdb__text(st, 1, last);
	sqlite3_bind_int(st, last ? 2 : 1, PAGE);
	int step, rc = 0;
	*n = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		prow *p = &rows[(*n)++];
		p->id = cb_arena_strdup(a, cb_bdb__col(st, 0));
		p->ruleset = cb_arena_strdup(a, cb_bdb__col(st, 1));
		p->scheme = cb_arena_strdup(a, cb_bdb__col(st, 2));
		p->retired = sqlite3_column_int(st, 3);
		p->source = cb_arena_strdup(a, cb_bdb__col(st, 4));
		if (!p->id || !p->ruleset || !p->scheme || !p->source)
			rc = cb__error(CB_ENOMEM, "out of memory");
	}
	if (!rc && step != SQLITE_DONE)
		rc = cb_bdb__fail(R->b, "reading patients");
	sqlite3_reset(st);
	return rc;
}

/* Call fn for every patient of the shard, in bytewise id order. */
static int each_patient(brun *R, int (*fn)(brun *, const prow *))
{
	prow rows[PAGE];
	char *last = NULL;
	int rc = 0;
	for (;;) {
		cb_arena *a = cb_arena_new();
		size_t n = 0;
		rc = a ? read_page(R, a, last, rows, &n) : cb__error(CB_ENOMEM, "out of memory");
		for (size_t i = 0; i < n && !rc; i++)
			if (in_shard(R, rows[i].id))
				rc = fn(R, &rows[i]);
		free(last);
		last = !rc && n ? strdup(rows[n - 1].id) : NULL;
		cb_arena_free(a);
		if (rc || n < PAGE)
			break;
		if (!last) {
			rc = cb__error(CB_ENOMEM, "out of memory");
			break;
		}
	}
	free(last);
	return rc;
}

static int count_one(brun *R, const prow *pt)
{
	(void)pt;
	R->sum->pub.patients_total++;
	return 0;
}

/* ---- the run ---- */

static int check_options(const cb_batch_options *o, int32_t *d)
{
	if (!o->date || strlen(o->date) != 10 || cb_date_parse(o->date, d) != 0)
		return cb__error(CB_EINVAL, "--date: \"%s\" is not a date YYYY-MM-DD",
				 o->date ? o->date : "");
	if ((o->shard_count || o->shard_index) &&
	    (o->shard_index < 1 || o->shard_index > o->shard_count))
		return cb__error(CB_EINVAL, "--shard %u/%u: I must be in 1..N", o->shard_index,
				 o->shard_count);
	return 0;
}

static int run_row(brun *R, int finish)
{
	sqlite3_stmt *st = cb_bdb__stmt(R->b, finish ? BS_RUN_FINISH : BS_RUN_START);
	if (!st)
		return CB_EIO;
	char shard[32] = "all";
	if (R->o->shard_count)
		snprintf(shard, sizeof shard, "%u/%u", R->o->shard_index, R->o->shard_count);
	if (finish) {
		sqlite3_bind_int64(st, 1, R->run_id);
	} else {
		cb_bdb__text(st, 1, R->sum->date);
		cb_bdb__text(st, 2, shard);
	}
	int rc = cb_bdb__done(R->b, st, "recording the run");
	if (!rc && !finish)
		R->run_id = sqlite3_last_insert_rowid(R->b->db);
	return rc;
}

CB_EXTERN int cb_batch_run(cb_batch *b, const cb_batch_options *o, cb_batch_summary **out)
{
	if (out)
		*out = NULL;
	if (!b || !o)
		return cb__error(CB_EINVAL, "cb_batch_run: NULL argument");
	brun R = {.b = b, .o = o};
	int rc = check_options(o, &R.d);
	if (rc)
		return rc;
	R.due_end = cb_date_month_start(R.d + 1);
	if (!(R.sum = cb_bsum__new(o)))
		return cb__error(CB_ENOMEM, "out of memory");
	rc = run_row(&R, 0);
	if (!rc && o->on_progress)
		rc = each_patient(&R, count_one);
	if (!rc)
		rc = each_patient(&R, bill_patient);
	if (!rc)
		rc = run_row(&R, 1);
	if (!rc)
		rc = cb_bsum__finish(R.sum);
	free(R.ev);
	free(R.incl);
	cb_ptrvec_free(&R.checked);
	if (rc || !out)
		cb_batch_summary_free(&R.sum->pub);
	else
		*out = &R.sum->pub;
	if (!rc)
		cb__error_clear();
	return rc;
}
