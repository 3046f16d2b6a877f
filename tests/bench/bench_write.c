/*
 * bench_write.c — claim writing alone (issue 8): the case is priced once, then each run times
 * cb_result_write_buffer on that result (the buffer is freed outside the timed part).
 *
 *   bench_write RULES.xml CASE.xml [RUNS]
 *
 * One BENCH line `write`: lines are the case's charge lines, bytes the claim document's size,
 * so the table shows both lines/s and MB/s.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "carebill.h"

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_write RULES.xml CASE.xml [RUNS]\n");
		return 2;
	}
	int runs = bench_run_count(argc > 3 ? argv[3] : NULL), status = 1;
	cb_ruleset *rs = NULL;
	cb_result *res = NULL;
	size_t len = 0, bytes = 0;
	char *buf = NULL;
	if (cb_ruleset_load_file(&rs, argv[1]) != CB_OK) {
		fprintf(stderr, "bench_write: %s\n", cb_error_last());
		goto cleanup;
	}
	if (!(buf = bench_read_file(argv[2], &len)))
		goto cleanup;
	size_t lines = bench_count(buf, len, "<line ");
	if (cb_case_price_buffer(&res, rs, buf, len, "bench.xml", NULL) != CB_OK) {
		fprintf(stderr, "bench_write: %s\n", cb_error_last());
		goto cleanup;
	}
	free(buf);
	buf = NULL;
	bench_runs r = {0};
	for (int i = 0; i < runs; i++) {
		char *out = NULL;
		double t0 = bench_now();
		int rc = cb_result_write_buffer(res, &out, &bytes);
		double t1 = bench_now();
		cb_buffer_free(out);
		if (rc != CB_OK) {
			fprintf(stderr, "bench_write: %s\n", cb_error_last());
			goto cleanup;
		}
		bench_runs_add(&r, t1 - t0);
	}
	bench_report("write", lines, &r, bench_peak_rss_kb(), bytes);
	status = 0;
cleanup:
	free(buf);
	cb_result_free(res);
	cb_ruleset_free(rs);
	return status;
}
