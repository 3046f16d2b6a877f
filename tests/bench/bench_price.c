/*
 * bench_price.c — library pricing in memory (issue 8): the rule set is loaded once and the
 * case file read into memory once; then each run times cb_case_price_buffer alone (the result
 * is freed outside the timed part).
 *
 * A second measurement times the case loader alone (cb_case__load: parse, validate against
 * the case XSD, build the case model) so that the table can split parse+validate from
 * pricing (the difference of the medians).
 *
 *   bench_price RULES.xml CASE.xml [RUNS [PARSE_RUNS]]
 *
 * A third times pricing alone: the case loaded once with cb_case_load_buffer, then each run
 * times cb_case_price (the table's "in-memory pricing").
 *
 * PARSE_RUNS (default RUNS) may be 0, e.g. to profile pricing alone under callgrind.
 * Prints three BENCH lines: `price` (cb_case_price_buffer), `parse` (cb_case__load) and
 * `model` (cb_case_price).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "carebill.h"
#include "case.h"

static int time_price(const cb_ruleset *rs, const char *buf, size_t len, bench_runs *r)
{
	cb_result *res = NULL;
	double t0 = bench_now();
	int rc = cb_case_price_buffer(&res, rs, buf, len, "bench.xml", NULL);
	double t1 = bench_now();
	if (rc != CB_OK || cb_result_get_status(res) == CB_RESULT_REJECTED) {
		fprintf(stderr, "bench_price: pricing failed: %s %s\n", cb_strerror(rc),
			cb_error_last());
		cb_result_free(res);
		return -1;
	}
	cb_result_free(res);
	bench_runs_add(r, t1 - t0);
	return 0;
}

/* Pricing a case loaded once (cb_case_price): the engine's arithmetic and result building
 * alone, what "in-memory pricing" means in the table. */
static int time_model(const cb_case *c, bench_runs *r)
{
	cb_result *res = NULL;
	double t0 = bench_now();
	int rc = cb_case_price(&res, c, NULL);
	double t1 = bench_now();
	if (rc != CB_OK) {
		fprintf(stderr, "bench_price: pricing the loaded case failed: %s\n",
			cb_error_last());
		return -1;
	}
	cb_result_free(res);
	bench_runs_add(r, t1 - t0);
	return 0;
}

static int time_parse(const cb_ruleset *rs, const char *buf, size_t len, bench_runs *r)
{
	cs_case *cs = NULL;
	double t0 = bench_now();
	int rc = cb_case__load(&cs, NULL, rs, buf, len, "bench.xml", NULL);
	double t1 = bench_now();
	if (rc != CB_OK || !cs || cs->rejected) {
		fprintf(stderr, "bench_price: loading the case failed: %s\n", cb_error_last());
		cb_case__free(cs);
		return -1;
	}
	cb_case__free(cs);
	bench_runs_add(r, t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: bench_price RULES.xml CASE.xml [RUNS [PARSE_RUNS]]\n");
		return 2;
	}
	int runs = bench_run_count(argc > 3 ? argv[3] : NULL), status = 1;
	int parse_runs = argc > 4 ? atoi(argv[4]) : runs;
	cb_ruleset *rs = NULL;
	size_t len = 0;
	char *buf = NULL;
	if (cb_ruleset_load_file(&rs, argv[1]) != CB_OK) {
		fprintf(stderr, "bench_price: %s\n", cb_error_last());
		goto cleanup;
	}
	if (!(buf = bench_read_file(argv[2], &len)))
		goto cleanup;
	size_t lines = bench_count(buf, len, "<line ");
	bench_runs price = {0}, parse = {0};
	for (int i = 0; i < runs; i++)
		if (time_price(rs, buf, len, &price) != 0)
			goto cleanup;
	bench_report("price", lines, &price, bench_peak_rss_kb(), 0);
	for (int i = 0; i < parse_runs && i < BENCH_MAX_RUNS; i++)
		if (time_parse(rs, buf, len, &parse) != 0)
			goto cleanup;
	if (parse_runs > 0)
		bench_report("parse", lines, &parse, bench_peak_rss_kb(), 0);
	cb_case *c = NULL;
	if (cb_case_load_buffer(&c, rs, buf, len, "bench.xml", NULL) != CB_OK) {
		fprintf(stderr, "bench_price: loading the case failed: %s\n", cb_error_last());
		goto cleanup;
	}
	bench_runs model = {0};
	for (int i = 0; i < runs; i++)
		if (time_model(c, &model) != 0) {
			cb_case_free(c);
			goto cleanup;
		}
	cb_case_free(c);
	bench_report("model", lines, &model, bench_peak_rss_kb(), 0);
	status = 0;
cleanup:
	free(buf);
	cb_ruleset_free(rs);
	return status;
}
