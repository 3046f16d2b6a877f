/*
 * dbscan.h — one walk over the benchmark database written by loaddb: patients, their units
 * (encounters and visits) and the units' charge lines, each table read in a single scan in
 * rowid order (the case document's order) with a prepared statement, merged on the fly. The
 * I/O floor and the engine-from-SQLite benchmark both read through it, so they read exactly
 * the same rows the same way; baseline.py does the same three scans in Python.
 *
 * The connection is read-only and opened with SQLITE_OPEN_NOMUTEX: it belongs to one thread.
 *
 *   dbscan s;
 *   dbscan_open(&s, path);
 *   while (dbscan_patient(&s))            columns: PAT_*
 *     while (dbscan_unit(&s))             columns: UNIT_*
 *       while (dbscan_line(&s))           columns: LINE_*
 *         ... dbscan_text(s.line, LINE_QTY) ...
 *   dbscan_close(&s);
 *
 * Text returned by dbscan_text() is valid until the next call that advances the same table.
 */
#ifndef CB_BENCH_DBSCAN_H
#define CB_BENCH_DBSCAN_H

#include <sqlite3.h>

enum { PAT_ID, PAT_SCHEME, PAT_RETIRED, PAT_ACC_YEAR, PAT_OD_USED, PAT_FUND_OUT, PAT_FUND_IN };
enum { UNIT_PATIENT, UNIT_ID, UNIT_KIND, UNIT_INSTITUTION, UNIT_SETTING, UNIT_DATE, UNIT_ADMIT,
       UNIT_DISCHARGE, UNIT_AT, UNIT_DISTANCE_KM, UNIT_STAFF, UNIT_SURCHARGE };
enum { LINE_PATIENT, LINE_UNIT, LINE_ID, LINE_ITEM, LINE_QTY, LINE_PRICE, LINE_AT };

typedef struct dbscan {
	sqlite3 *db;
	sqlite3_stmt *patient, *unit, *line;
	int unit_state, line_state; /* see dbscan.c */
	int patient_ok;
} dbscan;

/* Open the database and prepare the scans. 0, or -1 with a message on stderr. */
int dbscan_open(dbscan *s, const char *path);
/* Start the scans again from the first row. */
void dbscan_rewind(dbscan *s);
void dbscan_close(dbscan *s);

/* Advance to the next patient / the current patient's next unit / the current unit's next
 * line: 1 when there is one, 0 when not. */
int dbscan_patient(dbscan *s);
int dbscan_unit(dbscan *s);
int dbscan_line(dbscan *s);

/* Column `col` of the current row of `st` ("" when NULL is not wanted: see dbscan_has). */
const char *dbscan_text(sqlite3_stmt *st, int col);
/* Whether column `col` of the current row is not NULL. */
int dbscan_has(sqlite3_stmt *st, int col);

/* The value of `key` in the meta table, copied into buf (size bytes); buf or NULL. */
const char *dbscan_meta(dbscan *s, const char *key, char *buf, int size);

#endif
