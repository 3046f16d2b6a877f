/*
 * loaddb.c — loads the charge lines of a benchmark case (gencase's output) into a SQLite
 * database, for the benchmarks that read from SQLite: the I/O floor (bench_floor), the engine
 * from SQLite (bench_sqlite) and the Python baseline (baseline.py). All values are text, as
 * in the case document; rows are inserted in document order, so rowid order is the order of
 * the case and every reader walks the tables in one scan each, without sorting or joins.
 *
 *   loaddb CASE.xml DB.sqlite        (DB.sqlite is replaced)
 *
 * Tables:
 *   charge_line(patient, unit, id, item, qty, price, at)   one row per encounter or visit line
 *   unit(patient, id, kind, institution, setting, date, admit, discharge,
 *        at, distance_km, staff, surcharge)                the encounters and visits holding them
 *   patient(id, scheme, retired, acc_year, od_used, fund_out, fund_in)
 *   meta(key, value)                                       ruleset, period_from, period_to
 *
 * Stays, services and contracts are not charge lines and are left out: the SQLite workload is
 * the medical track (encounters, and visits with their medical lines).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <sqlite3.h>

typedef struct loader {
	sqlite3 *db;
	sqlite3_stmt *patient, *unit, *line, *meta;
	char patient_id[64], unit_id[64];
	int in_unit;  /* inside an encounter or visit */
	long lines;
} loader;

static const char *attr(xmlTextReaderPtr r, const char *name, char *buf, size_t size)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	if (!v)
		return NULL;
	snprintf(buf, size, "%s", (const char *)v);
	xmlFree(v);
	return buf;
}

/* Bind the attributes `names` (NULL-terminated) of the current element to parameters
 * `first`.. of `st`, NULL for an absent attribute. */
static void bind_attrs(xmlTextReaderPtr r, sqlite3_stmt *st, int first, const char *const *names)
{
	char buf[256];
	for (int i = 0; names[i]; i++) {
		const char *v = attr(r, names[i], buf, sizeof buf);
		if (v)
			sqlite3_bind_text(st, first + i, v, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, first + i);
	}
}

static int step_reset(loader *L, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "loaddb: %s\n", sqlite3_errmsg(L->db));
		return -1;
	}
	return 0;
}

static int meta(loader *L, const char *key, const char *value)
{
	sqlite3_bind_text(L->meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(L->meta, 2, value, -1, SQLITE_TRANSIENT);
	return step_reset(L, L->meta);
}

/* One start element of the case document. */
static int element(loader *L, xmlTextReaderPtr r, const char *name)
{
	char a[256], b[256];
	if (!strcmp(name, "case"))
		return attr(r, "ruleset", a, sizeof a) ? meta(L, "ruleset", a) : 0;
	if (!strcmp(name, "period"))
		return meta(L, "period_from", attr(r, "from", a, sizeof a)) ||
		       meta(L, "period_to", attr(r, "to", b, sizeof b));
	if (!strcmp(name, "patient")) {
		static const char *const names[] = {"id", "scheme", "retired", NULL};
		attr(r, "id", L->patient_id, sizeof L->patient_id);
		bind_attrs(r, L->patient, 1, names);
		return 0; /* inserted with its accumulators, see below */
	}
	if (!strcmp(name, "accumulators")) {
		static const char *const names[] = {"year", "outpatient-deductible-used",
						    "outpatient-fund-paid", "inpatient-fund-paid",
						    NULL};
		bind_attrs(r, L->patient, 4, names);
		return 0;
	}
	if (!strcmp(name, "encounter") || !strcmp(name, "visit")) {
		static const char *const names[] = {"id", "institution", "setting", "date", "admit",
						    "discharge", "at", "distance-km", "staff",
						    "surcharge", NULL};
		attr(r, "id", L->unit_id, sizeof L->unit_id);
		sqlite3_bind_text(L->unit, 1, L->patient_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(L->unit, 3, name, -1, SQLITE_TRANSIENT);
		bind_attrs(r, L->unit, 4, names + 1);
		sqlite3_bind_text(L->unit, 2, L->unit_id, -1, SQLITE_TRANSIENT);
		L->in_unit = 1;
		return step_reset(L, L->unit);
	}
	if (!strcmp(name, "line") && L->in_unit) {
		static const char *const names[] = {"id", "item", "qty", "price", "at", NULL};
		sqlite3_bind_text(L->line, 1, L->patient_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(L->line, 2, L->unit_id, -1, SQLITE_TRANSIENT);
		bind_attrs(r, L->line, 3, names);
		L->lines++;
		return step_reset(L, L->line);
	}
	return 0;
}

static int end_element(loader *L, const char *name)
{
	if (!strcmp(name, "encounter") || !strcmp(name, "visit"))
		L->in_unit = 0;
	if (!strcmp(name, "patient"))
		return step_reset(L, L->patient);
	return 0;
}

static const char schema[] =
	"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	"CREATE TABLE meta(key TEXT, value TEXT);"
	"CREATE TABLE patient(id TEXT, scheme TEXT, retired TEXT, acc_year TEXT, od_used TEXT,"
	" fund_out TEXT, fund_in TEXT);"
	"CREATE TABLE unit(patient TEXT, id TEXT, kind TEXT, institution TEXT, setting TEXT,"
	" date TEXT, admit TEXT, discharge TEXT, at TEXT, distance_km TEXT, staff TEXT,"
	" surcharge TEXT);"
	"CREATE TABLE charge_line(patient TEXT, unit TEXT, id TEXT, item TEXT, qty TEXT,"
	" price TEXT, at TEXT);"
	"BEGIN;";

static int prepare(loader *L)
{
	return sqlite3_exec(L->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(L->db, "INSERT INTO patient VALUES(?,?,?,?,?,?,?)", -1,
				  &L->patient, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(L->db, "INSERT INTO unit VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1,
				  &L->unit, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(L->db, "INSERT INTO charge_line VALUES(?,?,?,?,?,?,?)", -1,
				  &L->line, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(L->db, "INSERT INTO meta VALUES(?,?)", -1, &L->meta,
				  NULL) != SQLITE_OK;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: loaddb CASE.xml DB.sqlite\n");
		return 2;
	}
	loader L = {0};
	int status = 1, rc = 0;
	xmlTextReaderPtr r = NULL;
	unlink(argv[2]);
	if (sqlite3_open(argv[2], &L.db) != SQLITE_OK || prepare(&L)) {
		fprintf(stderr, "loaddb: %s: %s\n", argv[2], sqlite3_errmsg(L.db));
		goto cleanup;
	}
	if (!(r = xmlReaderForFile(argv[1], NULL, XML_PARSE_NONET | XML_PARSE_HUGE))) {
		fprintf(stderr, "loaddb: cannot read %s\n", argv[1]);
		goto cleanup;
	}
	while ((rc = xmlTextReaderRead(r)) == 1) {
		const char *name = (const char *)xmlTextReaderConstLocalName(r);
		int type = xmlTextReaderNodeType(r), failed = 0;
		if (type == XML_READER_TYPE_ELEMENT) {
			failed = element(&L, r, name);
			if (!failed && xmlTextReaderIsEmptyElement(r))
				failed = end_element(&L, name);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			failed = end_element(&L, name);
		}
		if (failed) {
			rc = -1;
			break;
		}
	}
	if (rc != 0 || sqlite3_exec(L.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "loaddb: %s failed\n", argv[1]);
		goto cleanup;
	}
	printf("loaddb: %ld charge lines into %s\n", L.lines, argv[2]);
	status = 0;
cleanup:
	xmlFreeTextReader(r);
	sqlite3_finalize(L.patient);
	sqlite3_finalize(L.unit);
	sqlite3_finalize(L.line);
	sqlite3_finalize(L.meta);
	sqlite3_close(L.db);
	return status;
}
