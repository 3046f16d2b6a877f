/*
 * test_threads.c — CUnit suite for the thread-safety contract of include/carebill.h: "a loaded
 * cb_ruleset is immutable and may be used by many threads at once", and cb_error_last() is
 * kept per thread.
 *
 * Every fixture case under fixtures/ (the demo included) is priced once on the main thread
 * with its rule set (DIR/rules.txt, else rules/<ruleset attribute>.xml, as the fixture
 * runner does): that is the reference. Then 8 pthreads, started together on a barrier, share
 * the loaded rule sets (one load per rule-set file) and price their cases 50 times each —
 * thread t takes the cases t, t+8, t+16, ..., so each thread has a case of its own and every
 * case is covered — writing the claim document to a buffer each time. Every return code and
 * every byte must equal the reference. Between pricings each thread makes a call that fails
 * with a message naming its own thread and checks that cb_error_last() shows that message and
 * no other thread's.
 *
 * CUnit is not thread-safe, so the threads only count mismatches; the main thread asserts.
 * The program's exit status is the number of failed assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carebill.h"

#define THREADS 8
#define ROUNDS 50
#define MAX_CASES 256
#define MAX_RULESETS 16

typedef struct fixture_case {
	char path[1024];
	char *text;
	size_t len;
	const cb_ruleset *rs;
	int rc;          /* reference return code */
	char *expected;  /* reference claim document (NULL when rc != CB_OK) */
	size_t expected_len;
} fixture_case;

typedef struct loaded_rules {
	char path[1200];
	cb_ruleset *rs;
} loaded_rules;

static fixture_case cases[MAX_CASES];
static size_t ncases;
static loaded_rules rulesets[MAX_RULESETS];
static size_t nrulesets;
static pthread_barrier_t start_line;

typedef struct worker {
	int index;
	size_t pricings, mismatches, error_mixups;
	char first_problem[2048];
} worker;

/* ---- helpers -------------------------------------------------------------------------- */

static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	int n = snprintf(NULL, 0, "%s: expected %s, got %s", what, expected, got);
	char *msg = malloc((size_t)n + 1);
	if (msg)
		snprintf(msg, (size_t)n + 1, "%s: expected %s, got %s", what, expected, got);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg ? msg : what, file, "",
				CU_FALSE);
	free(msg);
}


/* The rule-set file of the fixture directory `dir`, like the fixture runner. */
static void rules_path(const char *dir, const char *case_text, char *out, size_t cap)
{
	char p[1100];
	snprintf(p, sizeof p, "%s/rules.txt", dir);
	char *txt = cb_test_slurp(p, NULL);
	if (txt) {
		txt[strcspn(txt, "\r\n")] = '\0';
		snprintf(out, cap, "%s/%s", CAREBILL_SOURCE_DIR, txt);
		free(txt);
		return;
	}
	const char *at = strstr(case_text, "ruleset=\"");
	char id[128] = "fx-2023";
	if (at) {
		at += 9;
		size_t n = strcspn(at, "\"");
		if (n < sizeof id) {
			memcpy(id, at, n);
			id[n] = '\0';
		}
	}
	snprintf(out, cap, "%s/rules/%s.xml", CAREBILL_SOURCE_DIR, id);
}

/* One load per rule-set file, shared by every case that uses it. */
static const cb_ruleset *ruleset_for(const char *path)
{
	for (size_t i = 0; i < nrulesets; i++)
		if (strcmp(rulesets[i].path, path) == 0)
			return rulesets[i].rs;
	if (nrulesets == MAX_RULESETS)
		return NULL;
	cb_ruleset *rs = NULL;
	if (cb_ruleset_load_file(&rs, path) != CB_OK)
		return NULL;
	snprintf(rulesets[nrulesets].path, sizeof rulesets[nrulesets].path, "%s", path);
	rulesets[nrulesets++].rs = rs;
	return rs;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(((const fixture_case *)a)->path, ((const fixture_case *)b)->path);
}

/* Every DIR/case.xml under `dir`, recursively. */
static void find_cases(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && ncases < MAX_CASES) {
		if (e->d_name[0] == '.')
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			find_cases(p);
		else if (strcmp(e->d_name, "case.xml") == 0)
			snprintf(cases[ncases++].path, sizeof cases[0].path, "%s", p);
	}
	closedir(d);
}

/* ---- the workers --------------------------------------------------------------------- */

static void note(worker *w, const char *fmt, const char *a, const char *b)
{
	if (!w->first_problem[0])
		snprintf(w->first_problem, sizeof w->first_problem, fmt, a, b);
}

static int price_and_compare(worker *w, const fixture_case *c)
{
	cb_result *res = NULL;
	int rc = cb_case_price_buffer(&res, c->rs, c->text, c->len, c->path, NULL);
	w->pricings++;
	if (rc != c->rc) {
		w->mismatches++;
		note(w, "%.900s: other return code (%.900s)", c->path, cb_error_last());
		cb_result_free(res);
		return -1;
	}
	if (rc != CB_OK)
		return 0;
	char *out = NULL;
	size_t len = 0;
	if (cb_result_write_buffer(res, &out, &len) != CB_OK || len != c->expected_len ||
	    memcmp(out, c->expected, len) != 0) {
		w->mismatches++;
		note(w, "%.900s: claim document differs from the single-threaded run%.900s", c->path, "");
	}
	cb_buffer_free(out);
	cb_result_free(res);
	return 0;
}

/* A failing call whose message names this thread; cb_error_last() must show it. */
static void check_own_error(worker *w, int round)
{
	char path[128];
	snprintf(path, sizeof path, "/nonexistent-dir/thread-%02d-round-%02d.xml", w->index, round);
	cb_result *res = NULL;
	if (cb_case_price_file(&res, rulesets[0].rs, path, NULL) != CB_EIO ||
	    strstr(cb_error_last(), path) == NULL) {
		w->error_mixups++;
		note(w, "cb_error_last() shows '%.900s' instead of '%.900s'", cb_error_last(), path);
	}
}

static void *work(void *arg)
{
	worker *w = arg;
	pthread_barrier_wait(&start_line);
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = (size_t)w->index; i < ncases; i += THREADS)
			if (cases[i].rs)
				price_and_compare(w, &cases[i]);
		check_own_error(w, round);
	}
	return NULL;
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_threads_enough_cases(void)
{
	char got[32];
	snprintf(got, sizeof got, "%zu", ncases);
	report(ncases >= THREADS, "fixture cases found", ">= 8 (one per thread)", got, __FILE__,
	       __LINE__);
	int has_demo = 0;
	for (size_t i = 0; i < ncases; i++) {
		has_demo |= strstr(cases[i].path, "/fixtures/demo/case.xml") != NULL;
		report(cases[i].rs != NULL, "rule set of", cases[i].path, "not loadable", __FILE__,
		       __LINE__);
	}
	CU_ASSERT_TRUE(has_demo);
	/* the reference run itself: deterministic on one thread */
	for (size_t i = 0; i < ncases; i++) {
		worker w = {0};
		if (!cases[i].rs)
			continue;
		price_and_compare(&w, &cases[i]);
		report(w.mismatches == 0, "second single-threaded run", "same bytes",
		       w.first_problem, __FILE__, __LINE__);
	}
}

static void test_threads_share_rulesets_same_bytes(void)
{
	pthread_t tid[THREADS];
	worker workers[THREADS];
	CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&start_line, NULL, THREADS), 0);
	int started = 0;
	for (int t = 0; t < THREADS; t++) {
		memset(&workers[t], 0, sizeof workers[t]);
		workers[t].index = t;
		if (pthread_create(&tid[t], NULL, work, &workers[t]) != 0)
			break;
		started++;
	}
	CU_ASSERT_EQUAL_FATAL(started, THREADS);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&start_line);

	size_t total = 0, usable = 0;
	for (size_t i = 0; i < ncases; i++)
		usable += cases[i].rs != NULL;
	for (int t = 0; t < THREADS; t++) {
		char what[64], got[2200];
		snprintf(what, sizeof what, "thread %d", t);
		snprintf(got, sizeof got, "%zu mismatches, %zu error mix-ups; first: %s",
			 workers[t].mismatches, workers[t].error_mixups, workers[t].first_problem);
		report(workers[t].mismatches == 0 && workers[t].error_mixups == 0, what,
		       "identical results and its own error messages", got, __FILE__, __LINE__);
		CU_ASSERT_TRUE(workers[t].pricings >= ROUNDS); /* a case of its own */
		total += workers[t].pricings;
	}
	char want[32], got[32];
	snprintf(want, sizeof want, "%zu", usable * ROUNDS);
	snprintf(got, sizeof got, "%zu", total);
	report(total == usable * ROUNDS, "pricings", want, got, __FILE__, __LINE__);
}

/* ---- runner -------------------------------------------------------------------------- */

static int suite_init(void)
{
	find_cases(CAREBILL_SOURCE_DIR "/fixtures");
	qsort(cases, ncases, sizeof cases[0], path_cmp);
	/* the demo first: it covers every track */
	for (size_t i = 0; i < ncases; i++) {
		if (strstr(cases[i].path, "/fixtures/demo/case.xml")) {
			fixture_case t = cases[0];
			cases[0] = cases[i];
			cases[i] = t;
			break;
		}
	}
	for (size_t i = 0; i < ncases; i++) {
		fixture_case *c = &cases[i];
		c->text = cb_test_slurp(c->path, &c->len);
		if (!c->text)
			return 1;
		char dir[1024], rules[1200];
		snprintf(dir, sizeof dir, "%.1000s", c->path);
		*strrchr(dir, '/') = '\0';
		rules_path(dir, c->text, rules, sizeof rules);
		c->rs = ruleset_for(rules);
		if (!c->rs)
			continue;
		cb_result *res = NULL;
		c->rc = cb_case_price_buffer(&res, c->rs, c->text, c->len, c->path, NULL);
		if (c->rc == CB_OK &&
		    cb_result_write_buffer(res, &c->expected, &c->expected_len) != CB_OK)
			return 1;
		cb_result_free(res);
	}
	/* a case whose rule set does not load is reported by test_threads_enough_cases and
	 * left out of the threaded run */
	return nrulesets > 0 ? 0 : 1;
}

static int suite_clean(void)
{
	for (size_t i = 0; i < MAX_CASES; i++) {
		free(cases[i].text);
		cb_buffer_free(cases[i].expected);
		cases[i].text = NULL;
		cases[i].expected = NULL;
	}
	for (size_t i = 0; i < nrulesets; i++)
		cb_ruleset_free(rulesets[i].rs);
	return 0;
}

#define TEST(fn) { #fn, fn }

static CU_TestInfo threads_tests[] = {
	TEST(test_threads_enough_cases),
	TEST(test_threads_share_rulesets_same_bytes),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "threads", suite_init, suite_clean, NULL, NULL, threads_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
