/*
 * batch_cli.c — `carebill db | import | batch | export`: a thin shell over the batch API
 * (include/carebill_batch.h). Problems go to stderr one line each, as `price` writes them
 * (FILE:LINE: patient P: CODE: message); the exit status is `price`'s: 0 all billed, 1 some
 * patient held, 2 usage error, unreadable or rejected input, or a database failure.
 * For a person at a terminal (stderr is a TTY) a progress line and a summary are added;
 * otherwise nothing but problems is written, so cron and job schedulers log only those.
 */
#include "batch_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carebill.h"
#include "carebill_batch.h"

#define EXIT_HELD 1
#define EXIT_FAIL 2

/* Monotonic milliseconds: progress and summary timing in whole numbers (nothing in this
 * program computes with binary floating point). */
static unsigned long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

/* One problem line; notes stay in the documents. */
static void print_finding(const cb_finding *f)
{
	if (strcmp(f->severity, "note") == 0)
		return;
	fprintf(stderr, "%s:%lu: %s%s%s%s: %s\n", f->file ? f->file : "-", f->line,
		f->patient ? "patient " : "", f->patient ? f->patient : "",
		f->patient ? ": " : "", f->code, f->message);
}

static int fail(void)
{
	fprintf(stderr, "%s\n", cb_error_last());
	return EXIT_FAIL;
}

/* ---- db ---- */

static void remove_db(const char *path)
{
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* carebill db init DB --rules RULES.xml: a new database with its first rule set; nothing is
 * left behind when the rule set is refused. */
static int db_init(int argc, char **argv)
{
	if (argc != 6 || strcmp(argv[4], "--rules") != 0)
		return -1;
	cb_batch *db = NULL;
	const char *id = NULL;
	if (cb_batch_create(&db, argv[3]) != CB_OK)
		return fail();
	int rc = cb_batch_add_ruleset_file(db, argv[5], NULL, &id);
	if (rc == CB_OK && isatty(2))
		fprintf(stderr, "%s: created, schema version %d, rule set %s registered\n",
			argv[3], CB_BATCH_SCHEMA_VERSION, id);
	if (rc != CB_OK)
		fprintf(stderr, "%s\n", cb_error_last());
	cb_batch_close(db);
	if (rc != CB_OK)
		remove_db(argv[3]);
	return rc == CB_OK ? 0 : EXIT_FAIL;
}

/* carebill db rules DB RULES.xml */
static int db_rules(int argc, char **argv)
{
	if (argc != 5)
		return -1;
	cb_batch *db = NULL;
	if (cb_batch_open(&db, argv[3]) != CB_OK)
		return fail();
	int added = 0;
	const char *id = NULL;
	int rc = cb_batch_add_ruleset_file(db, argv[4], &added, &id);
	if (rc != CB_OK)
		fprintf(stderr, "%s\n", cb_error_last());
	else if (isatty(2))
		fprintf(stderr, "%s: rule set %s %s\n", argv[3], id,
			added ? "registered" : "was already registered");
	cb_batch_close(db);
	return rc == CB_OK ? 0 : EXIT_FAIL;
}

/* ---- import ---- */

static int import_one(cb_batch *db, const char *path)
{
	cb_result *res = NULL;
	cb_batch_import_info info;
	if (cb_batch_import_file(db, path, &res, &info) != CB_OK)
		return fail();
	for (size_t i = 0; i < cb_result_finding_count(res); i++)
		print_finding(cb_result_finding(res, i));
	cb_result_status status = cb_result_get_status(res);
	cb_result_free(res);
	if (status != CB_RESULT_BILLED) {
		fprintf(stderr, "%s: not imported: %s\n", path,
			status == CB_RESULT_HELD ? "some patient has input errors"
						 : "the document is rejected");
		return status == CB_RESULT_HELD ? EXIT_HELD : EXIT_FAIL;
	}
	if (isatty(2))
		fprintf(stderr, "%s: %zu patients, %zu contracts, %zu units imported, %zu units "
			"billed before kept as billed\n", path, info.patients, info.contracts,
			info.units, info.kept_billed);
	return 0;
}

/* carebill import DB CASE.xml...: each file whole or not at all; the worst status wins. */
static int import(int argc, char **argv)
{
	if (argc < 4)
		return -1;
	cb_batch *db = NULL;
	if (cb_batch_open(&db, argv[2]) != CB_OK)
		return fail();
	int worst = 0;
	for (int i = 3; i < argc; i++) {
		int rc = import_one(db, argv[i]);
		worst = rc > worst ? rc : worst;
	}
	cb_batch_close(db);
	return worst;
}

/* ---- batch ---- */

typedef struct tty_state {
	int tty;
	unsigned long long started, drawn; /* ms */
	int line_shown;
} tty_state;

/* Errors only (held patients): warnings were shown by `import`, as `price` shows them, and
 * stay in the claim documents; a nightly log holds what needs a person. */
static void on_finding(void *ud, const cb_finding *f)
{
	tty_state *t = ud;
	if (strcmp(f->severity, "error") != 0)
		return;
	if (t->line_shown) {
		fputs("\r\033[K", stderr);
		t->line_shown = 0;
	}
	print_finding(f);
}

static void on_progress(void *ud, const cb_batch_summary *s)
{
	tty_state *t = ud;
	unsigned long long now = now_ms(), spent = now - t->started;
	if (now - t->drawn < 100 && s->patients_done < s->patients_total)
		return;
	t->drawn = now;
	unsigned long long rate = spent ? (unsigned long long)s->lines * 1000 / spent : 0;
	unsigned long long left = s->patients_done
		? spent / 1000 * (s->patients_total - s->patients_done) / s->patients_done : 0;
	fprintf(stderr, "\r\033[Kbatch %s: %zu/%zu patients, %llu lines/s, %llu:%02llu left",
		s->date, s->patients_done, s->patients_total, rate, left / 60, left % 60);
	t->line_shown = 1;
}

static void summary(const cb_batch_summary *s, unsigned long long spent_ms)
{
	char shard[40] = "";
	if (s->shard_count)
		snprintf(shard, sizeof shard, " (shard %u/%u)", s->shard_index, s->shard_count);
	fprintf(stderr, "\r\033[Kbatch %s%s: %zu patients billed, %zu held, %zu with nothing "
		"due, %zu billed before\n", s->date, shard, s->billed, s->held, s->nothing_due,
		s->already_done);
	fprintf(stderr, "  %zu bills, %zu lines in %llu.%01llu s (%llu lines/s)\n", s->bills,
		s->lines, spent_ms / 1000, spent_ms % 1000 / 100,
		spent_ms ? (unsigned long long)s->lines * 1000 / spent_ms : 0);
	for (size_t i = 0; i < s->payer_count; i++)
		fprintf(stderr, "  %-24s %14s\n", s->payers[i].payer, s->payers[i].total);
	fprintf(stderr, "  %-24s %14s\n", "patients", s->patients_owe);
}

static int parse_shard(const char *text, cb_batch_options *o)
{
	char *end;
	unsigned long i = strtoul(text, &end, 10), n;
	if (end == text || *end != '/')
		return -1;
	const char *rest = end + 1;
	n = strtoul(rest, &end, 10);
	if (end == rest || *end || i < 1 || i > n || n > 1000000)
		return -1;
	o->shard_index = (unsigned int)i;
	o->shard_count = (unsigned int)n;
	return 0;
}

/* carebill batch DB --date D [--shard I/N] */
static int batch(int argc, char **argv)
{
	cb_batch_options o = CB_BATCH_OPTIONS_INIT;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
			o.date = argv[++i];
		else if (strcmp(argv[i], "--shard") != 0 || i + 1 >= argc ||
			 parse_shard(argv[++i], &o) != 0)
			return -1;
	}
	if (argc < 3 || !o.date)
		return -1;
	tty_state t = {isatty(2), now_ms(), 0, 0};
	o.on_finding = on_finding;
	o.on_progress = t.tty ? on_progress : NULL;
	o.ud = &t;
	cb_batch *db = NULL;
	if (cb_batch_open(&db, argv[2]) != CB_OK)
		return fail();
	cb_batch_summary *s = NULL;
	int rc = cb_batch_run(db, &o, &s);
	if (t.line_shown)
		fputs("\r\033[K", stderr);
	if (rc != CB_OK)
		fprintf(stderr, "%s\n", cb_error_last());
	else if (t.tty)
		summary(s, now_ms() - t.started);
	int status = rc != CB_OK ? EXIT_FAIL : s->held ? EXIT_HELD : 0;
	cb_batch_summary_free(s);
	cb_batch_close(db);
	return status;
}

/* ---- export ---- */

/* carebill export DB --out DIR [--run D] */
static int export(int argc, char **argv)
{
	const char *out = NULL, *run = NULL;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc)
			run = argv[++i];
		else
			return -1;
	}
	if (argc < 3 || !out)
		return -1;
	if (mkdir(out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create: %s\n", out, strerror(errno));
		return EXIT_FAIL;
	}
	cb_batch *db = NULL;
	if (cb_batch_open(&db, argv[2]) != CB_OK)
		return fail();
	size_t written = 0;
	int rc = cb_batch_export(db, out, run, &written);
	if (rc != CB_OK)
		fprintf(stderr, "%s\n", cb_error_last());
	else if (isatty(2))
		fprintf(stderr, "%s: %zu claim documents written\n", out, written);
	cb_batch_close(db);
	return rc == CB_OK ? 0 : EXIT_FAIL;
}

int cb_cli_batch_handles(const char *cmd)
{
	return strcmp(cmd, "db") == 0 || strcmp(cmd, "import") == 0 ||
	       strcmp(cmd, "batch") == 0 || strcmp(cmd, "export") == 0;
}

int cb_cli_batch_command(int argc, char **argv)
{
	const char *cmd = argv[1];
	if (strcmp(cmd, "db") == 0 && argc >= 3 && strcmp(argv[2], "init") == 0)
		return db_init(argc, argv);
	if (strcmp(cmd, "db") == 0 && argc >= 3 && strcmp(argv[2], "rules") == 0)
		return db_rules(argc, argv);
	if (strcmp(cmd, "import") == 0)
		return import(argc, argv);
	if (strcmp(cmd, "batch") == 0)
		return batch(argc, argv);
	if (strcmp(cmd, "export") == 0)
		return export(argc, argv);
	return -1;
}
