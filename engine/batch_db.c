/*
 * batch_db.c — the batch database (SPEC §10, [BAT-1]): the schema and its migrations, opening
 * and creating a database, the prepared statements every batch module uses, registered rule
 * sets, and the export of claim documents. docs/batch.md documents each table.
 *
 * Invariants: a connection is opened with SQLITE_OPEN_NOMUTEX (one per thread), in WAL mode
 * with foreign keys on; statements are prepared once and reused; no SELECT is left stepping
 * between calls (each user resets it), so no read transaction outlives its use. Money and
 * quantities are TEXT in their [NUM-4] formats, never REAL.
 */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "sha256.h"

/* ---- schema: migrations[v] takes a database from user_version v to v + 1 ---- */

static const char schema_v1[] =
	"CREATE TABLE rulesets(\n"
	"  id TEXT PRIMARY KEY NOT NULL,\n"
	"  effective_from TEXT NOT NULL,\n"
	"  sha256 TEXT NOT NULL,\n"
	"  xml TEXT NOT NULL);\n"
	"CREATE TABLE patients(\n"
	"  id TEXT PRIMARY KEY NOT NULL,\n"
	"  ruleset TEXT NOT NULL REFERENCES rulesets(id),\n"
	"  scheme TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),\n"
	"  retired INTEGER NOT NULL CHECK (retired IN (0, 1)),\n"
	"  source TEXT NOT NULL);\n"
	"CREATE TABLE events(\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  ns TEXT NOT NULL CHECK (ns IN ('contract', 'unit')),\n"
	"  kind TEXT NOT NULL\n"
	"    CHECK (kind IN ('contract', 'encounter', 'visit', 'stay', 'service')),\n"
	"  id TEXT NOT NULL,\n"
	"  institution TEXT,\n"
	"  settle_date TEXT,\n"
	"  day_from TEXT,\n"
	"  day_to TEXT,\n"
	"  xml TEXT NOT NULL,\n"
	"  source TEXT NOT NULL,\n"
	"  line INTEGER NOT NULL,\n"
	"  PRIMARY KEY (patient, ns, id),\n"
	"  CHECK ((kind = 'contract') = (ns = 'contract')));\n"
	"CREATE TABLE ledger(\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  institution TEXT NOT NULL,\n"
	"  line_id TEXT NOT NULL,\n"
	"  run_date TEXT NOT NULL,\n"
	"  PRIMARY KEY (patient, institution, line_id)) WITHOUT ROWID;\n"
	"CREATE TABLE billed_units(\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  unit_id TEXT NOT NULL,\n"
	"  month TEXT NOT NULL,\n"
	"  run_date TEXT NOT NULL,\n"
	"  PRIMARY KEY (patient, unit_id, month)) WITHOUT ROWID;\n"
	"CREATE TABLE quota_use(\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  contract TEXT NOT NULL,\n"
	"  item TEXT NOT NULL,\n"
	"  window_from TEXT NOT NULL,\n"
	"  used TEXT NOT NULL,\n"
	"  PRIMARY KEY (patient, contract, item, window_from)) WITHOUT ROWID;\n"
	"CREATE TABLE commercial_paid(\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  contract TEXT NOT NULL,\n"
	"  item TEXT NOT NULL,\n"
	"  year INTEGER NOT NULL,\n"
	"  paid TEXT NOT NULL,\n"
	"  PRIMARY KEY (patient, contract, item, year)) WITHOUT ROWID;\n"
	"CREATE TABLE accumulators(\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  year INTEGER NOT NULL,\n"
	"  outpatient_deductible_used TEXT NOT NULL,\n"
	"  outpatient_fund_paid TEXT NOT NULL,\n"
	"  inpatient_fund_paid TEXT NOT NULL,\n"
	"  PRIMARY KEY (patient, year)) WITHOUT ROWID;\n"
	"CREATE TABLE runs(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  date TEXT NOT NULL,\n"
	"  shard TEXT NOT NULL,\n"
	"  started TEXT NOT NULL,\n"
	"  finished TEXT);\n"
	"CREATE TABLE findings(\n"
	"  run_date TEXT NOT NULL,\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  seq INTEGER NOT NULL,\n"
	"  code TEXT NOT NULL,\n"
	"  severity TEXT NOT NULL,\n"
	"  ref TEXT,\n"
	"  message TEXT NOT NULL,\n"
	"  file TEXT,\n"
	"  line INTEGER NOT NULL,\n"
	"  PRIMARY KEY (run_date, patient, seq));\n"
	"CREATE TABLE claims(\n"
	"  run_date TEXT NOT NULL,\n"
	"  patient TEXT NOT NULL REFERENCES patients(id),\n"
	"  xml TEXT NOT NULL,\n"
	"  PRIMARY KEY (run_date, patient));\n";

static const char *const migrations[] = {schema_v1};
#define MIGRATIONS (sizeof migrations / sizeof migrations[0])

_Static_assert(MIGRATIONS == CB_BATCH_SCHEMA_VERSION, "one migration per schema version");

/* ---- statements (order of the BS_* enum) ---- */

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

static const char *const sql[BS_COUNT] = {
	[BS_BEGIN] = "BEGIN IMMEDIATE",
	[BS_COMMIT] = "COMMIT",
	[BS_RULESET_SHA] = "SELECT sha256 FROM rulesets WHERE id = ?1",
	[BS_RULESET_INSERT] = "INSERT INTO rulesets(id, effective_from, sha256, xml) "
			      "VALUES (?1, ?2, ?3, ?4)",
	[BS_RULESET_XML] = "SELECT xml FROM rulesets WHERE id = ?1",
	[BS_RULESET_FIRST] = "SELECT id FROM rulesets ORDER BY id LIMIT 1",
	[BS_PATIENT_UPSERT] = "INSERT INTO patients(id, ruleset, scheme, retired, source) "
			      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET "
			      "ruleset = excluded.ruleset, scheme = excluded.scheme, "
			      "retired = excluded.retired, source = excluded.source",
	[BS_EVENTS_DROP_CONTRACTS] = "DELETE FROM events WHERE patient = ?1 AND ns = 'contract'",
	[BS_EVENTS_DROP_UNBILLED] =
		"DELETE FROM events WHERE patient = ?1 AND kind IN ('encounter', 'visit', "
		"'service') AND NOT EXISTS (SELECT 1 FROM billed_units b WHERE b.patient = ?1 "
		"AND b.unit_id = events.id AND b.month = '')",
	[BS_EVENTS_DROP_STAYS] =
		"DELETE FROM events WHERE patient = ?1 AND kind = 'stay' AND NOT EXISTS "
		"(SELECT 1 FROM billed_units b WHERE b.patient = ?1 AND b.unit_id = events.id "
		"AND b.month <> '')",
	[BS_EVENT_PUT] = "INSERT OR REPLACE INTO events(patient, ns, kind, id, institution, "
			 "settle_date, day_from, day_to, xml, source, line) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[BS_QUOTA_CARRY] = "INSERT OR IGNORE INTO quota_use(patient, contract, item, "
			   "window_from, used) VALUES (?1, ?2, ?3, ?4, ?5)",
	[BS_PAID_CARRY] = "INSERT OR IGNORE INTO commercial_paid(patient, contract, item, year, "
			  "paid) VALUES (?1, ?2, ?3, ?4, ?5)",
	[BS_ACCUM_CARRY] = "INSERT OR IGNORE INTO accumulators(patient, year, "
			   "outpatient_deductible_used, outpatient_fund_paid, inpatient_fund_paid) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[BS_PAGE_FIRST] = "SELECT id, ruleset, scheme, retired, source FROM patients ORDER BY id "
			  "LIMIT ?1",
	[BS_PAGE_NEXT] = "SELECT id, ruleset, scheme, retired, source FROM patients WHERE id > ?1 "
			 "ORDER BY id LIMIT ?2",
	[BS_CLAIM_EXISTS] = "SELECT 1 FROM claims WHERE run_date = ?1 AND patient = ?2",
	[BS_EVENTS_OF] = "SELECT kind, id, institution, settle_date, day_from, day_to, xml, "
			 "source, line FROM events WHERE patient = ?1 ORDER BY ns, id",
	[BS_BILLED] = "SELECT 1 FROM billed_units WHERE patient = ?1 AND unit_id = ?2 AND "
		      "month = ?3",
	[BS_STAY_MONTHS] = "SELECT month FROM billed_units WHERE patient = ?1 AND unit_id = ?2 "
			   "AND month <> '' ORDER BY month",
	[BS_QUOTA_GET] = "SELECT used FROM quota_use WHERE patient = ?1 AND contract = ?2 AND "
			 "item = ?3 AND window_from = ?4",
	[BS_PAID_GET] = "SELECT paid FROM commercial_paid WHERE patient = ?1 AND contract = ?2 "
			"AND item = ?3 AND year = ?4",
	[BS_ACCUM_GET] = "SELECT outpatient_deductible_used, outpatient_fund_paid, "
			 "inpatient_fund_paid FROM accumulators WHERE patient = ?1 AND year = ?2",
	[BS_LEDGER_GET] = "SELECT 1 FROM ledger WHERE patient = ?1 AND institution = ?2 AND "
			  "line_id = ?3",
	[BS_CLAIM_PUT] = "INSERT INTO claims(run_date, patient, xml) VALUES (?1, ?2, ?3)",
	[BS_BILLED_PUT] = "INSERT OR IGNORE INTO billed_units(patient, unit_id, month, run_date) "
			  "VALUES (?1, ?2, ?3, ?4)",
	[BS_LEDGER_PUT] = "INSERT OR IGNORE INTO ledger(patient, institution, line_id, run_date) "
			  "VALUES (?1, ?2, ?3, ?4)",
	[BS_QUOTA_PUT] = "INSERT OR REPLACE INTO quota_use(patient, contract, item, window_from, "
			 "used) VALUES (?1, ?2, ?3, ?4, ?5)",
	[BS_PAID_PUT] = "INSERT OR REPLACE INTO commercial_paid(patient, contract, item, year, "
			"paid) VALUES (?1, ?2, ?3, ?4, ?5)",
	[BS_ACCUM_PUT] = "INSERT OR REPLACE INTO accumulators(patient, year, "
			 "outpatient_deductible_used, outpatient_fund_paid, inpatient_fund_paid) "
			 "VALUES (?1, ?2, ?3, ?4, ?5)",
	[BS_FINDINGS_DROP] = "DELETE FROM findings WHERE run_date = ?1 AND patient = ?2",
	[BS_FINDING_PUT] = "INSERT INTO findings(run_date, patient, seq, code, severity, ref, "
			   "message, file, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[BS_RUN_START] = "INSERT INTO runs(date, shard, started) VALUES (?1, ?2, " NOW ")",
	[BS_RUN_FINISH] = "UPDATE runs SET finished = " NOW " WHERE id = ?1",
	[BS_CLAIMS_ALL] = "SELECT run_date, patient, xml FROM claims ORDER BY run_date, patient",
	[BS_CLAIMS_OF_RUN] = "SELECT run_date, patient, xml FROM claims WHERE run_date = ?1 "
			     "ORDER BY patient",
};

int cb_bdb__fail(cb_batch *b, const char *what)
{
	return cb__error(CB_EIO, "%s: %s: %s", b->path, what, sqlite3_errmsg(b->db));
}

sqlite3_stmt *cb_bdb__stmt(cb_batch *b, int which)
{
	sqlite3_stmt *st = b->st[which];
	if (!st) {
		if (sqlite3_prepare_v3(b->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
				       &b->st[which], NULL) != SQLITE_OK) {
			cb_bdb__fail(b, "preparing a statement");
			return NULL;
		}
		return b->st[which];
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int cb_bdb__done(cb_batch *b, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : cb_bdb__fail(b, what);
}

int cb_bdb__exec(cb_batch *b, int which)
{
	sqlite3_stmt *st = cb_bdb__stmt(b, which);
	return st ? cb_bdb__done(b, st, sql[which]) : CB_EIO;
}

int cb_bdb__text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

const char *cb_bdb__col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

uint64_t cb_batch__fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/* ---- opening ---- */

static int pragma_int(cb_batch *b, const char *q, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(b->db, q, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : cb_bdb__fail(b, q);
}

static int exec_sql(cb_batch *b, const char *text)
{
	char *err = NULL;
	if (sqlite3_exec(b->db, text, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	int rc = cb__error(CB_EIO, "%s: %s", b->path, err ? err : sqlite3_errmsg(b->db));
	sqlite3_free(err);
	return rc;
}

/* Apply migrations[version..] each in its own transaction. A database at version 0 must be
 * `fresh` (just created by us): an empty or foreign file is not a carebill database. */
static int migrate(cb_batch *b, int fresh)
{
	int version = 0, tables = 0;
	if (pragma_int(b, "PRAGMA user_version", &version) != 0 ||
	    pragma_int(b, "SELECT count(*) FROM sqlite_master", &tables) != 0)
		return CB_EIO;
	if (version == 0 && (!fresh || tables))
		return cb__error(CB_EIO, "%s: not a carebill batch database (carebill db init "
				 "makes one)", b->path);
	if (version > (int)MIGRATIONS)
		return cb__error(CB_EIO, "%s: schema version %d is newer than this carebill "
				 "knows (%d); use a newer carebill", b->path, version,
				 (int)MIGRATIONS);
	for (; version < (int)MIGRATIONS; version++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
		if (exec_sql(b, "BEGIN IMMEDIATE") != 0)
			return CB_EIO;
		if (exec_sql(b, migrations[version]) != 0 || exec_sql(b, bump) != 0 ||
		    exec_sql(b, "COMMIT") != 0) {
			sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
			return CB_EIO;
		}
	}
	return 0;
}

static int open_db(cb_batch **out, const char *path, int fresh)
{
	cb_batch *b = calloc(1, sizeof *b);
	if (!b || !(b->path = strdup(path))) {
		free(b);
		return cb__error(CB_ENOMEM, "out of memory opening %s", path);
	}
	int rc = sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = cb__error(CB_EIO, "%s: cannot open: %s", path,
			       b->db ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc));
		cb_batch_close(b);
		return rc;
	}
	sqlite3_busy_timeout(b->db, 10000);
	/* WAL: readers never block the writer; NORMAL: a commit survives a killed process
	 * (power loss may undo the last commits, never half of one); checkpoints (and their
	 * fsyncs) every 10000 pages rather than 1000: a third off a run's wall time, measured */
	rc = exec_sql(b, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; "
		      "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000");
	if (rc == 0)
		rc = migrate(b, fresh);
	if (rc != 0) {
		cb_batch_close(b);
		return rc;
	}
	*out = b;
	cb__error_clear();
	return CB_OK;
}

CB_EXTERN int cb_batch_create(cb_batch **out, const char *path)
{
	if (out)
		*out = NULL;
	if (!out || !path)
		return cb__error(CB_EINVAL, "cb_batch_create: NULL argument");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 && errno == EEXIST)
		return cb__error(CB_EINVAL, "%s: already exists; a new database needs a new file",
				 path);
	if (fd < 0)
		return cb__error(CB_EIO, "%s: cannot create: %s", path, strerror(errno));
	close(fd);
	return open_db(out, path, 1);
}

CB_EXTERN int cb_batch_open(cb_batch **out, const char *path)
{
	if (out)
		*out = NULL;
	if (!out || !path)
		return cb__error(CB_EINVAL, "cb_batch_open: NULL argument");
	return open_db(out, path, 0);
}

CB_EXTERN void cb_batch_close(cb_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < BS_COUNT; i++)
		sqlite3_finalize(b->st[i]);
	sqlite3_close(b->db);
	for (size_t i = 0; i < b->rs_n; i++) {
		free(b->rs_ids[i]);
		cb_ruleset_free(b->rs[i]);
	}
	free(b->rs_ids);
	free(b->rs);
	free(b->last_id);
	free(b->path);
	free(b);
}

CB_EXTERN const char *cb_batch_path(const cb_batch *b)
{
	return b ? b->path : NULL;
}

/* ---- rule sets ---- */

static int cache_ruleset(cb_batch *b, const char *id, cb_ruleset *rs)
{
	char **ids = realloc(b->rs_ids, (b->rs_n + 1) * sizeof *ids);
	if (ids)
		b->rs_ids = ids;
	cb_ruleset **v = ids ? realloc(b->rs, (b->rs_n + 1) * sizeof *v) : NULL;
	if (v)
		b->rs = v;
	char *copy = v ? strdup(id) : NULL;
	if (!copy) {
		cb_ruleset_free(rs);
		return cb__error(CB_ENOMEM, "out of memory caching rule set %s", id);
	}
	b->rs_ids[b->rs_n] = copy;
	b->rs[b->rs_n++] = rs;
	return 0;
}

static const cb_ruleset *cached(const cb_batch *b, const char *id)
{
	for (size_t i = 0; i < b->rs_n; i++)
		if (strcmp(b->rs_ids[i], id) == 0)
			return b->rs[i];
	return NULL;
}

const cb_ruleset *cb_bdb__ruleset(cb_batch *b, const char *id, int *rc)
{
	const cb_ruleset *hit = cached(b, id);
	if (hit)
		return hit;
	sqlite3_stmt *st = cb_bdb__stmt(b, BS_RULESET_XML);
	if (!st || cb_bdb__text(st, 1, id) != SQLITE_OK) {
		*rc = st ? cb_bdb__fail(b, "reading a rule set") : CB_EIO;
		return NULL;
	}
	int step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		*rc = step == SQLITE_DONE
			      ? cb__error(CB_ERULESET, "%s: rule set %s is not registered (carebill "
					  "db rules %s RULES.xml registers it)", b->path, id, b->path)
			      : cb_bdb__fail(b, "reading a rule set");
		sqlite3_reset(st);
		return NULL;
	}
	cb_ruleset *rs = NULL;
	char name[300];
	snprintf(name, sizeof name, "%s:rulesets/%s", b->path, id);
	*rc = cb_ruleset_load_buffer(&rs, (const char *)sqlite3_column_text(st, 0),
				     (size_t)sqlite3_column_bytes(st, 0), name);
	sqlite3_reset(st);
	if (*rc != CB_OK || (*rc = cache_ruleset(b, id, rs)) != 0)
		return NULL;
	return rs;
}

/* Whether `id` is registered: 1 with its sha256 into sha, 0 if not, CB_EIO. */
static int registered_sha(cb_batch *b, const char *id, char sha[65])
{
	sqlite3_stmt *st = cb_bdb__stmt(b, BS_RULESET_SHA);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, id);
	int step = sqlite3_step(st), found = step == SQLITE_ROW;
	if (found)
		snprintf(sha, 65, "%s", cb_bdb__col(st, 0));
	sqlite3_reset(st);
	return found || step == SQLITE_DONE ? found : cb_bdb__fail(b, "reading rule sets");
}

static int insert_ruleset(cb_batch *b, const cb_ruleset *rs, const char *sha, const char *buf,
			  size_t len)
{
	sqlite3_stmt *st = cb_bdb__stmt(b, BS_RULESET_INSERT);
	if (!st)
		return CB_EIO;
	cb_bdb__text(st, 1, cb_ruleset_id(rs));
	cb_bdb__text(st, 2, cb_ruleset_effective_from(rs));
	cb_bdb__text(st, 3, sha);
	sqlite3_bind_text(st, 4, buf, (int)len, SQLITE_STATIC);
	return cb_bdb__done(b, st, "registering a rule set");
}

CB_EXTERN int cb_batch_add_ruleset_file(cb_batch *b, const char *path, int *added,
					const char **id)
{
	if (added)
		*added = 0;
	if (id)
		*id = NULL;
	if (!b || !path)
		return cb__error(CB_EINVAL, "cb_batch_add_ruleset_file: NULL argument");
	char *buf = NULL, sha[65], have[65];
	size_t len = 0;
	cb_ruleset *rs = NULL;
	int rc = cb__read_file(path, &buf, &len, (size_t)256 << 20);
	if (rc == CB_OK && len > (size_t)INT32_MAX)
		rc = cb__error(CB_ELIMIT, "%s: too large to register", path);
	if (rc == CB_OK)
		rc = cb_ruleset_load_buffer(&rs, buf, len, path);
	if (rc != CB_OK)
		goto cleanup;
	cb_sha256_hex(buf, len, sha);
	int known = registered_sha(b, cb_ruleset_id(rs), have);
	if (known < 0) {
		rc = known;
	} else if (known && strcmp(have, sha) != 0) {
		rc = cb__error(CB_EINVAL, "%s: rule set %s is already registered in %s with other "
			       "content; a changed rule set needs an id of its own", path,
			       cb_ruleset_id(rs), b->path);
	} else if (!known && (rc = insert_ruleset(b, rs, sha, buf, len)) == 0 && added) {
		*added = 1;
	}
	if (rc == CB_OK) {
		free(b->last_id);
		b->last_id = strdup(cb_ruleset_id(rs));
		if (id)
			*id = b->last_id;
		if (!cached(b, cb_ruleset_id(rs))) {
			rc = cache_ruleset(b, cb_ruleset_id(rs), rs);
			rs = NULL;
		}
	}
cleanup:
	cb_ruleset_free(rs);
	free(buf);
	if (rc == CB_OK)
		cb__error_clear();
	return rc;
}

/* ---- export ---- */

CB_EXTERN size_t cb_batch_export_name(char *buf, size_t cap, const char *patient,
				      const char *run_date)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
#define PUT(c) do { if (n + 1 < cap) buf[n] = (c); n++; } while (0)
	for (const unsigned char *p = (const unsigned char *)patient; *p; p++) {
		int safe = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
		if (safe) {
			PUT((char)*p);
		} else {
			PUT('%');
			PUT(hex[*p >> 4]);
			PUT(hex[*p & 15]);
		}
	}
	PUT('_');
	for (const char *p = run_date; *p; p++)
		PUT(*p);
	for (const char *p = ".xml"; *p; p++)
		PUT(*p);
#undef PUT
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* Write one document whole: a temporary file renamed into place. */
static int write_whole(const char *dir, const char *name, const void *data, size_t len)
{
	size_t cap = strlen(dir) + strlen(name) + 8;
	char *path = malloc(cap), *tmp = malloc(cap + 1);
	int rc = path && tmp ? CB_OK : cb__error(CB_ENOMEM, "out of memory exporting %s", name);
	if (rc == CB_OK) {
		snprintf(path, cap, "%s/%s", dir, name);
		snprintf(tmp, cap + 1, "%s/.%s~", dir, name);
		FILE *f = fopen(tmp, "wb");
		int ok = f && fwrite(data, 1, len, f) == len;
		ok = f && fclose(f) == 0 && ok;
		if (!ok || rename(tmp, path) != 0) {
			rc = cb__error(CB_EIO, "%s: cannot write: %s", path, strerror(errno));
			unlink(tmp);
		}
	}
	free(path);
	free(tmp);
	return rc;
}

CB_EXTERN int cb_batch_export(cb_batch *b, const char *dir, const char *run_date,
			      size_t *written)
{
	if (written)
		*written = 0;
	if (!b || !dir)
		return cb__error(CB_EINVAL, "cb_batch_export: NULL argument");
	sqlite3_stmt *st = cb_bdb__stmt(b, run_date ? BS_CLAIMS_OF_RUN : BS_CLAIMS_ALL);
	if (!st)
		return CB_EIO;
	if (run_date)
		cb_bdb__text(st, 1, run_date);
	int rc = CB_OK, step;
	char name[1024];
	while (rc == CB_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		size_t need = cb_batch_export_name(name, sizeof name, cb_bdb__col(st, 1),
						   cb_bdb__col(st, 0));
		if (need >= sizeof name)
			rc = cb__error(CB_ELIMIT, "patient id %.64s... is too long for a file name",
				       cb_bdb__col(st, 1));
		else
			rc = write_whole(dir, name, sqlite3_column_blob(st, 2),
					 (size_t)sqlite3_column_bytes(st, 2));
		if (rc == CB_OK && written)
			(*written)++;
	}
	if (rc == CB_OK && step != SQLITE_DONE)
		rc = cb_bdb__fail(b, "reading claims");
	sqlite3_reset(st);
	if (rc == CB_OK)
		cb__error_clear();
	return rc;
}
