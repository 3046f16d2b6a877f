/*
 * bench_util.h — what the benchmark programs share: a monotonic clock, runs summarised as
 * median and min–max, peak RSS, reading a file whole, and the one report line that
 * scripts/bench.sh turns into its table.
 *
 * Every benchmark prints, besides its human-readable lines, exactly one machine line per
 * measurement:
 *
 *   BENCH name=NAME lines=N runs=K median_s=S min_s=S max_s=S rss_kb=KB bytes=B
 *
 * `lines` is the number of charge lines of the workload (the unit of work of every row of the
 * table), `bytes` what one run wrote (0 when it writes nothing), `rss_kb` the peak resident
 * set size of the process that did the work.
 */
#ifndef CB_BENCH_UTIL_H
#define CB_BENCH_UTIL_H

#include <stddef.h>

#define BENCH_MAX_RUNS 100

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Runs of one measurement, in seconds. */
typedef struct bench_runs {
	double s[BENCH_MAX_RUNS];
	int n;
} bench_runs;

void bench_runs_add(bench_runs *r, double seconds);
/* Median (mean of the two middle runs for an even count), minimum and maximum. */
void bench_runs_stats(const bench_runs *r, double *median, double *min, double *max);

/* Peak resident set size of this process so far, in KiB (getrusage ru_maxrss). */
long bench_peak_rss_kb(void);

/* Read the file at `path` whole into a new NUL-terminated buffer (free()); NULL on failure
 * with a message on stderr. */
char *bench_read_file(const char *path, size_t *len);

/* Occurrences of `needle` in `len` bytes at `buf`. */
size_t bench_count(const char *buf, size_t len, const char *needle);

/* The number of runs: argument `arg` when not NULL, else $BENCH_RUNS, else 5; at least 1 and
 * at most BENCH_MAX_RUNS. */
int bench_run_count(const char *arg);

/* Buffered output to a file descriptor through write(2), 1 MiB at a time; `total` counts
 * every byte put. */
typedef struct bench_out {
	int fd;
	char *buf;
	size_t n, cap, total;
	int failed;
} bench_out;

/* Open `path` for writing (created or truncated); 0 or -1 with a message. */
int bench_out_open(bench_out *o, const char *path);
void bench_out_put(bench_out *o, const char *p, size_t len);
/* Write what is buffered; 0, or -1 when some write failed. */
int bench_out_flush(bench_out *o);
/* Flush, close and free; 0 or -1 as bench_out_flush. */
int bench_out_close(bench_out *o);

/* ` name="value"` with the value escaped for an attribute (& < > "), given piece by piece to
 * put(ud, bytes, length). The floor and the engine's XML route write attributes alike. */
void bench_put_attr(void (*put)(void *ud, const char *s, size_t len), void *ud,
		    const char *name, const char *value);

/* Print the human-readable summary and the BENCH line of one measurement. */
void bench_report(const char *name, size_t lines, const bench_runs *r, long rss_kb,
		  size_t bytes);

#endif
