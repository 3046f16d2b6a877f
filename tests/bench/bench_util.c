/*
 * bench_util.c — timing, statistics, peak RSS and the report line of the benchmarks (see
 * bench_util.h for the BENCH line format).
 */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_runs_add(bench_runs *r, double seconds)
{
	if (r->n < BENCH_MAX_RUNS)
		r->s[r->n++] = seconds;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void bench_runs_stats(const bench_runs *r, double *median, double *min, double *max)
{
	double s[BENCH_MAX_RUNS];
	if (r->n == 0) {
		*median = *min = *max = 0;
		return;
	}
	memcpy(s, r->s, sizeof s[0] * (size_t)r->n);
	qsort(s, (size_t)r->n, sizeof s[0], cmp_double);
	*min = s[0];
	*max = s[r->n - 1];
	*median = r->n % 2 ? s[r->n / 2] : (s[r->n / 2 - 1] + s[r->n / 2]) / 2;
}

long bench_peak_rss_kb(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ru.ru_maxrss; /* KiB on Linux */
}

char *bench_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto fail;
	buf = malloc((size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto fail;
	buf[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return buf;
fail:
	fprintf(stderr, "cannot read %s\n", path);
	free(buf);
	if (f)
		fclose(f);
	return NULL;
}

size_t bench_count(const char *buf, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	const char *end = buf + len, *p = buf;
	while ((size_t)(end - p) >= k && (p = memchr(p, needle[0], (size_t)(end - p - k + 1)))) {
		if (memcmp(p, needle, k) == 0)
			n++;
		p++;
	}
	return n;
}

int bench_run_count(const char *arg)
{
	const char *s = arg ? arg : getenv("BENCH_RUNS");
	int n = s ? atoi(s) : 5;
	if (n < 1)
		n = 1;
	return n > BENCH_MAX_RUNS ? BENCH_MAX_RUNS : n;
}

void bench_put_attr(void (*put)(void *ud, const char *s, size_t len), void *ud,
		    const char *name, const char *value)
{
	const char *v = value, *run = v;
	put(ud, " ", 1);
	put(ud, name, strlen(name));
	put(ud, "=\"", 2);
	for (; *v; v++) {
		const char *rep = NULL;
		switch (*v) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: continue;
		}
		put(ud, run, (size_t)(v - run));
		put(ud, rep, strlen(rep));
		run = v + 1;
	}
	put(ud, run, (size_t)(v - run));
	put(ud, "\"", 1);
}

void bench_report(const char *name, size_t lines, const bench_runs *r, long rss_kb,
		  size_t bytes)
{
	double med, min, max;
	bench_runs_stats(r, &med, &min, &max);
	double per_s = med > 0 ? (double)lines / med : 0;
	printf("%-14s %9.0f lines/s (%.0f–%.0f), %7.1f ns/line, median %.3f s of %d runs, "
	       "peak RSS %ld MiB", name, per_s, max > 0 ? (double)lines / max : 0,
	       min > 0 ? (double)lines / min : 0, med > 0 ? med * 1e9 / (double)lines : 0, med,
	       r->n, rss_kb / 1024);
	if (bytes)
		printf(", %.1f MB/s (%zu bytes)", med > 0 ? (double)bytes / med / 1e6 : 0, bytes);
	printf("\nBENCH name=%s lines=%zu runs=%d median_s=%.6f min_s=%.6f max_s=%.6f rss_kb=%ld "
	       "bytes=%zu\n", name, lines, r->n, med, min, max, rss_kb, bytes);
	fflush(stdout);
}

int bench_out_open(bench_out *o, const char *path)
{
	memset(o, 0, sizeof *o);
	o->cap = (size_t)1 << 20;
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	o->buf = malloc(o->cap);
	if (o->fd < 0 || !o->buf) {
		fprintf(stderr, "cannot write %s\n", path);
		if (o->fd >= 0)
			close(o->fd);
		free(o->buf);
		return -1;
	}
	return 0;
}

int bench_out_flush(bench_out *o)
{
	size_t done = 0;
	while (done < o->n) {
		ssize_t k = write(o->fd, o->buf + done, o->n - done);
		if (k <= 0) {
			o->failed = 1;
			break;
		}
		done += (size_t)k;
	}
	o->n = 0;
	return o->failed ? -1 : 0;
}

void bench_out_put(bench_out *o, const char *p, size_t len)
{
	o->total += len;
	while (len) {
		if (o->n == o->cap)
			bench_out_flush(o);
		size_t k = o->cap - o->n < len ? o->cap - o->n : len;
		memcpy(o->buf + o->n, p, k);
		o->n += k;
		p += k;
		len -= k;
	}
}

int bench_out_close(bench_out *o)
{
	int rc = bench_out_flush(o);
	if (close(o->fd) != 0)
		rc = -1;
	free(o->buf);
	o->buf = NULL;
	return rc;
}
