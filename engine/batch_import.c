/*
 * batch_import.c — loading case documents into the batch database (SPEC §10, [CASE-5]).
 *
 * A file is first priced exactly as `carebill price` prices it, with the registered rule set
 * it names; a rejected document or any held patient loads nothing. A valid file is loaded in
 * one transaction: per patient, its row, its contracts (replacing the stored ones), its events
 * (replacing the stored events no run has billed), and the [CASE-5] state it carries (`used`,
 * `paid`, `<accumulators>`) where the database has none yet — from then on the database is
 * authoritative for state, so covers are stored without `used` and `paid` and accumulators
 * are not stored as elements.
 *
 * Each contract and event is stored as canonical XML text: the element and its element
 * children, attributes sorted by name, no whitespace or comments. The same events give the
 * same text whatever the file's layout, so the documents the batch builds from them (and the
 * claims' case-sha256) do not depend on how the files were formatted.
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "dates.h"
#include "error.h"
#include "money.h"
#include "xmldoc.h"

static int attr_cmp(const void *pa, const void *pb)
{
	const xmlAttr *a = *(const xmlAttr *const *)pa, *b = *(const xmlAttr *const *)pb;
	return strcmp((const char *)a->name, (const char *)b->name);
}

/* [CASE-5] state the database keeps itself: not part of the stored element. */
static int is_state_attr(xmlNodePtr n, const xmlAttr *a)
{
	return cb_xml_is(n, "cover") && (strcmp((const char *)a->name, "used") == 0 ||
					 strcmp((const char *)a->name, "paid") == 0);
}

/* Canonical text of element n: attributes by name, element children only. */
static void xelem(cb_buf *w, xmlNodePtr n)
{
	size_t na = 0;
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		na++;
	const xmlAttr **attrs = malloc((na + 1) * sizeof *attrs);
	if (!attrs) {
		w->oom = 1;
		return;
	}
	na = 0;
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		if (!is_state_attr(n, a))
			attrs[na++] = a;
	qsort(attrs, na, sizeof *attrs, attr_cmp);
	cb_buf_puts(w, "<");
	cb_buf_puts(w, (const char *)n->name);
	for (size_t i = 0; i < na; i++) {
		cb_buf_puts(w, " ");
		cb_buf_puts(w, (const char *)attrs[i]->name);
		cb_buf_puts(w, "=\"");
		cb_buf_escape(w, cb_xml_attr(n, (const char *)attrs[i]->name), 1);
		cb_buf_puts(w, "\"");
	}
	free(attrs);
	xmlNodePtr c = cb_xml_elem(n->children);
	if (!c) {
		cb_buf_puts(w, "/>");
		return;
	}
	cb_buf_puts(w, ">");
	for (; c; c = cb_xml_elem(c->next))
		xelem(w, c);
	cb_buf_puts(w, "</");
	cb_buf_puts(w, (const char *)n->name);
	cb_buf_puts(w, ">");
}

/* ---- one import ---- */

typedef struct imp {
	cb_batch *b;
	const char *path;
	const char *ruleset;
	int32_t period_from;
	const char *patient;
	cb_batch_import_info *info;
	cb_buf x;
} imp;

/* Decimal text in its canonical [NUM-4] form (money, or a quota count as a quantity). */
static void canonical(const char *text, cb_dec_kind in, cb_dec_kind out, char buf[64])
{
	cb_dec d;
	cb_dec_init(&d);
	if (cb_dec_parse(&d, text, in, NULL, 0) != 0 || cb_dec_format(&d, out, buf, 64) >= 64)
		snprintf(buf, 64, "%s", text); /* validated before: cannot happen */
	cb_dec_clear(&d);
}

static int run_sql(imp *I, int which, const char *const *text, int n, const char *what)
{
	sqlite3_stmt *st = cb_bdb__stmt(I->b, which);
	if (!st)
		return CB_EIO;
	for (int i = 0; i < n; i++)
		cb_bdb__text(st, i + 1, text[i]);
	return cb_bdb__done(I->b, st, what);
}

/* [CASE-5] `<accumulators>`: attributes not given start at zero. */
static int carry_accumulators(imp *I, xmlNodePtr n)
{
	static const char *names[3] = {"outpatient-deductible-used", "outpatient-fund-paid",
				       "inpatient-fund-paid"};
	char v[3][64];
	for (int i = 0; i < 3; i++)
		canonical(cb_xml_attr(n, names[i]) ? cb_xml_attr(n, names[i]) : "0", CB_DEC_MONEY,
			  CB_DEC_MONEY, v[i]);
	const char *text[5] = {I->patient, cb_xml_attr(n, "year"), v[0], v[1], v[2]};
	return run_sql(I, BS_ACCUM_CARRY, text, 5, "storing accumulators");
}

/* The first day of the cover's window holding the period's first day (contracts.c). */
static void window_from(imp *I, xmlNodePtr contract, xmlNodePtr cover, char day[11])
{
	const char *w = cb_xml_attr(cover, "window");
	if (strcmp(w, "year") == 0)
		cb_date_format(cb_date_year_start(cb_date_year(I->period_from)), day);
	else if (strcmp(w, "month") == 0)
		cb_date_format(cb_date_month_start(I->period_from), day);
	else
		snprintf(day, 11, "%s", cb_xml_attr(contract, "from"));
}

/* [CASE-5] a cover's `used` and `paid`, into the window or year of the period's first day. */
static int carry_covers(imp *I, xmlNodePtr k)
{
	int rc = 0;
	for (xmlNodePtr c = cb_xml_elem(k->children); c && !rc; c = cb_xml_elem(c->next)) {
		const char *used = cb_xml_attr(c, "used"), *paid = cb_xml_attr(c, "paid");
		char day[11], value[64], year[8];
		if (used) {
			window_from(I, k, c, day);
			canonical(used, CB_DEC_COUNT, CB_DEC_QTY, value);
			const char *text[5] = {I->patient, cb_xml_attr(k, "id"),
					       cb_xml_attr(c, "item"), day, value};
			rc = run_sql(I, BS_QUOTA_CARRY, text, 5, "storing quota use");
		} else if (paid) {
			snprintf(year, sizeof year, "%04d", cb_date_year(I->period_from));
			canonical(paid, CB_DEC_MONEY, CB_DEC_MONEY, value);
			const char *text[5] = {I->patient, cb_xml_attr(k, "id"),
					       cb_xml_attr(c, "item"), year, value};
			rc = run_sql(I, BS_PAID_CARRY, text, 5, "storing commercial payments");
		}
	}
	return rc;
}

/* What the batch needs to know of an event without parsing it: its settlement date and
 * the days it spans ([ORD-1], [BAT-2], [DUP-3]). */
typedef struct evkey {
	const char *institution, *settle, *from, *to;
	char day[11];
} evkey;

static void event_key(xmlNodePtr n, evkey *k)
{
	memset(k, 0, sizeof *k);
	k->institution = cb_xml_attr(n, "institution");
	const char *at = cb_xml_attr(n, "at");
	if (cb_xml_is(n, "encounter")) {
		int inpatient = strcmp(cb_xml_attr(n, "setting"), "inpatient") == 0;
		k->from = inpatient ? cb_xml_attr(n, "admit") : cb_xml_attr(n, "date");
		k->settle = k->to = inpatient ? cb_xml_attr(n, "discharge") : k->from;
	} else if (at) { /* visit, service */
		snprintf(k->day, sizeof k->day, "%.10s", at);
		k->settle = k->from = k->to = k->day;
	} else { /* stay, contract */
		k->from = cb_xml_attr(n, "from");
		k->to = cb_xml_attr(n, "to");
	}
}

static int put_event(imp *I, xmlNodePtr n)
{
	evkey k;
	event_key(n, &k);
	I->x.n = 0;
	xelem(&I->x, n);
	if (I->x.oom)
		return cb__error(CB_ENOMEM, "out of memory importing %s", I->path);
	int contract = cb_xml_is(n, "contract");
	char line[24];
	snprintf(line, sizeof line, "%ld", xmlGetLineNo(n));
	const char *text[11] = {I->patient, contract ? "contract" : "unit",
				(const char *)n->name, cb_xml_attr(n, "id"), k.institution,
				k.settle, k.from, k.to, I->x.p, I->path, line};
	return run_sql(I, BS_EVENT_PUT, text, 11, "storing an event");
}

/* Whether an earlier run billed unit `id` (not a stay month): 1, 0, or CB_EIO. */
static int billed_unit(imp *I, const char *id)
{
	sqlite3_stmt *st = cb_bdb__stmt(I->b, BS_BILLED);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, I->patient);
	cb_bdb__text(st, 2, id);
	cb_bdb__text(st, 3, "");
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0
			       : cb_bdb__fail(I->b, "reading billed units");
}

static int import_child(imp *I, xmlNodePtr c)
{
	if (cb_xml_is(c, "accumulators"))
		return carry_accumulators(I, c);
	if (cb_xml_is(c, "contract")) {
		I->info->contracts++;
		int rc = put_event(I, c);
		return rc ? rc : carry_covers(I, c);
	}
	int billed = billed_unit(I, cb_xml_attr(c, "id"));
	if (billed < 0)
		return billed;
	if (billed) { /* history: what was billed stays as it was billed */
		I->info->kept_billed++;
		return 0;
	}
	I->info->units++;
	return put_event(I, c);
}

/* The file is the patient's whole current picture: its contracts and unbilled events
 * replace the stored ones; billed history stays. */
static int import_patient(imp *I, xmlNodePtr p)
{
	I->patient = cb_xml_attr(p, "id");
	const char *retired = cb_xml_attr(p, "retired");
	int is_retired = strcmp(retired, "true") == 0 || strcmp(retired, "1") == 0;
	const char *text[5] = {I->patient, I->ruleset, cb_xml_attr(p, "scheme"),
			       is_retired ? "1" : "0", I->path};
	int rc = run_sql(I, BS_PATIENT_UPSERT, text, 5, "storing a patient");
	if (!rc)
		rc = run_sql(I, BS_EVENTS_DROP_CONTRACTS, text, 1, "replacing contracts");
	if (!rc)
		rc = run_sql(I, BS_EVENTS_DROP_UNBILLED, text, 1, "replacing events");
	if (!rc)
		rc = run_sql(I, BS_EVENTS_DROP_STAYS, text, 1, "replacing stays");
	for (xmlNodePtr c = cb_xml_elem(p->children); c && !rc; c = cb_xml_elem(c->next))
		rc = import_child(I, c);
	I->info->patients++;
	return rc;
}

static int load_document(imp *I, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	I->ruleset = cb_xml_attr(root, "ruleset");
	for (xmlNodePtr n = cb_xml_elem(root->children); n; n = cb_xml_elem(n->next))
		if (cb_xml_is(n, "period") && cb_date_parse(cb_xml_attr(n, "from"),
							    &I->period_from) != 0)
			return cb__error(CB_EINVAL, "%s: bad period", I->path); /* validated */
	int rc = cb_bdb__exec(I->b, BS_BEGIN);
	for (xmlNodePtr n = cb_xml_elem(root->children); n && !rc; n = cb_xml_elem(n->next))
		if (cb_xml_is(n, "patient"))
			rc = import_patient(I, n);
	if (!rc)
		rc = cb_bdb__exec(I->b, BS_COMMIT);
	if (rc) { /* keeps the message of what failed */
		sqlite3_exec(I->b->db, "ROLLBACK", NULL, NULL, NULL);
		memset(I->info, 0, sizeof *I->info);
	}
	return rc;
}

/* The `ruleset` attribute of the document's root, copied (free it); NULL when the document
 * is not well-formed or has none. The DOM is freed at once: pricing the file needs memory
 * enough without it. */
static char *ruleset_attr(const char *buf, size_t len)
{
	xmlDocPtr doc = NULL;
	cb_xml_problems probs = {0};
	char *id = NULL;
	if (cb_xml_parse(&doc, buf, len, &probs) == 0) {
		const char *a = cb_xml_attr(xmlDocGetRootElement(doc), "ruleset");
		id = a ? strdup(a) : NULL;
	}
	cb_xml_problems_free(&probs);
	xmlFreeDoc(doc);
	return id;
}

/* The rule set to validate with: the registered one the document names; for a document
 * whose rule set cannot be read (not well-formed, no attribute), any registered one — the
 * document is rejected whatever the rule set. */
static const cb_ruleset *ruleset_for(cb_batch *b, const char *path, const char *id, int *rc)
{
	if (id) {
		const cb_ruleset *rs = cb_bdb__ruleset(b, id, rc);
		if (!rs && *rc == CB_ERULESET)
			cb__error(CB_ERULESET, "%s: names rule set %s, which is not registered in "
				  "%s (carebill db rules %s RULES.xml registers it)", path, id,
				  b->path, b->path);
		return rs;
	}
	sqlite3_stmt *st = cb_bdb__stmt(b, BS_RULESET_FIRST);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		*rc = st ? cb__error(CB_ERULESET, "%s: no rule set is registered", b->path)
			 : CB_EIO;
		if (st)
			sqlite3_reset(st);
		return NULL;
	}
	char *first = strdup(cb_bdb__col(st, 0));
	sqlite3_reset(st);
	const cb_ruleset *rs = first ? cb_bdb__ruleset(b, first, rc) : NULL;
	if (!first)
		*rc = cb__error(CB_ENOMEM, "out of memory");
	free(first);
	return rs;
}

/* Load a validated document. */
static int load_buffer(imp *I, const char *buf, size_t len)
{
	xmlDocPtr doc = NULL;
	cb_xml_problems probs = {0};
	int rc = cb_xml_parse(&doc, buf, len, &probs) == 0
			 ? load_document(I, doc)
			 : cb__error(CB_ENOMEM, "%s: cannot parse again", I->path);
	cb_xml_problems_free(&probs);
	xmlFreeDoc(doc);
	return rc;
}

CB_EXTERN int cb_batch_import_file(cb_batch *b, const char *path, cb_result **validation,
				   cb_batch_import_info *info)
{
	cb_batch_import_info scratch;
	info = info ? info : &scratch;
	memset(info, 0, sizeof *info);
	if (validation)
		*validation = NULL;
	if (!b || !path || !validation)
		return cb__error(CB_EINVAL, "cb_batch_import_file: NULL argument");
	char *buf = NULL, *id = NULL;
	size_t len = 0;
	imp I = {b, path, NULL, 0, NULL, info, {0}};
	int rc = cb__read_file(path, &buf, &len, (size_t)256 << 20);
	if (rc != CB_OK)
		goto cleanup;
	id = ruleset_attr(buf, len);
	const cb_ruleset *rs = ruleset_for(b, path, id, &rc);
	if (!rs)
		goto cleanup;
	rc = cb_case_price_buffer(validation, rs, buf, len, path, NULL);
	if (rc == CB_OK && cb_result_get_status(*validation) == CB_RESULT_BILLED)
		rc = load_buffer(&I, buf, len);
cleanup:
	free(id);
	free(I.x.p);
	free(buf);
	if (rc == CB_OK)
		cb__error_clear();
	return rc;
}
