/*
 * bench_cli.c — `carebill price` end to end (issue 8): each run forks and execs
 *
 *   CAREBILL price --rules RULES.xml CASE.xml -o /dev/null
 *
 * with stderr discarded (the workload's SUSPECT_DUPLICATE warnings), and takes the wall time
 * around fork..wait4 and the child's peak RSS from wait4's rusage (the largest over the runs).
 * Exit status 0 and 1 (some patient held) are accepted; anything else fails the benchmark.
 *
 *   bench_cli CAREBILL RULES.xml CASE.xml [RUNS]
 */
#define _DEFAULT_SOURCE 1 /* wait4 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

/* One run; its wall time into r and the child's peak RSS into *rss_kb (kept if larger). */
static int run_once(char **argv, bench_runs *r, long *rss_kb)
{
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench_cli: fork");
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	int wstatus = 0;
	struct rusage ru;
	if (wait4(pid, &wstatus, 0, &ru) != pid) {
		perror("bench_cli: wait4");
		return -1;
	}
	double t1 = bench_now();
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) > 1) {
		fprintf(stderr, "bench_cli: %s failed (status %d)\n", argv[0],
			WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
		return -1;
	}
	if (ru.ru_maxrss > *rss_kb)
		*rss_kb = ru.ru_maxrss;
	bench_runs_add(r, t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: bench_cli CAREBILL RULES.xml CASE.xml [RUNS]\n");
		return 2;
	}
	int runs = bench_run_count(argc > 4 ? argv[4] : NULL);
	size_t len = 0;
	char *buf = bench_read_file(argv[3], &len);
	if (!buf)
		return 1;
	size_t lines = bench_count(buf, len, "<line ");
	free(buf);
	char *child[] = {argv[1], "price", "--rules", argv[2], argv[3], "-o", "/dev/null", NULL};
	bench_runs r = {0};
	long rss_kb = 0;
	for (int i = 0; i < runs; i++)
		if (run_once(child, &r, &rss_kb) != 0)
			return 1;
	bench_report("cli", lines, &r, rss_kb, 0);
	return 0;
}
