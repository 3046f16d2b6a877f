/*
 * dbscan.c — the merged scan of patients, units and charge lines (see dbscan.h).
 *
 * The unit and line scans run one row ahead of what has been handed out: a row is pending
 * until the caller's current patient (or unit) is the one it belongs to. States of a scan:
 * NEED (step before looking), PENDING (a row not yet handed out), CURRENT (handed out),
 * DONE (no more rows).
 */
#include "dbscan.h"

#include <stdio.h>
#include <string.h>

enum { NEED, PENDING, CURRENT, DONE };

int dbscan_open(dbscan *s, const char *path)
{
	memset(s, 0, sizeof *s);
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "SELECT id, scheme, retired, acc_year, od_used, fund_out,"
			       " fund_in FROM patient ORDER BY rowid", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->patient, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "SELECT patient, id, kind, institution, setting, date,"
			       " admit, discharge, at, distance_km, staff, surcharge FROM unit"
			       " ORDER BY rowid", -1, SQLITE_PREPARE_PERSISTENT, &s->unit,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "SELECT patient, unit, id, item, qty, price, at"
			       " FROM charge_line ORDER BY rowid", -1, SQLITE_PREPARE_PERSISTENT,
			       &s->line, NULL) != SQLITE_OK) {
		fprintf(stderr, "dbscan: %s: %s\n", path, sqlite3_errmsg(s->db));
		dbscan_close(s);
		return -1;
	}
	return 0;
}

void dbscan_rewind(dbscan *s)
{
	sqlite3_reset(s->patient);
	sqlite3_reset(s->unit);
	sqlite3_reset(s->line);
	s->unit_state = s->line_state = NEED;
	s->patient_ok = 0;
}

void dbscan_close(dbscan *s)
{
	sqlite3_finalize(s->patient);
	sqlite3_finalize(s->unit);
	sqlite3_finalize(s->line);
	sqlite3_close(s->db);
	memset(s, 0, sizeof *s);
}

int dbscan_patient(dbscan *s)
{
	s->patient_ok = sqlite3_step(s->patient) == SQLITE_ROW;
	return s->patient_ok;
}

/* Hand out the next row of `st` when its columns `k1` (and `k2` if >= 0) equal `v1` (`v2`). */
static int advance(sqlite3_stmt *st, int *state, int k1, const char *v1, int k2, const char *v2)
{
	if (*state == NEED || *state == CURRENT)
		*state = sqlite3_step(st) == SQLITE_ROW ? PENDING : DONE;
	if (*state != PENDING || strcmp(dbscan_text(st, k1), v1) != 0 ||
	    (k2 >= 0 && strcmp(dbscan_text(st, k2), v2) != 0))
		return 0;
	*state = CURRENT;
	return 1;
}

int dbscan_unit(dbscan *s)
{
	if (!s->patient_ok)
		return 0;
	return advance(s->unit, &s->unit_state, UNIT_PATIENT, dbscan_text(s->patient, PAT_ID), -1,
		       NULL);
}

int dbscan_line(dbscan *s)
{
	if (s->unit_state != CURRENT)
		return 0;
	return advance(s->line, &s->line_state, LINE_PATIENT, dbscan_text(s->unit, UNIT_PATIENT),
		       LINE_UNIT, dbscan_text(s->unit, UNIT_ID));
}

const char *dbscan_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

int dbscan_has(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) != SQLITE_NULL;
}

const char *dbscan_meta(dbscan *s, const char *key, char *buf, int size)
{
	sqlite3_stmt *st = NULL;
	const char *out = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(buf, (size_t)size, "%s", dbscan_text(st, 0));
			out = buf;
		}
	}
	sqlite3_finalize(st);
	return out;
}
