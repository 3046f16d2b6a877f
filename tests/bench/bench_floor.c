/*
 * bench_floor.c — the I/O floor (issue 8): read the same rows as the engine from SQLite
 * (bench_sqlite, through the same dbscan walk: patients, units, charge lines) and write the
 * same number of bytes as the engine's claim documents, with no pricing at all. Each charge
 * line becomes one line of text of a fixed size, BYTES_PER_LINE (the engine's average bytes
 * per charge line, which scripts/bench.sh takes from bench_sqlite's run): an XML element
 * carrying the row's values, escaped as the claim writer escapes them, padded with spaces.
 * Output goes through a 1 MiB buffer and write(2), to OUT (default /dev/null).
 *
 *   bench_floor DB.sqlite BYTES_PER_LINE [RUNS] [OUT]
 *
 * What the engine does beyond this floor is the price of pricing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "dbscan.h"

typedef struct rec {
	char p[4096];
	size_t n;
} rec;

static void rec_put(rec *r, const char *s, size_t len)
{
	if (r->n + len < sizeof r->p) {
		memcpy(r->p + r->n, s, len);
		r->n += len;
	}
}

static void rec_sink(void *ud, const char *s, size_t len)
{
	rec_put(ud, s, len);
}

/* name="value" with the value escaped for an attribute. */
static void rec_attr(rec *r, const char *name, const char *v)
{
	bench_put_attr(rec_sink, r, name, v);
}

/* One line of exactly `size` bytes (or longer, if the values alone are longer). */
static void write_line(bench_out *o, dbscan *s, size_t size)
{
	rec r;
	r.n = 0;
	rec_put(&r, "<line", 5);
	rec_attr(&r, "patient", dbscan_text(s->unit, UNIT_PATIENT));
	rec_attr(&r, "unit", dbscan_text(s->unit, UNIT_ID));
	rec_attr(&r, "institution", dbscan_text(s->unit, UNIT_INSTITUTION));
	rec_attr(&r, "id", dbscan_text(s->line, LINE_ID));
	rec_attr(&r, "item", dbscan_text(s->line, LINE_ITEM));
	rec_attr(&r, "qty", dbscan_text(s->line, LINE_QTY));
	rec_attr(&r, "price", dbscan_text(s->line, LINE_PRICE));
	rec_attr(&r, "at", dbscan_text(s->line, LINE_AT));
	size_t tail = 3; /* "/>\n" */
	if (r.n + tail < size && size < sizeof r.p) {
		memset(r.p + r.n, ' ', size - tail - r.n);
		r.n = size - tail;
	}
	rec_put(&r, "/>\n", tail);
	bench_out_put(o, r.p, r.n);
}

/* One pass over the database; the number of charge lines, or -1. */
static long one_run(dbscan *s, size_t size, const char *out_path, size_t *bytes)
{
	bench_out o;
	long lines = 0;
	if (bench_out_open(&o, out_path) != 0)
		return -1;
	dbscan_rewind(s);
	while (dbscan_patient(s))
		while (dbscan_unit(s))
			while (dbscan_line(s)) {
				write_line(&o, s, size);
				lines++;
			}
	*bytes = o.total;
	return bench_out_close(&o) == 0 ? lines : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: bench_floor DB.sqlite BYTES_PER_LINE [RUNS] [OUT]\n");
		return 2;
	}
	size_t size = strtoul(argv[2], NULL, 10);
	int runs = bench_run_count(argc > 3 ? argv[3] : NULL);
	const char *out_path = argc > 4 ? argv[4] : "/dev/null";
	dbscan s;
	if (dbscan_open(&s, argv[1]) != 0)
		return 1;
	bench_runs r = {0};
	long lines = 0;
	size_t bytes = 0;
	for (int i = 0; i < runs; i++) {
		double t0 = bench_now();
		lines = one_run(&s, size, out_path, &bytes);
		double t1 = bench_now();
		if (lines < 0) {
			dbscan_close(&s);
			return 1;
		}
		bench_runs_add(&r, t1 - t0);
	}
	dbscan_close(&s);
	bench_report("floor", (size_t)lines, &r, bench_peak_rss_kb(), bytes);
	return 0;
}
