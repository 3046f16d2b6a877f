/*
 * bench_sqlite.c — the engine measured from the same SQLite rows as the floor and the
 * Python baseline (issue 8): read patients, units and charge lines through the dbscan walk,
 * give each patient's rows to the library as a case, price it (rule set loaded once), write
 * its claim document (cb_result_write_buffer) and send it through the same buffered write(2)
 * as the floor, to OUT (default /dev/null). One case and one claim document per patient, as
 * the nightly batch prices them ([BAT-3]).
 *
 *   bench_sqlite RULES.xml DB.sqlite [RUNS] [OUT] [MODE]
 *
 * MODE `build` (the default; BENCH name `sqlite`): the rows go straight into the case builder
 * (cb_case_new, cb_case_open/add/close, cb_case_finish, cb_case_price), the way a hospital
 * system or a batch holding rows calls the library. MODE `xml` (BENCH name `sqlite_xml`):
 * each patient's rows are written as a case document and priced with cb_case_price_buffer
 * (libxml2 parse and XSD validation per patient). Both give the same claim amounts.
 *
 * Its BENCH line gives the bytes written, from which scripts/bench.sh takes the
 * floor's bytes per line. A patient held or a document rejected is reported on stderr and
 * fails the benchmark (the workload is meant to be clean).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "carebill.h"
#include "dbscan.h"

typedef struct xbuf {
	char *p;
	size_t n, cap;
} xbuf;

static void xput(xbuf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			fprintf(stderr, "bench_sqlite: out of memory\n");
			exit(1);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
}

static void xputs(xbuf *b, const char *s)
{
	xput(b, s, strlen(s));
}

static void xsink(void *ud, const char *s, size_t len)
{
	xput(ud, s, len);
}

/* name="value" escaped; nothing when the column is NULL. */
static void xattr(xbuf *b, const char *name, sqlite3_stmt *st, int col)
{
	if (dbscan_has(st, col))
		bench_put_attr(xsink, b, name, dbscan_text(st, col));
}

/* The case document of the current patient, its units and lines; the lines it holds. */
static long build_case(xbuf *b, dbscan *s, const char *head)
{
	long lines = 0;
	b->n = 0;
	xputs(b, head);
	xputs(b, "  <patient");
	xattr(b, "id", s->patient, PAT_ID);
	xattr(b, "scheme", s->patient, PAT_SCHEME);
	xattr(b, "retired", s->patient, PAT_RETIRED);
	xputs(b, ">\n");
	if (dbscan_has(s->patient, PAT_ACC_YEAR)) {
		xputs(b, "    <accumulators");
		xattr(b, "year", s->patient, PAT_ACC_YEAR);
		xattr(b, "outpatient-deductible-used", s->patient, PAT_OD_USED);
		xattr(b, "outpatient-fund-paid", s->patient, PAT_FUND_OUT);
		xattr(b, "inpatient-fund-paid", s->patient, PAT_FUND_IN);
		xputs(b, "/>\n");
	}
	while (dbscan_unit(s)) {
		const char *kind = dbscan_text(s->unit, UNIT_KIND);
		xputs(b, "    <");
		xputs(b, kind);
		xattr(b, "id", s->unit, UNIT_ID);
		xattr(b, "institution", s->unit, UNIT_INSTITUTION);
		xattr(b, "setting", s->unit, UNIT_SETTING);
		xattr(b, "date", s->unit, UNIT_DATE);
		xattr(b, "admit", s->unit, UNIT_ADMIT);
		xattr(b, "discharge", s->unit, UNIT_DISCHARGE);
		xattr(b, "at", s->unit, UNIT_AT);
		xattr(b, "distance-km", s->unit, UNIT_DISTANCE_KM);
		xattr(b, "staff", s->unit, UNIT_STAFF);
		xattr(b, "surcharge", s->unit, UNIT_SURCHARGE);
		xputs(b, ">\n");
		while (dbscan_line(s)) {
			xputs(b, "      <line");
			xattr(b, "id", s->line, LINE_ID);
			xattr(b, "item", s->line, LINE_ITEM);
			xattr(b, "qty", s->line, LINE_QTY);
			xattr(b, "price", s->line, LINE_PRICE);
			xattr(b, "at", s->line, LINE_AT);
			xputs(b, "/>\n");
			lines++;
		}
		xputs(b, "    </"); /* the unit's row stays current while its lines are read */
		xputs(b, kind);
		xputs(b, ">\n");
	}
	xputs(b, "  </patient>\n</case>\n");
	return lines;
}

/* A column's text, or NULL when the column is NULL (the attribute is left out): one call,
 * no separate type check. */
static const char *col(sqlite3_stmt *st, int c)
{
	return (const char *)sqlite3_column_text(st, c);
}

/* The current patient's rows given to the case builder; the lines it holds, or -1. The
 * element's line number is the row's place in the walk (what a finding would name). */
static long build_rows(cb_case *c, dbscan *s, const char *const *head)
{
	long lines = 0;
	unsigned long row = 0;
	int rc = cb_case_open(c, "case", (const char *const[]){"ruleset", head[0], NULL}, 0);
	if (rc == CB_OK)
		rc = cb_case_add(c, "period",
				 (const char *const[]){"from", head[1], "to", head[2], NULL}, 0);
	if (rc == CB_OK)
		rc = cb_case_open(c, "patient",
				  (const char *const[]){"id", col(s->patient, PAT_ID), "scheme",
							col(s->patient, PAT_SCHEME), "retired",
							col(s->patient, PAT_RETIRED), NULL},
				  ++row);
	if (rc == CB_OK && dbscan_has(s->patient, PAT_ACC_YEAR))
		rc = cb_case_add(c, "accumulators",
				 (const char *const[]){
					 "year", col(s->patient, PAT_ACC_YEAR),
					 "outpatient-deductible-used", col(s->patient, PAT_OD_USED),
					 "outpatient-fund-paid", col(s->patient, PAT_FUND_OUT),
					 "inpatient-fund-paid", col(s->patient, PAT_FUND_IN), NULL},
				 row);
	while (rc == CB_OK && dbscan_unit(s)) {
		sqlite3_stmt *u = s->unit;
		const char *kind = dbscan_text(u, UNIT_KIND);
		rc = cb_case_open(c, kind,
				  (const char *const[]){
					  "id", col(u, UNIT_ID), "institution", col(u, UNIT_INSTITUTION),
					  "setting", col(u, UNIT_SETTING), "date", col(u, UNIT_DATE),
					  "admit", col(u, UNIT_ADMIT), "discharge", col(u, UNIT_DISCHARGE),
					  "at", col(u, UNIT_AT), "distance-km", col(u, UNIT_DISTANCE_KM),
					  "staff", col(u, UNIT_STAFF), "surcharge", col(u, UNIT_SURCHARGE),
					  NULL},
				  ++row);
		while (rc == CB_OK && dbscan_line(s)) {
			sqlite3_stmt *l = s->line;
			rc = cb_case_add(c, "line",
					 (const char *const[]){
						 "id", col(l, LINE_ID), "item", col(l, LINE_ITEM),
						 "qty", col(l, LINE_QTY), "price", col(l, LINE_PRICE),
						 "at", col(l, LINE_AT), NULL},
					 ++row);
			lines++;
		}
		if (rc == CB_OK) /* the unit's row stays current while its lines are read */
			rc = cb_case_close(c, dbscan_text(s->unit, UNIT_KIND));
	}
	if (rc == CB_OK)
		rc = cb_case_close(c, "patient");
	if (rc == CB_OK)
		rc = cb_case_close(c, "case");
	if (rc != CB_OK) {
		fprintf(stderr, "bench_sqlite: building the case: %s %s\n", cb_strerror(rc),
			cb_error_last());
		return -1;
	}
	return lines;
}

/* Price a patient's case (built, or the document in b) and write its claims; 0 or -1. */
static int price_one(const cb_ruleset *rs, cb_case *c, const xbuf *b, bench_out *o)
{
	cb_result *res = NULL;
	char *claim = NULL;
	size_t len = 0;
	int rc = c ? cb_case_finish(c, NULL) : CB_OK;
	if (rc == CB_OK)
		rc = c ? cb_case_price(&res, c, NULL)
		       : cb_case_price_buffer(&res, rs, b->p, b->n, "bench-sqlite", NULL);
	if (rc == CB_OK && cb_result_get_status(res) != CB_RESULT_BILLED) {
		fprintf(stderr, "bench_sqlite: a patient was held or rejected: %s\n",
			cb_result_finding_count(res) ? cb_result_finding(res, 0)->message : "");
		rc = CB_EINVAL;
	}
	if (rc == CB_OK)
		rc = cb_result_write_buffer(res, &claim, &len);
	if (rc == CB_OK)
		bench_out_put(o, claim, len);
	else
		fprintf(stderr, "bench_sqlite: %s %s\n", cb_strerror(rc), cb_error_last());
	cb_buffer_free(claim);
	cb_result_free(res);
	return rc == CB_OK ? 0 : -1;
}

/* One pass over the database; the number of charge lines, or -1. `head` is the case
 * document's head (xml mode), `fields` the ruleset and period (build mode). */
static long one_run(const cb_ruleset *rs, dbscan *s, int xml, const char *head,
		    const char *const *fields, const char *out_path, size_t *bytes)
{
	bench_out o;
	xbuf b = {0};
	long lines = 0;
	if (bench_out_open(&o, out_path) != 0)
		return -1;
	dbscan_rewind(s);
	while (lines >= 0 && dbscan_patient(s)) {
		if (xml) {
			long n = build_case(&b, s, head);
			lines = price_one(rs, NULL, &b, &o) == 0 ? lines + n : -1;
			continue;
		}
		cb_case *c = NULL;
		long n = cb_case_new(&c, rs, "bench-sqlite") == CB_OK ? build_rows(c, s, fields)
									: -1;
		lines = n >= 0 && price_one(rs, c, NULL, &o) == 0 ? lines + n : -1;
		cb_case_free(c);
	}
	free(b.p);
	*bytes = o.total;
	return bench_out_close(&o) == 0 ? lines : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 6 ||
	    (argc > 5 && strcmp(argv[5], "build") != 0 && strcmp(argv[5], "xml") != 0)) {
		fprintf(stderr, "usage: bench_sqlite RULES.xml DB.sqlite [RUNS] [OUT] [build|xml]\n");
		return 2;
	}
	int xml = argc > 5 && strcmp(argv[5], "xml") == 0;
	int runs = bench_run_count(argc > 3 ? argv[3] : NULL), status = 1;
	const char *out_path = argc > 4 ? argv[4] : "/dev/null";
	cb_ruleset *rs = NULL;
	dbscan s;
	if (dbscan_open(&s, argv[2]) != 0)
		return 1;
	if (cb_ruleset_load_file(&rs, argv[1]) != CB_OK) {
		fprintf(stderr, "bench_sqlite: %s\n", cb_error_last());
		goto cleanup;
	}
	char ruleset[128], from[32], to[32], head[512];
	if (!dbscan_meta(&s, "ruleset", ruleset, sizeof ruleset) ||
	    !dbscan_meta(&s, "period_from", from, sizeof from) ||
	    !dbscan_meta(&s, "period_to", to, sizeof to)) {
		fprintf(stderr, "bench_sqlite: %s has no meta rows\n", argv[2]);
		goto cleanup;
	}
	snprintf(head, sizeof head, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<case ruleset=\"%s\">\n  <period from=\"%s\" to=\"%s\"/>\n", ruleset, from, to);
	bench_runs r = {0};
	long lines = 0;
	size_t bytes = 0;
	for (int i = 0; i < runs; i++) {
		double t0 = bench_now();
		lines = one_run(rs, &s, xml, head, (const char *const[]){ruleset, from, to},
				out_path, &bytes);
		double t1 = bench_now();
		if (lines < 0)
			goto cleanup;
		bench_runs_add(&r, t1 - t0);
	}
	bench_report(xml ? "sqlite_xml" : "sqlite", (size_t)lines, &r, bench_peak_rss_kb(), bytes);
	status = 0;
cleanup:
	cb_ruleset_free(rs);
	dbscan_close(&s);
	return status;
}
