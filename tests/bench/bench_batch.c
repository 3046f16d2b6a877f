/*
 * bench_batch.c — the nightly batch end to end (issue 5): for each workload size, generate a
 * case with the built `gencase` (20 charge lines per patient, as scripts/bench.sh does), split
 * it into files of at most 5000 patients, then time the built `carebill` commands as an
 * operator runs them — `db init`, `import` of every file, `batch --date 2026-12-01`,
 * `export` — each in a child process whose peak RSS (ru_maxrss from wait4) is reported. The
 * batch's peak RSS staying flat from 10^5 to 10^6 lines shows its memory bound: patients
 * are streamed, one at a time.
 *
 *   bench_batch [--smoke] [--keep] [--work DIR] [LINES...]    (default: 100000 1000000)
 *
 * --smoke runs one tiny size (2000 lines) and checks every command succeeds: what CI runs.
 * Besides the table, one machine line per size in scripts/bench.sh's format:
 *   BENCH name=batch lines=N runs=1 median_s=S min_s=S max_s=S rss_kb=KB bytes=B
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "../batch_test_util.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define PER_FILE 5000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct step {
	double s;
	long rss_kb;
	int status;
} step;

/* Run argv (output to log), timing it and taking its peak RSS. */
static step timed(char *const argv[], const char *log)
{
	step r = {0, 0, -1000};
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	double t0 = now_s();
	pid_t pid = bt_spawn(argv, log);
	if (pid > 0)
		r.status = bt_wait(pid, &ru);
	r.s = now_s() - t0;
	r.rss_kb = ru.ru_maxrss;
	return r;
}

/* Finish a file of the split: 0, or -1. */
static int close_part(FILE **out)
{
	int rc = 0;
	if (*out) {
		fputs("</case>\n", *out);
		rc = fclose(*out) == 0 ? 0 : -1;
	}
	*out = NULL;
	return rc;
}

/* Split gencase's output (one element a line) into files of PER_FILE patients; their count,
 * or -1. Names: DIR/case-N-K.xml. */
static int split(const char *dir, const char *whole, unsigned long lines)
{
	FILE *in = fopen(whole, "r"), *out = NULL;
	char head[3][512] = {"", "", ""}, name[1200], *buf = NULL;
	size_t cap = 0;
	int files = 0, patients = 0, n = 0, failed = !in;
	for (; !failed && getline(&buf, &cap, in) > 0; n++) {
		int patient = strncmp(buf, "  <patient ", 11) == 0;
		if (n < 3) {
			snprintf(head[n], sizeof head[n], "%s", buf);
			continue;
		}
		if (patient && (!out || patients == PER_FILE)) {
			failed = close_part(&out) != 0;
			snprintf(name, sizeof name, "%s/case-%lu-%d.xml", dir, lines, files++);
			if (failed || !(out = fopen(name, "w"))) {
				failed = 1;
				break;
			}
			fprintf(out, "%s%s%s", head[0], head[1], head[2]);
			patients = 0;
		}
		patients += patient;
		if (out && strcmp(buf, "</case>\n") != 0)
			fputs(buf, out);
	}
	failed |= close_part(&out) != 0;
	free(buf);
	if (in)
		fclose(in);
	return failed ? -1 : files;
}

typedef struct result {
	unsigned long lines, patients, claim_lines;
	step import, batch, export;
	long long db_bytes;
} result;

static int bench_size(const char *work, unsigned long lines, result *r)
{
	char whole[1200], db[1200], log[1200], out[1200], count[32], pats[32];
	memset(r, 0, sizeof *r);
	r->lines = lines;
	r->patients = lines / 20 ? lines / 20 : 1;
	snprintf(whole, sizeof whole, "%s/gen-%lu.xml", work, lines);
	snprintf(db, sizeof db, "%s/batch-%lu.db", work, lines);
	snprintf(log, sizeof log, "%s/log-%lu.txt", work, lines);
	snprintf(out, sizeof out, "%s/out-%lu", work, lines);
	snprintf(count, sizeof count, "%lu", lines);
	snprintf(pats, sizeof pats, "%lu", r->patients);
	char *gen[] = {CAREBILL_GENCASE, "1", pats, count, NULL};
	if (bt_run(gen, whole) != 0)
		return fprintf(stderr, "gencase failed\n"), -1;
	int files = split(work, whole, lines);
	char *init[] = {CAREBILL_BIN, "db", "init", db, "--rules", CAREBILL_RULES, NULL};
	if (files < 1 || bt_run(init, log) != 0)
		return fprintf(stderr, "split or db init failed (see %s)\n", log), -1;
	char **imp = calloc((size_t)files + 4, sizeof *imp);
	char (*names)[1200] = calloc((size_t)files, sizeof *names);
	imp[0] = CAREBILL_BIN, imp[1] = "import", imp[2] = db;
	for (int i = 0; i < files; i++) {
		snprintf(names[i], sizeof names[i], "%s/case-%lu-%d.xml", work, lines, i);
		imp[3 + i] = names[i];
	}
	r->import = timed(imp, log);
	free(imp);
	free(names);
	char *batch[] = {CAREBILL_BIN, "batch", db, "--date", "2026-12-01", NULL};
	if (r->import.status == 0)
		r->batch = timed(batch, log);
	char *exp[] = {CAREBILL_BIN, "export", db, "--out", out, NULL};
	if (r->batch.status == 0)
		r->export = timed(exp, log);
	r->claim_lines = (unsigned long)bt_sql_int(db, "SELECT sum((length(xml) - length(replace("
						  "xml, '<line ', ''))) / 6) FROM claims");
	struct stat sb;
	r->db_bytes = stat(db, &sb) == 0 ? (long long)sb.st_size : -1;
	if (r->import.status || r->batch.status || r->export.status)
		return fprintf(stderr, "a command failed (see %s)\n", log), -1;
	return 0;
}

static void print_table(const result *v, int n)
{
	printf("\n| charge lines | patients | claim lines | import s | import RSS MiB | batch s | "
	       "batch lines/s | batch peak RSS MiB | export s | DB MiB |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < n; i++) {
		const result *r = &v[i];
		printf("| %lu | %lu | %lu | %.2f | %.1f | %.2f | %.0f | %.1f | %.2f | %.1f |\n",
		       r->lines, r->patients, r->claim_lines, r->import.s,
		       (double)r->import.rss_kb / 1024, r->batch.s,
		       r->batch.s > 0 ? (double)r->claim_lines / r->batch.s : 0,
		       (double)r->batch.rss_kb / 1024, r->export.s,
		       (double)r->db_bytes / 1048576);
	}
	for (int i = 0; i < n; i++)
		printf("BENCH name=batch lines=%lu runs=1 median_s=%.3f min_s=%.3f max_s=%.3f "
		       "rss_kb=%ld bytes=%lld\n", v[i].lines, v[i].batch.s, v[i].batch.s,
		       v[i].batch.s, v[i].batch.rss_kb, v[i].db_bytes);
}

int main(int argc, char **argv)
{
	unsigned long sizes[16];
	int n = 0, smoke = 0, keep = 0;
	char work[1024] = "";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0)
			smoke = 1;
		else if (strcmp(argv[i], "--keep") == 0)
			keep = 1;
		else if (strcmp(argv[i], "--work") == 0 && i + 1 < argc)
			snprintf(work, sizeof work, "%s", argv[++i]);
		else if (n < 16 && strtoul(argv[i], NULL, 10) > 0)
			sizes[n++] = strtoul(argv[i], NULL, 10);
		else
			return fprintf(stderr, "usage: bench_batch [--smoke] [--keep] [--work DIR] "
				       "[LINES...]\n"), 2;
	}
	if (!n && smoke)
		sizes[n++] = 2000;
	if (!n) {
		sizes[n++] = 100000;
		sizes[n++] = 1000000;
	}
	int made = !work[0];
	if (made ? bt_tmpdir(work, sizeof work) != 0 : mkdir(work, 0777) != 0 && errno != EEXIST)
		return fprintf(stderr, "cannot make a work directory\n"), 2;
	printf("bench_batch: work directory %s\n", work);
	result res[16];
	int failed = 0;
	for (int i = 0; i < n && !failed; i++) {
		printf("== %lu charge lines\n", sizes[i]);
		fflush(stdout);
		failed = bench_size(work, sizes[i], &res[i]) != 0;
	}
	if (!failed)
		print_table(res, n);
	if (made && !keep)
		bt_rmrf(work);
	return failed;
}
