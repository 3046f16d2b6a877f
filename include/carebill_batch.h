/*
 * carebill_batch.h — the nightly batch of libcarebill (SPEC §10, [BAT-1]..[BAT-5]): a SQLite
 * database of rule sets, patients, contracts and billable events, billed night after night by
 * the same pricing code as cb_case_price_*() (one engine, two ways in). This header is the
 * specification of the batch API; docs/batch.md documents the database table by table and
 * the `carebill db | import | batch | export` commands built on it.
 *
 * Life of a database:
 *   cb_batch_create()            a new database file (schema version CB_BATCH_SCHEMA_VERSION)
 *   cb_batch_add_ruleset_file()  register the rule sets the cases name
 *   cb_batch_import_file()       load case documents: patients, contracts, accumulators,
 *                                events; a file is loaded whole or not at all
 *   cb_batch_run()               bill every patient for date D ([BAT-2]), one transaction per
 *                                patient ([BAT-3]); safe to kill and restart ([BAT-4]);
 *                                optionally one shard of the patients ([BAT-5])
 *   cb_batch_export()            write the stored claim documents, one file each
 *   cb_batch_close()
 *
 * Conventions are those of carebill.h: int results (CB_OK or a negative CB_E* code) with the
 * detail in cb_error_last(); what comes back through **out belongs to the caller and is freed
 * with the matching *_free (NULL is fine); the library never prints or exits.
 * Database failures (SQLite errors, a file that is not a carebill database, a database made
 * by a newer version) are CB_EIO with the database path and SQLite's message.
 *
 * Threads: a cb_batch is one SQLite connection opened without SQLite's mutexes; use it from
 * one thread at a time. Several processes (or threads, each with its own cb_batch) may use
 * one database: writers take turns per transaction, waiting up to 10 s for each other.
 */
#ifndef CAREBILL_BATCH_H
#define CAREBILL_BATCH_H

#include <stddef.h>

#include "carebill.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version a new database gets (PRAGMA user_version). Opening an older database
 * migrates it forward; a newer one is refused. */
#define CB_BATCH_SCHEMA_VERSION 1

typedef struct cb_batch cb_batch;

/*
 * Create a new batch database at `path` and open it. The file must not exist: an existing
 * file is never touched (CB_EINVAL). CB_EIO when the file cannot be created. The new
 * database has no rule set yet: register one with cb_batch_add_ruleset_file().
 */
CB_EXTERN int cb_batch_create(cb_batch **out, const char *path);

/*
 * Open the existing batch database at `path`, migrating its schema to
 * CB_BATCH_SCHEMA_VERSION if it is older. CB_EIO when the file does not exist, is not a
 * carebill database, or was made by a newer carebill.
 */
CB_EXTERN int cb_batch_open(cb_batch **out, const char *path);

/* Close the database (finishing any checkpoint); NULL is fine. */
CB_EXTERN void cb_batch_close(cb_batch *db);

/* The path the database was opened with. Borrowed. */
CB_EXTERN const char *cb_batch_path(const cb_batch *db);

/*
 * Register the rule set in the file at `path` ([BAT-1]): it is loaded and checked exactly as
 * cb_ruleset_load_file() does (CB_ERULESET with every problem when refused) and stored with
 * its bytes, so the database bills without the file. A rule set whose id is already
 * registered with the same bytes is accepted again (*added = 0); with other bytes it is
 * refused (CB_EINVAL): a changed rule set needs an id of its own. `added` and `id` may be
 * NULL; *id (when given) receives the rule set's id, valid until the next call on `db`.
 */
CB_EXTERN int cb_batch_add_ruleset_file(cb_batch *db, const char *path, int *added,
					const char **id);

/* What one import loaded. */
typedef struct cb_batch_import_info {
	size_t patients;     /* patients added or updated */
	size_t contracts;    /* contracts stored */
	size_t units;        /* encounters, visits, stays and services stored */
	size_t kept_billed;  /* units of the file that an earlier run billed: kept as billed */
} cb_batch_import_info;

/*
 * Import the case document at `path`. The document is first priced exactly as
 * cb_case_price_buffer() does, with the registered rule set its `ruleset` attribute names;
 * that result is handed back in *validation (free it with cb_result_free) so its findings
 * can be shown as `carebill price` shows them.
 *
 * If cb_result_get_status(*validation) is CB_RESULT_BILLED the file is loaded, in one
 * transaction, and *info (may be NULL) counts what was stored; if it is CB_RESULT_HELD (some
 * patient has input errors) or CB_RESULT_REJECTED ([DOC-1]) nothing at all is loaded. Both
 * are CB_OK: the file was judged.
 *
 * Loading a patient: the patient row (rule set, scheme, retired) is added or updated; the
 * file is the patient's whole current picture, so its contracts replace the stored ones and
 * its events replace the stored events that no run has billed yet. Billed history stays: a
 * unit of the file that a run already billed is kept as it was (counted in kept_billed), and
 * a stay with billed months is kept unless the file gives it again. [CASE-5] state is carried
 * in only where the database has none yet: a cover's `used` into the quota window holding the
 * period's first day, `paid` into that year, `<accumulators>` into their year.
 *
 * Returns CB_EIO when the file cannot be read or the database fails (nothing loaded),
 * CB_ERULESET when the rule set the document names is not registered (*validation NULL),
 * CB_ELIMIT, CB_ENOMEM, CB_EINVAL.
 */
CB_EXTERN int cb_batch_import_file(cb_batch *db, const char *path, cb_result **validation,
				   cb_batch_import_info *info);

/* What one payer is owed by the claims of a run, e.g. {"medical-insurance", "1234.50"}. */
typedef struct cb_batch_amount {
	const char *payer;
	const char *total;
} cb_batch_amount;

/* The running totals of a run, and its summary at the end. */
typedef struct cb_batch_summary {
	const char *date;            /* D */
	unsigned int shard_index, shard_count; /* 0, 0 when the run took every patient */
	size_t patients_total;       /* patients in this run's shard (0 while not counted) */
	size_t patients_done;        /* patients looked at so far */
	size_t billed;               /* claim document stored by this run */
	size_t held;                 /* held for input errors ([CASE-6]); findings recorded */
	size_t nothing_due;          /* nothing to bill on D */
	size_t already_done;         /* a claim for D was stored before: skipped ([BAT-4]) */
	size_t bills, lines;         /* in the claim documents stored by this run */
	/* Filled in the final summary only (0 and NULL in progress reports): what each payer
	 * is owed, medical-insurance first, then the other payers bytewise. */
	size_t payer_count;
	const cb_batch_amount *payers;
	const char *patients_owe;    /* Σ statement totals: what the patients owe */
} cb_batch_summary;

/* Options of a run; start from CB_BATCH_OPTIONS_INIT. Fields may be appended. */
typedef struct cb_batch_options {
	unsigned int version;        /* CB_BATCH_OPTIONS_VERSION */
	const char *date;            /* D, "YYYY-MM-DD" (required) */
	unsigned int shard_index;    /* I in 1..N, with shard_count N; 0, 0: every patient */
	unsigned int shard_count;
	/* Each error, warning and note of each patient, as the run meets them; `file` and
	 * `line` name the imported case file and the line of the element concerned. May be
	 * NULL. The finding is borrowed for the duration of the call. */
	void (*on_finding)(void *ud, const cb_finding *f);
	/* After each patient, with the running totals. When set, the patients of the shard are
	 * counted first, so that patients_total is known. May be NULL. */
	void (*on_progress)(void *ud, const cb_batch_summary *so_far);
	void *ud;
} cb_batch_options;
#define CB_BATCH_OPTIONS_VERSION 1
#define CB_BATCH_OPTIONS_INIT {CB_BATCH_OPTIONS_VERSION, NULL, 0, 0, NULL, NULL, NULL}

/*
 * Bill date D ([BAT-2]): every unbilled encounter and visit settled on or before D (the
 * outpatient date, the inpatient discharge, the visit's date), and the elder-care days and
 * per-use services of every calendar month that ended on or before D and is not billed yet.
 * Patients are taken in bytewise id order; with a shard, only those whose id's FNV-1a 64-bit
 * hash modulo N is I − 1 ([BAT-5]: the shards of one date together bill what the unsharded
 * run bills, whichever database file each shard runs on).
 *
 * Each patient is priced by the engine from the database (its contracts and events, the
 * ledger of billed line ids for [DUP-1], quota use, commercial payments and accumulators) and
 * committed in one transaction ([BAT-3]) with its claim document, the units and stay months
 * it billed, its ledger entries and its state after the run. A held patient has its findings
 * recorded and nothing billed; its events wait, unbilled, for a corrected import. A patient
 * with nothing due gets no claim document. A patient that already has a claim document for D
 * is skipped, so a run killed at any instant and started again ends with the same documents
 * as an uninterrupted one, and a second run for D bills nothing ([BAT-4]).
 *
 * Memory is bounded by one patient's data: patients are read a page at a time.
 * On success *out (may be NULL) holds the summary (free with cb_batch_summary_free).
 * CB_EINVAL for a bad date or shard, CB_EIO when the database fails (the patient being
 * billed is rolled back; those before it stay billed), CB_ENOMEM.
 */
CB_EXTERN int cb_batch_run(cb_batch *db, const cb_batch_options *opts, cb_batch_summary **out);

CB_EXTERN void cb_batch_summary_free(cb_batch_summary *s);

/*
 * Write every stored claim document, or only those of run date `run_date` (NULL: all), into
 * the existing directory `dir`, one file per document named PATIENT_DATE.xml, where every
 * byte of the patient id outside [A-Za-z0-9._-] is written as %XX (so names are distinct and
 * safe). Files are written whole (a temporary file renamed into place). Two databases that
 * billed the same events export identical directories. *written (may be NULL) counts the
 * files. CB_EIO when a file cannot be written or the database fails, CB_EINVAL.
 */
CB_EXTERN int cb_batch_export(cb_batch *db, const char *dir, const char *run_date,
			      size_t *written);

/*
 * The file name cb_batch_export() gives the claim of `patient` for run `run_date`, written
 * like snprintf into buf (cap bytes with the NUL); returns the length the name needs.
 */
CB_EXTERN size_t cb_batch_export_name(char *buf, size_t cap, const char *patient,
				      const char *run_date);

#ifdef __cplusplus
}
#endif
#endif /* CAREBILL_BATCH_H */
