/*
 * test_batch.c — CUnit suite for the nightly batch (include/carebill_batch.h, SPEC §10):
 * the schema and opening rules; rule-set registration; the init/import/batch/export round
 * trip on the demo case and on generated cases, compared with `price` (one engine, two ways
 * in: a patient whose whole picture fits one period gets the same <patient> element); a
 * second run for the same date billing nothing ([BAT-4]); monthly billing across two runs
 * (2026-11-15 then 2026-12-01) whose bills together are exactly the single run's ([BAT-2],
 * state carried through the database); a held patient billed after a corrected re-import
 * ([BAT-3], [CASE-6]); a rejected import leaving the database unchanged; the union of three
 * shards, each on its own copy of the database, exporting exactly the unsharded run ([BAT-5]);
 * [DUP-1] across runs; export file names; and the commands' exit status and silence when
 * stderr is not a terminal. The program's exit status is the number of failed assertions.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "batch_test_util.h"

#include <CUnit/Basic.h>

#include "carebill.h"
#include "carebill_batch.h"
#include "cb_test.h"

#define DEMO_RULES CAREBILL_SOURCE_DIR "/rules/cq-demo-2023.xml"
#define FX_RULES CAREBILL_SOURCE_DIR "/rules/fx-2023.xml"
#define DEMO_CASE CAREBILL_SOURCE_DIR "/fixtures/demo/case.xml"

static char dir[1024];
static cb_ruleset *demo_rs;

/* ---- helpers -------------------------------------------------------------------------- */

static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	char msg[1024];
	snprintf(msg, sizeof msg, "%s: expected %.400s, got %.400s", what, expected,
		 got ? got : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, "", CU_FALSE);
}

static void check_int(const char *what, long long expected, long long got, const char *file,
		      unsigned line)
{
	char e[32], g[32];
	snprintf(e, sizeof e, "%lld", expected);
	snprintf(g, sizeof g, "%lld", got);
	report(expected == got, what, e, g, file, line);
}

#define ASSERT_INT(what, expected, got) \
	check_int((what), (long long)(expected), (long long)(got), __FILE__, __LINE__)
#define ASSERT_STR(what, expected, got)                                                     \
	report((got) != NULL && strcmp((expected), (got)) == 0, (what), (expected), (got),  \
	       __FILE__, __LINE__)
#define ASSERT_TRUE(what, cond) report((cond) != 0, (what), "true", "false", __FILE__, __LINE__)

/* dir/name, in one of 8 rotating buffers: copy it to keep it. */
static const char *path(const char *name)
{
	static char buf[8][4096];
	static int next;
	char *p = buf[next++ % 8];
	if (snprintf(p, 4096, "%s/%s", dir, name) >= 4096)
		p[0] = '\0';
	return p;
}

/* A new database at dir/name with `rules` registered. */
static cb_batch *new_db(const char *name, const char *rules)
{
	cb_batch *db = NULL;
	ASSERT_INT("create", CB_OK, cb_batch_create(&db, path(name)));
	if (db)
		ASSERT_INT("register rules", CB_OK, cb_batch_add_ruleset_file(db, rules, NULL, NULL));
	return db;
}

static void import_ok(cb_batch *db, const char *file)
{
	cb_result *res = NULL;
	int rc = cb_batch_import_file(db, file, &res, NULL);
	ASSERT_INT(file, CB_OK, rc);
	if (rc != CB_OK)
		fprintf(stderr, "%s\n", cb_error_last());
	ASSERT_INT("import status", CB_RESULT_BILLED, res ? (int)cb_result_get_status(res) : -1);
	cb_result_free(res);
}

/* Findings met by a run, one "CODE FILE:LINE" line each. */
static bt_text found;

static void collect(void *ud, const cb_finding *f)
{
	(void)ud;
	char line[600];
	snprintf(line, sizeof line, "%s %s:%lu\n", f->code, f->file ? f->file : "-", f->line);
	bt_text_add(&found, line);
}

/* Run date D (shard i/n, or 0/0); the summary (free it), NULL on failure. */
static cb_batch_summary *run(cb_batch *db, const char *date, unsigned i, unsigned n)
{
	cb_batch_options o = CB_BATCH_OPTIONS_INIT;
	o.date = date;
	o.shard_index = i;
	o.shard_count = n;
	o.on_finding = collect;
	cb_batch_summary *s = NULL;
	found.n = 0;
	if (found.p)
		found.p[0] = '\0';
	int rc = cb_batch_run(db, &o, &s);
	ASSERT_INT(date, CB_OK, rc);
	if (rc != CB_OK)
		fprintf(stderr, "%s\n", cb_error_last());
	return s;
}

static void export_to(cb_batch *db, const char *sub, const char *run_date)
{
	mkdir(path(sub), 0777);
	ASSERT_INT("export", CB_OK, cb_batch_export(db, path(sub), run_date, NULL));
}

/* The text of `<patient id="P"` … `</patient>` in a claim document (free it). */
static char *patient_part(const char *xml, const char *pid)
{
	char head[300];
	snprintf(head, sizeof head, "<patient id=\"%s\"", pid);
	const char *a = xml ? strstr(xml, head) : NULL;
	const char *b = a ? strstr(a, "</patient>") : NULL;
	return b ? strndup(a, (size_t)(b - a) + 10) : NULL;
}

/* The <line> and <settlement> elements of patient P's bills, one a line (free it). */
static char *lines_of(const char *xml, const char *pid)
{
	char *p = patient_part(xml, pid);
	bt_text t = {0};
	bt_text_add(&t, "");
	for (char *a = p ? strstr(p, "<line ") : NULL; a; a = strstr(a + 1, "<line ")) {
		char *end = strstr(a, "/>"), *settle = strstr(a, "<settlement ");
		if (!end)
			break;
		*end = '\0';
		bt_text_add(&t, a);
		bt_text_add(&t, "\n");
		*end = '/';
		if (settle && (!strstr(a + 1, "<line ") || settle < strstr(a + 1, "<line "))) {
			char *send = strstr(settle, "/>");
			if (send) {
				*send = '\0';
				bt_text_add(&t, settle);
				bt_text_add(&t, "\n");
				*send = '/';
			}
		}
	}
	free(p);
	return t.p;
}

static char *exported(const char *sub, const char *pid, const char *date)
{
	char name[600], full[4096];
	cb_batch_export_name(name, sizeof name, pid, date);
	snprintf(full, sizeof full, "%s/%s", path(sub), name);
	return cb_test_slurp(full, NULL);
}

static char *price_text(const char *case_path)
{
	cb_result *res = NULL;
	char *buf = NULL;
	size_t len;
	if (cb_case_price_file(&res, demo_rs, case_path, NULL) == CB_OK)
		cb_result_write_buffer(res, &buf, &len);
	cb_result_free(res);
	char *copy = buf ? strdup(buf) : NULL;
	cb_buffer_free(buf);
	return copy;
}

/* gencase SEED PATIENTS LINES > dir/name */
static void generate(const char *name, const char *seed, const char *patients,
		     const char *lines)
{
	char *argv[] = {CAREBILL_GENCASE, (char *)seed, (char *)patients, (char *)lines, NULL};
	ASSERT_INT("gencase", 0, bt_run(argv, path(name)));
}

/* ---- schema and opening --------------------------------------------------------------- */

static void test_batch_schema_version_wal_foreign_keys(void)
{
	cb_batch *db = new_db("schema.db", DEMO_RULES);
	cb_batch_close(db);
	ASSERT_INT("user_version", CB_BATCH_SCHEMA_VERSION,
		   bt_sql_int(path("schema.db"), "PRAGMA user_version"));
	ASSERT_INT("wal", 1, bt_sql_int(path("schema.db"), "SELECT journal_mode = 'wal' FROM "
					"pragma_journal_mode"));
	ASSERT_INT("tables", 11, bt_sql_int(path("schema.db"), "SELECT count(*) FROM sqlite_master"
					    " WHERE type = 'table'"));
	ASSERT_INT("foreign keys to patients", 8, bt_sql_int(path("schema.db"),
		   "SELECT count(*) FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
		   "WHERE m.type = 'table' AND f.\"table\" = 'patients'"));
	ASSERT_INT("no REAL column", 0, bt_sql_int(path("schema.db"),
		   "SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) c "
		   "WHERE m.type = 'table' AND c.type = 'REAL'"));
}

static void test_batch_open_refuses_what_is_not_a_batch_db(void)
{
	cb_batch *db = NULL;
	ASSERT_INT("create over existing", CB_EINVAL, cb_batch_create(&db, path("schema.db")));
	ASSERT_TRUE("no handle", db == NULL);
	ASSERT_INT("open missing", CB_EIO, cb_batch_open(&db, path("missing.db")));
	bt_write(path("empty.db"), "");
	ASSERT_INT("open empty", CB_EIO, cb_batch_open(&db, path("empty.db")));
	bt_write(path("text.db"), "not a database at all, just some text long enough ......");
	ASSERT_INT("open text", CB_EIO, cb_batch_open(&db, path("text.db")));
	sqlite3 *other = NULL;
	sqlite3_open(path("other.db"), &other);
	sqlite3_exec(other, "CREATE TABLE t(x)", NULL, NULL, NULL);
	sqlite3_close(other);
	ASSERT_INT("open foreign", CB_EIO, cb_batch_open(&db, path("other.db")));
	sqlite3_open(path("newer.db"), &other);
	sqlite3_exec(other, "CREATE TABLE t(x); PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(other);
	ASSERT_INT("open newer", CB_EIO, cb_batch_open(&db, path("newer.db")));
	ASSERT_TRUE("message names the version", strstr(cb_error_last(), "99") != NULL);
	ASSERT_INT("open ok", CB_OK, cb_batch_open(&db, path("schema.db")));
	cb_batch_close(db);
	cb_batch_close(NULL);
}

static void test_batch_rulesets_registered_once(void)
{
	cb_batch *db = NULL;
	int added = -1;
	const char *id = NULL;
	ASSERT_INT("open", CB_OK, cb_batch_open(&db, path("schema.db")));
	ASSERT_INT("again", CB_OK, cb_batch_add_ruleset_file(db, DEMO_RULES, &added, &id));
	ASSERT_INT("not added twice", 0, added);
	ASSERT_STR("id", "cq-demo-2023", id);
	ASSERT_INT("another", CB_OK, cb_batch_add_ruleset_file(db, FX_RULES, &added, &id));
	ASSERT_INT("added", 1, added);
	/* the same id with other bytes: refused */
	char *text = cb_test_slurp(FX_RULES, NULL);
	char *changed = malloc(strlen(text) + 32);
	char *end = strstr(text, "?>");
	sprintf(changed, "%.*s<!-- v2 -->%s", (int)(end + 2 - text), text, end + 2);
	bt_write(path("fx-changed.xml"), changed);
	ASSERT_INT("changed", CB_EINVAL, cb_batch_add_ruleset_file(db, path("fx-changed.xml"),
								    &added, NULL));
	bt_write(path("bad-rules.xml"), "<ruleset id=\"x\"/>");
	ASSERT_INT("refused", CB_ERULESET, cb_batch_add_ruleset_file(db, path("bad-rules.xml"),
								      NULL, NULL));
	ASSERT_INT("rows", 2, bt_sql_int(path("schema.db"), "SELECT count(*) FROM rulesets"));
	free(text);
	free(changed);
	cb_batch_close(db);
}

/* ---- the demo ------------------------------------------------------------------------- */

static void test_batch_demo_round_trip_equals_price(void)
{
	cb_batch *db = new_db("demo.db", DEMO_RULES);
	import_ok(db, DEMO_CASE);
	cb_batch_summary *s = run(db, "2026-12-01", 0, 0);
	ASSERT_INT("billed", 4, s ? s->billed : 0);
	ASSERT_INT("held", 0, s ? s->held : 9);
	ASSERT_TRUE("medical-insurance first", s && s->payer_count &&
		    strcmp(s->payers[0].payer, "medical-insurance") == 0);
	cb_batch_summary_free(s);
	export_to(db, "demo-out", NULL);
	cb_batch_close(db);
	char *priced = price_text(DEMO_CASE);
	/* P001..P003: everything falls in November, the demo's period: identical */
	const char *same[] = {"P001", "P002", "P003"};
	for (int i = 0; i < 3; i++) {
		char *doc = exported("demo-out", same[i], "2026-12-01");
		char *a = patient_part(priced, same[i]), *b = patient_part(doc, same[i]);
		ASSERT_TRUE(same[i], a && b && strcmp(a, b) == 0);
		free(a), free(b), free(doc);
	}
	/* P004's stay began in October: the batch bills October too ([BAT-2]) */
	char *doc = exported("demo-out", "P004", "2026-12-01");
	ASSERT_TRUE("P004 October", doc && strstr(doc, "from=\"2026-10-20\" to=\"2026-11-20\""));
	ASSERT_TRUE("case name", doc && strstr(doc, "case=\"P004_2026-12-01\""));
	free(doc);
	free(priced);
	ASSERT_INT("no unit twice", 0, bt_sql_int(path("demo.db"), "SELECT count(*) FROM (SELECT "
		   "patient, unit_id, month FROM billed_units GROUP BY 1, 2, 3 HAVING count(*) > 1)"));
}

static void test_batch_second_run_bills_nothing(void)
{
	char *before = bt_dump(path("demo.db"), (const char *const[]){"ledger", "billed_units",
		"quota_use", "commercial_paid", "accumulators", "claims", "findings", NULL});
	cb_batch *db = NULL;
	ASSERT_INT("open", CB_OK, cb_batch_open(&db, path("demo.db")));
	cb_batch_summary *s = run(db, "2026-12-01", 0, 0);
	ASSERT_INT("billed", 0, s ? s->billed : 9);
	ASSERT_INT("done before", 4, s ? s->already_done : 0);
	ASSERT_INT("lines", 0, s ? s->lines : 9);
	cb_batch_summary_free(s);
	export_to(db, "demo-out-2", NULL);
	cb_batch_close(db);
	char *after = bt_dump(path("demo.db"), (const char *const[]){"ledger", "billed_units",
		"quota_use", "commercial_paid", "accumulators", "claims", "findings", NULL});
	ASSERT_TRUE("database unchanged", before && after && strcmp(before, after) == 0);
	char why[300];
	ASSERT_TRUE(why, bt_dirs_equal(path("demo-out"), path("demo-out-2"), why, sizeof why));
	free(before);
	free(after);
}

/* Medical units by the first run; the November stay month only by the second; the lines and
 * settlements of both runs together are exactly the single run's (state carried in the
 * database; a stay billed in two runs is two bills, one per run). */
static void test_batch_monthly_two_runs(void)
{
	cb_batch *db = new_db("monthly.db", DEMO_RULES);
	import_ok(db, DEMO_CASE);
	cb_batch_summary *s = run(db, "2026-11-15", 0, 0);
	ASSERT_INT("first run billed", 4, s ? s->billed : 0);
	cb_batch_summary_free(s);
	ASSERT_INT("S1 November not billed on 11-15", 0, bt_sql_int(path("monthly.db"),
		   "SELECT count(*) FROM billed_units WHERE unit_id = 'S1'"));
	ASSERT_INT("E1 and V1 billed on 11-15", 2, bt_sql_int(path("monthly.db"),
		   "SELECT count(*) FROM billed_units WHERE patient = 'P001' AND run_date = "
		   "'2026-11-15'"));
	ASSERT_INT("M3 (November service) waits", 0, bt_sql_int(path("monthly.db"),
		   "SELECT count(*) FROM billed_units WHERE unit_id = 'M3'"));
	ASSERT_INT("October of S2, ended", 1, bt_sql_int(path("monthly.db"),
		   "SELECT count(*) FROM billed_units WHERE unit_id = 'S2' AND month = '2026-10-01'"));
	s = run(db, "2026-12-01", 0, 0);
	ASSERT_INT("second run billed", 4, s ? s->billed : 0);
	cb_batch_summary_free(s);
	ASSERT_INT("S1 November by the second run", 1, bt_sql_int(path("monthly.db"),
		   "SELECT count(*) FROM billed_units WHERE unit_id = 'S1' AND month = "
		   "'2026-11-01' AND run_date = '2026-12-01'"));
	export_to(db, "monthly-out", NULL);
	cb_batch_close(db);
	const char *pids[] = {"P001", "P002", "P003", "P004"};
	for (int i = 0; i < 4; i++) {
		char *one = exported("demo-out", pids[i], "2026-12-01");
		char *a = exported("monthly-out", pids[i], "2026-11-15");
		char *b = exported("monthly-out", pids[i], "2026-12-01");
		char *whole = lines_of(one, pids[i]), *x = lines_of(a, pids[i]),
		     *y = lines_of(b, pids[i]);
		size_t lx = strlen(x);
		char *both = malloc(lx + strlen(y) + 1);
		memcpy(both, x, lx);
		strcpy(both + lx, y);
		ASSERT_TRUE(pids[i], strlen(whole) > 100 && strcmp(whole, both) == 0);
		free(one), free(a), free(b), free(whole), free(x), free(y), free(both);
	}
}

/* ---- held, corrected, rejected --------------------------------------------------------- */

static const char stay_a[] =
	"<case ruleset=\"cq-demo-2023\"><period from=\"2026-10-01\" to=\"2026-11-01\"/>\n"
	"<patient id=\"P9\" scheme=\"resident\" retired=\"true\">\n"
	"<stay id=\"S1\" institution=\"H003\" bed=\"EC-BED-M\" from=\"2026-10-01\" "
	"to=\"2026-10-20\"/>\n</patient></case>\n";
static const char stay_b[] = /* overlaps S1, which a run billed: valid alone, held with it */
	"<case ruleset=\"cq-demo-2023\"><period from=\"2026-10-01\" to=\"2026-11-01\"/>\n"
	"<patient id=\"P9\" scheme=\"resident\" retired=\"true\">\n"
	"<encounter id=\"E1\" institution=\"H003\" setting=\"outpatient\" date=\"2026-10-28\">\n"
	"<line id=\"L1\" item=\"110200001\" qty=\"1\" at=\"2026-10-28T09:00\"/></encounter>\n"
	"<stay id=\"S2\" institution=\"H003\" bed=\"EC-BED-M\" from=\"2026-10-10\" "
	"to=\"2026-10-25\"/>\n</patient></case>\n";
static const char stay_c[] = /* corrected */
	"<case ruleset=\"cq-demo-2023\"><period from=\"2026-10-01\" to=\"2026-11-01\"/>\n"
	"<patient id=\"P9\" scheme=\"resident\" retired=\"true\">\n"
	"<encounter id=\"E1\" institution=\"H003\" setting=\"outpatient\" date=\"2026-10-28\">\n"
	"<line id=\"L1\" item=\"110200001\" qty=\"1\" at=\"2026-10-28T09:00\"/></encounter>\n"
	"<stay id=\"S2\" institution=\"H003\" bed=\"EC-BED-M\" from=\"2026-10-20\" "
	"to=\"2026-10-25\"/>\n</patient></case>\n";

static void test_batch_held_then_corrected(void)
{
	cb_batch *db = new_db("held.db", DEMO_RULES);
	bt_write(path("stay-a.xml"), stay_a);
	bt_write(path("stay-b.xml"), stay_b);
	bt_write(path("stay-c.xml"), stay_c);
	import_ok(db, path("stay-a.xml"));
	cb_batch_summary *s = run(db, "2026-11-01", 0, 0);
	ASSERT_INT("S1 billed", 1, s ? s->billed : 0);
	cb_batch_summary_free(s);
	import_ok(db, path("stay-b.xml"));
	s = run(db, "2026-11-02", 0, 0);
	ASSERT_INT("held", 1, s ? s->held : 0);
	ASSERT_INT("nothing billed", 0, s ? s->billed : 9);
	cb_batch_summary_free(s);
	char where[600];
	snprintf(where, sizeof where, "STAY_OVERLAP %s:5\n", path("stay-b.xml"));
	ASSERT_STR("finding names the imported file and line", where, found.p);
	ASSERT_INT("findings recorded", 1, bt_sql_int(path("held.db"), "SELECT count(*) FROM "
		   "findings WHERE patient = 'P9' AND code = 'STAY_OVERLAP' AND run_date = "
		   "'2026-11-02' AND line = 5"));
	ASSERT_INT("no claim", 0, bt_sql_int(path("held.db"), "SELECT count(*) FROM claims WHERE "
					      "run_date = '2026-11-02'"));
	ASSERT_INT("E1 unbilled", 0, bt_sql_int(path("held.db"), "SELECT count(*) FROM "
						 "billed_units WHERE unit_id = 'E1'"));
	s = run(db, "2026-11-02", 0, 0); /* rerun: still held, findings not doubled */
	cb_batch_summary_free(s);
	ASSERT_INT("findings once", 1, bt_sql_int(path("held.db"), "SELECT count(*) FROM findings"));
	import_ok(db, path("stay-c.xml"));
	s = run(db, "2026-11-03", 0, 0);
	ASSERT_INT("billed once corrected", 1, s ? s->billed : 0);
	ASSERT_INT("not held", 0, s ? s->held : 9);
	cb_batch_summary_free(s);
	export_to(db, "held-out", "2026-11-03");
	cb_batch_close(db);
	char *doc = exported("held-out", "P9", "2026-11-03");
	ASSERT_TRUE("S2 billed", doc && strstr(doc, "unit=\"S2\" institution=\"H003\" "
					       "from=\"2026-10-20\" to=\"2026-10-25\""));
	ASSERT_TRUE("E1 billed", doc && strstr(doc, "unit=\"E1\""));
	ASSERT_TRUE("S1 not again", doc && !strstr(doc, "unit=\"S1\""));
	free(doc);
}

static const char *const all_tables[] = {"rulesets", "patients", "events", "ledger",
	"billed_units", "quota_use", "commercial_paid", "accumulators", "findings", "claims",
	NULL};

static void test_batch_rejected_import_changes_nothing(void)
{
	char *before = bt_dump(path("demo.db"), all_tables);
	cb_batch *db = NULL;
	cb_result *res = NULL;
	ASSERT_INT("open", CB_OK, cb_batch_open(&db, path("demo.db")));
	bt_write(path("broken.xml"), "<case ruleset=\"cq-demo-2023\"><period");
	ASSERT_INT("judged", CB_OK, cb_batch_import_file(db, path("broken.xml"), &res, NULL));
	ASSERT_INT("rejected", CB_RESULT_REJECTED, res ? (int)cb_result_get_status(res) : -1);
	ASSERT_STR("SCHEMA", "SCHEMA", res && cb_result_finding_count(res)
					       ? cb_result_finding(res, 0)->code : "");
	cb_result_free(res);
	/* one held patient holds the whole file: P1 is fine, P2 is not */
	bt_write(path("held.xml"),
		 "<case ruleset=\"cq-demo-2023\"><period from=\"2026-11-01\" to=\"2026-12-01\"/>"
		 "<patient id=\"P001\" scheme=\"employee\" retired=\"true\"/>"
		 "<patient id=\"PX\" scheme=\"employee\" retired=\"true\"><encounter id=\"E1\" "
		 "institution=\"H001\" setting=\"outpatient\" date=\"2026-11-02\"><line id=\"L\" "
		 "item=\"110200001\" qty=\"1.5.\" at=\"2026-11-02T09:00\"/></encounter></patient>"
		 "</case>");
	cb_batch_import_info info = {9, 9, 9, 9};
	ASSERT_INT("judged", CB_OK, cb_batch_import_file(db, path("held.xml"), &res, &info));
	ASSERT_INT("held", CB_RESULT_HELD, res ? (int)cb_result_get_status(res) : -1);
	ASSERT_INT("nothing counted", 0, info.patients + info.units + info.contracts);
	cb_result_free(res);
	bt_write(path("other-rules.xml"), "<case ruleset=\"nowhere\"><period from=\"2026-11-01\" "
		 "to=\"2026-12-01\"/></case>");
	ASSERT_INT("unregistered", CB_ERULESET, cb_batch_import_file(db, path("other-rules.xml"),
								      &res, NULL));
	ASSERT_TRUE("no result", res == NULL);
	ASSERT_INT("unreadable", CB_EIO, cb_batch_import_file(db, path("none.xml"), &res, NULL));
	cb_batch_close(db);
	char *after = bt_dump(path("demo.db"), all_tables);
	ASSERT_TRUE("database unchanged", before && after && strcmp(before, after) == 0);
	free(before);
	free(after);
}

/* ---- [DUP-1] across runs --------------------------------------------------------------- */

static const char dup_1[] =
	"<case ruleset=\"cq-demo-2023\"><period from=\"2026-11-01\" to=\"2026-12-01\"/>\n"
	"<patient id=\"Q1\" scheme=\"employee\" retired=\"false\">\n"
	"<encounter id=\"E1\" institution=\"H001\" setting=\"outpatient\" date=\"2026-11-02\">"
	"<line id=\"L1\" item=\"110200001\" qty=\"1\" at=\"2026-11-02T09:00\"/></encounter>\n"
	"</patient></case>\n";
static const char dup_2[] =
	"<case ruleset=\"cq-demo-2023\"><period from=\"2026-11-01\" to=\"2026-12-01\"/>\n"
	"<patient id=\"Q1\" scheme=\"employee\" retired=\"false\">\n"
	"<encounter id=\"E1\" institution=\"H001\" setting=\"outpatient\" date=\"2026-11-02\">"
	"<line id=\"L1\" item=\"110200001\" qty=\"1\" at=\"2026-11-02T09:00\"/></encounter>\n"
	"<encounter id=\"E9\" institution=\"H001\" setting=\"outpatient\" date=\"2026-11-04\">"
	"<line id=\"L1\" item=\"110200001\" qty=\"1\" at=\"2026-11-04T09:00\"/>"
	"<line id=\"L2\" item=\"110200001\" qty=\"1\" at=\"2026-11-04T09:30\"/></encounter>\n"
	"</patient></case>\n";

static void test_batch_duplicate_line_across_runs(void)
{
	cb_batch *db = new_db("dup.db", DEMO_RULES);
	bt_write(path("dup-1.xml"), dup_1);
	bt_write(path("dup-2.xml"), dup_2);
	import_ok(db, path("dup-1.xml"));
	cb_batch_summary *s = run(db, "2026-11-03", 0, 0);
	ASSERT_INT("E1 billed", 1, s ? s->billed : 0);
	cb_batch_summary_free(s);
	cb_result *res = NULL;
	cb_batch_import_info info = {0};
	ASSERT_INT("import", CB_OK, cb_batch_import_file(db, path("dup-2.xml"), &res, &info));
	cb_result_free(res);
	ASSERT_INT("E1 kept as billed", 1, info.kept_billed);
	ASSERT_INT("E9 imported", 1, info.units);
	s = run(db, "2026-11-05", 0, 0);
	ASSERT_INT("E9 billed", 1, s ? s->billed : 0);
	ASSERT_INT("two lines", 2, s ? s->lines : 0);
	cb_batch_summary_free(s);
	ASSERT_TRUE("DUPLICATE_LINE reported", found.p && strstr(found.p, "DUPLICATE_LINE"));
	export_to(db, "dup-out", "2026-11-05");
	s = run(db, "2026-11-06", 0, 0);
	ASSERT_INT("nothing due", 1, s ? s->nothing_due : 0);
	cb_batch_summary_free(s);
	cb_batch_close(db);
	char *doc = exported("dup-out", "Q1", "2026-11-05");
	ASSERT_TRUE("E1 not again", doc && !strstr(doc, "unit=\"E1\""));
	ASSERT_TRUE("L1 duplicate", doc && strstr(doc, "<line id=\"L1\" item=\"110200001\" qty=\"1\" "
						 "price=\"10.00\" amount=\"0.00\" patient=\"0.00\" "
						 "status=\"duplicate\""));
	ASSERT_TRUE("L2 charged", doc && strstr(doc, "<line id=\"L2\"") &&
		    !strstr(strstr(doc, "<line id=\"L2\""), "duplicate\" rule"));
	free(doc);
	ASSERT_INT("ledger once", 1, bt_sql_int(path("dup.db"), "SELECT count(*) FROM ledger WHERE "
						 "line_id = 'L1'"));
	ASSERT_INT("ledger L1 from run 1", 1, bt_sql_int(path("dup.db"), "SELECT count(*) FROM "
		   "ledger WHERE line_id = 'L1' AND run_date = '2026-11-03'"));
}

/* ---- generated cases: equal to price, and shards -------------------------------------- */

static void test_batch_generated_equals_price(void)
{
	generate("gen.xml", "11", "60", "1200");
	cb_batch *db = new_db("gen.db", DEMO_RULES);
	import_ok(db, path("gen.xml"));
	cb_batch_close(db);
	ASSERT_INT("copy", 0, bt_copy(path("gen.db"), path("gen-fresh.db")));
	ASSERT_INT("reopen", CB_OK, cb_batch_open(&db, path("gen.db")));
	cb_batch_summary *s = run(db, "2026-12-01", 0, 0);
	ASSERT_INT("all billed", 60, s ? s->billed : 0);
	cb_batch_summary_free(s);
	export_to(db, "gen-out", NULL);
	cb_batch_close(db);
	char *priced = price_text(path("gen.xml"));
	int compared = 0;
	for (int p = 0; p < 60; p++) {
		char pid[16];
		snprintf(pid, sizeof pid, "P%07d", p);
		char *doc = exported("gen-out", pid, "2026-12-01");
		char *a = patient_part(priced, pid), *b = patient_part(doc, pid);
		if (a && b && !strstr(a, "<bill track=\"eldercare\"")) { /* no October stay days */
			compared++;
			ASSERT_TRUE(pid, strcmp(a, b) == 0);
		}
		free(a), free(b), free(doc);
	}
	ASSERT_TRUE("most patients compared", compared >= 45);
	free(priced);
	ASSERT_INT("every line in the ledger once", bt_sql_int(path("gen.db"), "SELECT count(*) "
		   "FROM (SELECT DISTINCT patient, institution, line_id FROM ledger)"),
		   bt_sql_int(path("gen.db"), "SELECT count(*) FROM ledger"));
}

static void test_batch_shards_union_equals_whole(void)
{
	char name[64], out[64];
	size_t total = 0, billed = 0;
	for (unsigned i = 1; i <= 3; i++) {
		snprintf(name, sizeof name, "shard-%u.db", i);
		snprintf(out, sizeof out, "shard-%u-out", i);
		ASSERT_INT("copy", 0, bt_copy(path("gen-fresh.db"), path(name)));
		cb_batch *db = NULL;
		ASSERT_INT("open", CB_OK, cb_batch_open(&db, path(name)));
		cb_batch_summary *s = run(db, "2026-12-01", i, 3);
		total += s ? s->patients_done : 0;
		billed += s ? s->billed : 0;
		ASSERT_TRUE("a third or so", s && s->billed >= 10);
		cb_batch_summary_free(s);
		export_to(db, out, NULL);
		cb_batch_close(db);
	}
	ASSERT_INT("shards cover every patient once", 60, total);
	ASSERT_INT("every patient billed", 60, billed);
	/* the union of the shard directories is the unsharded run's directory */
	mkdir(path("shard-union"), 0777);
	for (unsigned i = 1; i <= 3; i++) {
		snprintf(out, sizeof out, "shard-%u-out", i);
		size_t n;
		char **files = bt_list(path(out), &n);
		for (size_t j = 0; j < n; j++) {
			char from[4096], to[4096];
			snprintf(from, sizeof from, "%s/%s", path(out), files[j]);
			snprintf(to, sizeof to, "%s/%s", path("shard-union"), files[j]);
			ASSERT_INT("each file in one shard only", -1, access(to, F_OK));
			bt_copy(from, to);
		}
		bt_list_free(files, n);
	}
	char why[300];
	ASSERT_TRUE(why, bt_dirs_equal(path("gen-out"), path("shard-union"), why, sizeof why));
}

/* ---- names and options ---------------------------------------------------------------- */

static void test_batch_export_names_are_safe_and_distinct(void)
{
	char buf[128];
	ASSERT_INT("len", 24, cb_batch_export_name(buf, sizeof buf, "A/B c", "2026-12-01"));
	ASSERT_STR("escaped", "A%2FB%20c_2026-12-01.xml", buf);
	cb_batch_export_name(buf, sizeof buf, "A%2FB c", "2026-12-01");
	ASSERT_STR("percent escaped", "A%252FB%20c_2026-12-01.xml", buf);
	cb_batch_export_name(buf, sizeof buf, "..", "2026-12-01");
	ASSERT_STR("dots", ".._2026-12-01.xml", buf);
	ASSERT_INT("short buffer", 17, cb_batch_export_name(buf, 4, "P1", "2026-12-01"));
	ASSERT_STR("cut", "P1_", buf);
}

static void test_batch_bad_options(void)
{
	cb_batch *db = NULL;
	ASSERT_INT("open", CB_OK, cb_batch_open(&db, path("demo.db")));
	cb_batch_options o = CB_BATCH_OPTIONS_INIT;
	ASSERT_INT("no date", CB_EINVAL, cb_batch_run(db, &o, NULL));
	o.date = "2026-02-30";
	ASSERT_INT("bad date", CB_EINVAL, cb_batch_run(db, &o, NULL));
	o.date = "2026-12-01";
	o.shard_index = 0;
	o.shard_count = 3;
	ASSERT_INT("shard 0/3", CB_EINVAL, cb_batch_run(db, &o, NULL));
	o.shard_index = 4;
	ASSERT_INT("shard 4/3", CB_EINVAL, cb_batch_run(db, &o, NULL));
	ASSERT_INT("NULL", CB_EINVAL, cb_batch_run(NULL, &o, NULL));
	cb_batch_close(db);
}

/* ---- the commands --------------------------------------------------------------------- */

static int cli(const char *out, const char *a, const char *b, const char *c, const char *d,
	       const char *e, const char *f)
{
	char *argv[] = {CAREBILL_BIN, (char *)a, (char *)b, (char *)c, (char *)d, (char *)e,
			(char *)f, NULL};
	return bt_run(argv, out);
}

static void test_batch_commands_exit_status_and_quiet(void)
{
	char db[4096], log[4096], hdb[4096];
	snprintf(db, sizeof db, "%s", path("cli.db"));
	snprintf(log, sizeof log, "%s", path("cli.log"));
	snprintf(hdb, sizeof hdb, "%s", path("cli-held.db"));
	ASSERT_INT("init", 0, cli(log, "db", "init", db, "--rules", DEMO_RULES, NULL));
	ASSERT_INT("init again", 2, cli(log, "db", "init", db, "--rules", DEMO_RULES, NULL));
	ASSERT_INT("init refused rules", 2, cli(log, "db", "init", path("cli2.db"), "--rules",
						path("bad-rules.xml"), NULL));
	ASSERT_INT("no db left behind", -1, access(path("cli2.db"), F_OK));
	ASSERT_INT("rules", 0, cli(log, "db", "rules", db, FX_RULES, NULL, NULL));
	ASSERT_INT("import", 0, cli(log, "import", db, DEMO_CASE, NULL, NULL, NULL));
	ASSERT_INT("batch", 0, cli(log, "batch", db, "--date", "2026-12-01", "--shard", "1/1"));
	ASSERT_INT("export", 0, cli(log, "export", db, "--out", path("cli-out"), NULL, NULL));
	size_t len = 99;
	char *text = cb_test_slurp(log, &len);
	ASSERT_INT("nothing on stderr", 0, len);
	free(text);
	ASSERT_INT("usage", 2, cli(log, "batch", db, "--date", NULL, NULL, NULL));
	ASSERT_INT("bad shard", 2, cli(log, "batch", db, "--date", "2026-12-01", "--shard", "0/2"));
	ASSERT_INT("import held", 1, cli(log, "import", db, path("held.xml"), NULL, NULL, NULL));
	text = cb_test_slurp(log, NULL);
	ASSERT_TRUE("findings as price writes them", text && strstr(text, "held.xml:1: patient "
								    "PX: BAD_DECIMAL: "));
	free(text);
	ASSERT_INT("import rejected", 2, cli(log, "import", db, path("broken.xml"), NULL, NULL,
					     NULL));
	ASSERT_INT("init", 0, cli(log, "db", "init", hdb, "--rules", DEMO_RULES, NULL));
	ASSERT_INT("import a", 0, cli(log, "import", hdb, path("stay-a.xml"), NULL, NULL, NULL));
	ASSERT_INT("bill a", 0, cli(log, "batch", hdb, "--date", "2026-11-01", NULL, NULL));
	ASSERT_INT("import b", 0, cli(log, "import", hdb, path("stay-b.xml"), NULL, NULL, NULL));
	ASSERT_INT("held patient", 1, cli(log, "batch", hdb, "--date", "2026-11-02", NULL, NULL));
	text = cb_test_slurp(log, NULL);
	ASSERT_TRUE("held finding", text && strstr(text, "stay-b.xml:5: patient P9: STAY_OVERLAP"));
	free(text);
	ASSERT_INT("missing db", 2, cli(log, "batch", path("nope.db"), "--date", "2026-12-01",
					NULL, NULL));
	char why[300];
	ASSERT_TRUE(why, bt_dirs_equal(path("cli-out"), path("demo-out"), why, sizeof why));
}

/* ---- runner --------------------------------------------------------------------------- */

static int suite_init(void)
{
	if (bt_tmpdir(dir, sizeof dir) != 0)
		return 1;
	return cb_ruleset_load_file(&demo_rs, DEMO_RULES) == CB_OK ? 0 : 1;
}

static int suite_clean(void)
{
	cb_ruleset_free(demo_rs);
	free(found.p);
	if (!getenv("CAREBILL_KEEP_TMP"))
		bt_rmrf(dir);
	return 0;
}

#define TEST(fn) { #fn, fn }

static CU_TestInfo batch_tests[] = {
	TEST(test_batch_schema_version_wal_foreign_keys),
	TEST(test_batch_open_refuses_what_is_not_a_batch_db),
	TEST(test_batch_rulesets_registered_once),
	TEST(test_batch_demo_round_trip_equals_price),
	TEST(test_batch_second_run_bills_nothing),
	TEST(test_batch_monthly_two_runs),
	TEST(test_batch_held_then_corrected),
	TEST(test_batch_rejected_import_changes_nothing),
	TEST(test_batch_duplicate_line_across_runs),
	TEST(test_batch_generated_equals_price),
	TEST(test_batch_shards_union_equals_whole),
	TEST(test_batch_export_names_are_safe_and_distinct),
	TEST(test_batch_bad_options),
	TEST(test_batch_commands_exit_status_and_quiet),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "batch", suite_init, suite_clean, NULL, NULL, batch_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
