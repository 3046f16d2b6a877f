/*
 * test_batch_crash.c — [BAT-4] proved by killing: a database of 300 generated patients
 * (tests/bench/gencase.c, ~6000 lines, LTC stays and services) plus the demo patients (quotas,
 * commercial covers, visits) is billed once without interruption; then, on fresh copies of the
 * same database, the built `carebill batch` is started in a child process and killed with
 * SIGKILL after a random delay, again and again, each time resumed, until the run completes.
 * Each completed chain must end exactly where the uninterrupted run ended: the exported claim
 * documents byte-identical, and the ledger, billed units and months, quota use, commercial
 * payments, accumulators, findings and claims row for row the same (so no ledger line is
 * entered twice and none is missing), with a database that passes integrity_check; and
 * (checked after the first chain) a further run for the same date changes nothing.
 *
 * Delays are drawn from a fixed-seed generator, as fractions of the uninterrupted run's
 * duration (a quarter, a half, or all of it, by turns), so kills land at startup, in the
 * middle of patients and near the end. At least 20 kills are made (CAREBILL_CRASH_ROUNDS=N
 * for more). Then three processes bill one database at once (two shards and a whole run) and
 * must end the same way. The program's exit status is the number of failed assertions.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "batch_test_util.h"

#include <CUnit/Basic.h>
#include <stdint.h>
#include <time.h>

#include "carebill.h"
#include "carebill_batch.h"
#include "cb_test.h"

#define DEMO_RULES CAREBILL_SOURCE_DIR "/rules/cq-demo-2023.xml"
#define DEMO_CASE CAREBILL_SOURCE_DIR "/fixtures/demo/case.xml"
#define DATE "2026-12-01"

static char dir[1024];

static const char *const state_tables[] = {"ledger", "billed_units", "quota_use",
	"commercial_paid", "accumulators", "findings", "claims", NULL};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *path(const char *name)
{
	static char buf[8][2048];
	static int next;
	char *p = buf[next++ % 8];
	if (snprintf(p, 2048, "%s/%s", dir, name) >= 2048)
		p[0] = '\0';
	return p;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	nanosleep(&ts, NULL);
}

static int batch_argv_run(const char *db, pid_t *pid)
{
	char *argv[] = {CAREBILL_BIN, "batch", (char *)db, "--date", DATE, NULL};
	*pid = bt_spawn(argv, path("batch.log"));
	return *pid > 0 ? 0 : -1;
}

static int run_to_end(const char *db)
{
	pid_t pid;
	return batch_argv_run(db, &pid) == 0 ? bt_wait(pid, NULL) : -1000;
}

static int export_dir(const char *db, const char *out)
{
	char *argv[] = {CAREBILL_BIN, "export", (char *)db, "--out", (char *)out, NULL};
	return bt_run(argv, path("export.log"));
}

/* The database every chain starts from: generated patients and the demo's. */
static void make_base(void)
{
	char *gen[] = {CAREBILL_GENCASE, "20261201", "300", "6000", NULL};
	CU_ASSERT_EQUAL_FATAL(bt_run(gen, path("case.xml")), 0);
	cb_batch *db = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_batch_create(&db, path("base.db")), CB_OK);
	CU_ASSERT_EQUAL(cb_batch_add_ruleset_file(db, DEMO_RULES, NULL, NULL), CB_OK);
	const char *files[] = {path("case.xml"), DEMO_CASE};
	for (int i = 0; i < 2; i++) {
		cb_result *res = NULL;
		CU_ASSERT_EQUAL(cb_batch_import_file(db, files[i], &res, NULL), CB_OK);
		CU_ASSERT_EQUAL(res ? (int)cb_result_get_status(res) : -1, CB_RESULT_BILLED);
		cb_result_free(res);
	}
	cb_batch_close(db);
}

/* One chain: a fresh copy killed at random moments until a run completes; the kills made. */
static int chain(int n, double whole_s, const char *expected_dump, int *failed)
{
	static const double fraction[] = {0.25, 0.5, 1.0};
	char db[2048], out[2048], name[64];
	snprintf(db, sizeof db, "%s", path("chain.db"));
	bt_rmrf(db);
	remove(path("chain.db-wal"));
	remove(path("chain.db-shm"));
	CU_ASSERT_EQUAL_FATAL(bt_copy(path("base.db"), db), 0);
	int kills = 0, status = -1;
	while (status != 0 && kills < 1000) {
		pid_t pid;
		CU_ASSERT_EQUAL_FATAL(batch_argv_run(db, &pid), 0);
		double f = fraction[n % 3];
		sleep_s(whole_s * f * (double)(next_random() % 1000) / 1000.0);
		kill(pid, SIGKILL);
		status = bt_wait(pid, NULL);
		if (status == -SIGKILL)
			kills++;
		else
			CU_ASSERT_EQUAL(status, 0);
	}
	snprintf(name, sizeof name, "chain-%d-out", n);
	snprintf(out, sizeof out, "%s", path(name));
	CU_ASSERT_EQUAL(export_dir(db, out), 0);
	char why[300];
	int same = bt_dirs_equal(path("whole-out"), out, why, sizeof why);
	if (!same)
		fprintf(stderr, "chain %d: exports differ: %s\n", n, why);
	CU_ASSERT_TRUE(same);
	char *dump = bt_dump(db, state_tables);
	CU_ASSERT_TRUE(dump && strcmp(dump, expected_dump) == 0);
	CU_ASSERT_EQUAL(bt_sql_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE "
				       "integrity_check <> 'ok'"), 0);
	char *again = NULL;
	if (n == 0) { /* a further run for the date bills nothing */
		CU_ASSERT_EQUAL(run_to_end(db), 0);
		again = bt_dump(db, state_tables);
		CU_ASSERT_TRUE(again && dump && strcmp(again, dump) == 0);
	}
	*failed += !same || !dump || strcmp(dump, expected_dump) != 0;
	free(dump);
	free(again);
	return kills;
}

static void test_batch_crash_kill_and_resume(void)
{
	make_base();
	CU_ASSERT_EQUAL_FATAL(bt_copy(path("base.db"), path("whole.db")), 0);
	double t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(run_to_end(path("whole.db")), 0);
	double whole_s = now_s() - t0;
	CU_ASSERT_EQUAL(export_dir(path("whole.db"), path("whole-out")), 0);
	CU_ASSERT_EQUAL(bt_sql_int(path("whole.db"), "SELECT count(*) FROM claims"), 304);
	char *expected = bt_dump(path("whole.db"), state_tables);
	CU_ASSERT_PTR_NOT_NULL_FATAL(expected);
	const char *env = getenv("CAREBILL_CRASH_ROUNDS");
	int rounds = env && atoi(env) > 0 ? atoi(env) : 20, kills = 0, chains = 0, failed = 0;
	while ((kills < rounds || chains < 3) && chains < 100 * rounds) /* every fraction */
		kills += chain(chains++, whole_s, expected, &failed);
	fprintf(stderr, "\ncrash test: %d kills with SIGKILL in %d chains, each resumed to the end;"
		" %d chains differ from the uninterrupted run (%.2f s)\n", kills, chains, failed,
		whole_s);
	CU_ASSERT_TRUE(kills >= rounds);
	CU_ASSERT_EQUAL(failed, 0);
	free(expected);
}

/* Processes sharing one database: shard 1/2, shard 2/2 and an unsharded run started at
 * once end exactly where the single uninterrupted run ended (each patient's transaction
 * checks for a claim of D before billing). Runs after the crash test, on its base.db. */
static void test_batch_crash_concurrent_runs(void)
{
	char db[2048];
	snprintf(db, sizeof db, "%s", path("shared.db"));
	CU_ASSERT_EQUAL_FATAL(bt_copy(path("base.db"), db), 0);
	char *a[] = {CAREBILL_BIN, "batch", db, "--date", DATE, "--shard", "1/2", NULL};
	char *b[] = {CAREBILL_BIN, "batch", db, "--date", DATE, "--shard", "2/2", NULL};
	char *c[] = {CAREBILL_BIN, "batch", db, "--date", DATE, NULL};
	pid_t pa = bt_spawn(a, path("a.log")), pb = bt_spawn(b, path("b.log")),
	      pc = bt_spawn(c, path("c.log"));
	CU_ASSERT_EQUAL(bt_wait(pa, NULL), 0);
	CU_ASSERT_EQUAL(bt_wait(pb, NULL), 0);
	CU_ASSERT_EQUAL(bt_wait(pc, NULL), 0);
	char *expected = bt_dump(path("whole.db"), state_tables), *got = bt_dump(db, state_tables);
	CU_ASSERT_TRUE(expected && got && strcmp(expected, got) == 0);
	free(expected);
	free(got);
	CU_ASSERT_EQUAL(export_dir(db, path("shared-out")), 0);
	char why[300];
	CU_ASSERT_TRUE(bt_dirs_equal(path("whole-out"), path("shared-out"), why, sizeof why));
}

static int suite_init(void)
{
	return bt_tmpdir(dir, sizeof dir);
}

static int suite_clean(void)
{
	if (!getenv("CAREBILL_KEEP_TMP"))
		bt_rmrf(dir);
	return 0;
}

static CU_TestInfo crash_tests[] = {
	{"test_batch_crash_kill_and_resume", test_batch_crash_kill_and_resume},
	{"test_batch_crash_concurrent_runs", test_batch_crash_concurrent_runs},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"batch_crash", suite_init, suite_clean, NULL, NULL, crash_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
