/*
 * carebill.h — the public C API of libcarebill, the billing engine for integrated medical and
 * elderly care (医养结合). This header is the specification of the library: each function's
 * contract is written above it. SPEC.md (shared with the project) is the specification of the
 * arithmetic; clause ids such as [MED-6] refer to it.
 *
 * Life of a call:
 *   cb_ruleset_load_file()   load and check a rule set once ([DOC-2]); share it read-only
 *                            between any number of threads;
 *   cb_case_price_file()     price a case document against it (or cb_case_price_buffer());
 *                            or load it once (cb_case_load_file), or build a case without
 *                            XML (cb_case_new, cb_case_open/close, cb_case_finish), and price
 *                            it with cb_case_price();
 *   cb_result_*()            walk the result: patients, bills, lines, settlements, claims,
 *                            findings, without parsing XML;
 *   cb_result_write_*()      write the claim document (SPEC §8) to a file or a buffer;
 *   cb_result_free(), cb_ruleset_free().
 *
 * Conventions:
 *   - Functions that can fail return int: CB_OK (0) or a negative CB_E* code. After a failure,
 *     cb_error_last() returns a message naming the file, line, element and value concerned.
 *     The message is kept per thread; no global lock is taken.
 *   - Input problems inside a case are not C errors: they are findings (SPEC §9) in the
 *     result, all of them, and the patient concerned is held ([CASE-6]).
 *   - Everything returned through an out-parameter belongs to the caller and is released
 *     with the matching *_free function, which accepts NULL. Getters borrow: what they return
 *     lives as long as the object it came from.
 *   - Money, quantities and prices are exact decimal text in the formats of [NUM-4]
 *     ("1234.50", "1.5", "0.25"); the library never uses binary floating point for them.
 *   - The library never exits, aborts, prints, or changes process-wide state (no locale, no
 *     GMP memory functions, no libxml2 global settings). Out of memory in the library's own
 *     allocations and libxml2's is reported as CB_ENOMEM and leaves no partial result behind.
 *     One exception a host must know: GMP, which holds every exact number, aborts the process
 *     when it cannot allocate; the library does not replace GMP's allocator (that would change
 *     it for the whole process). The limits below (document size, patients, lines) bound the
 *     memory a case can ask for, so with the defaults that needs a host already out of memory.
 *   - Resource limits (cb_price_options): a document larger than max_document_bytes, or with
 *     more patients or lines than allowed, is refused with CB_ELIMIT and a message naming the
 *     file, line and limit; libxml2's own limits (nesting depth 256, text nodes 10 MB) apply.
 *   - Thread safety: a loaded cb_ruleset is immutable and may be used by many threads at once.
 *     So is a cb_case once loaded or finished (cb_case_price does not change it); while it is
 *     being built, a cb_case belongs to one thread. A cb_result belongs to one thread at a
 *     time.
 */
#ifndef CAREBILL_H
#define CAREBILL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(CB_BUILDING_SHARED)
#define CB_EXTERN __declspec(dllexport)
#elif defined(__GNUC__)
#define CB_EXTERN __attribute__((visibility("default")))
#else
#define CB_EXTERN
#endif

#define CB_VERSION_STRING "0.1.0"
#define CB_ENGINE_NAME "carebill 0.1"

/* Result codes. Values are never renumbered; new codes are appended. */
typedef enum cb_error_code {
	CB_OK = 0,
	CB_ENOMEM = -1,     /* out of memory */
	CB_EINVAL = -2,     /* a NULL or otherwise invalid argument */
	CB_EIO = -3,        /* a file could not be read or written */
	CB_ERULESET = -4,   /* a rule set was refused ([DOC-2]); the message lists every problem */
	CB_ELIMIT = -5      /* a resource limit was exceeded (document size, counts) */
} cb_error_code;

/* A fixed English description of a result code; never NULL. */
CB_EXTERN const char *cb_strerror(int code);

/* The detail message of the last failed call on this thread ("" if none). Borrowed; valid
 * until the next call into the library on this thread. */
CB_EXTERN const char *cb_error_last(void);

/* The library version, e.g. "0.1.0". */
CB_EXTERN const char *cb_version(void);

/* ---------------------------------------------------------------------------------------- */
/* Rule sets ([DOC-2], [RULE-1]..[RULE-4])                                                   */

typedef struct cb_ruleset cb_ruleset;

/*
 * Load a rule set from the file at `path`, validate it against the rule-set XSD and check
 * every rule the XSD cannot express. On success *out holds the rule set (free it with
 * cb_ruleset_free) and CB_OK is returned. A rule set with any problem is refused:
 * CB_ERULESET, *out is NULL and cb_error_last() lists every problem, one per line, each as
 * "FILE:LINE: element: message". CB_EIO when the file cannot be read. The parser refuses
 * DOCTYPE declarations, external entities and network access.
 */
CB_EXTERN int cb_ruleset_load_file(cb_ruleset **out, const char *path);

/* As cb_ruleset_load_file, from `len` bytes at `buf`; `name` (may be NULL) names the document
 * in messages. The buffer is not kept. */
CB_EXTERN int cb_ruleset_load_buffer(cb_ruleset **out, const char *buf, size_t len,
				     const char *name);

/* The rule set's id (e.g. "cq-demo-2023") and effective-from date. Borrowed. */
CB_EXTERN const char *cb_ruleset_id(const cb_ruleset *rs);
CB_EXTERN const char *cb_ruleset_effective_from(const cb_ruleset *rs);

/* Release a rule set; NULL is fine. Results priced with it own copies of everything they
 * show, so they stay valid after the rule set is freed. */
CB_EXTERN void cb_ruleset_free(cb_ruleset *rs);

/* ---------------------------------------------------------------------------------------- */
/* Pricing                                                                                   */

typedef struct cb_result cb_result;

/* Options for pricing; start from CB_PRICE_OPTIONS_INIT. Fields may be appended. */
typedef struct cb_price_options {
	unsigned int version;        /* CB_PRICE_OPTIONS_VERSION */
	size_t max_document_bytes;   /* 0: the default, 256 MiB */
	int trace;                   /* 1: record the derivation (cb_step) of every amount */
	size_t max_patients;         /* 0: the default, 1,000,000 patients per case */
	size_t max_lines_per_patient;/* 0: the default, 200,000 lines and units per patient */
} cb_price_options;
#define CB_PRICE_OPTIONS_VERSION 1
#define CB_PRICE_OPTIONS_INIT {CB_PRICE_OPTIONS_VERSION, 0, 0, 0, 0}

/* Overall outcome of a priced case. */
typedef enum cb_result_status {
	CB_RESULT_BILLED = 0,   /* every patient billed */
	CB_RESULT_HELD = 1,     /* at least one patient held for input errors ([CASE-6]) */
	CB_RESULT_REJECTED = 2  /* the document was rejected whole ([DOC-1]); only findings */
} cb_result_status;

/*
 * Price the case document at `path` with the rule set `rs` (SPEC §3–§8). `opts` may be NULL.
 * Returns CB_OK with *out set whenever a claim document can be produced — including a case
 * whose patients are held and a document rejected whole ([DOC-1]: not well-formed, invalid
 * against the case XSD, or naming another rule set); cb_result_status() tells which.
 * Returns CB_EIO if the file cannot be read, CB_ELIMIT if it is larger than the limit,
 * CB_ENOMEM, CB_EINVAL; then *out is NULL.
 */
CB_EXTERN int cb_case_price_file(cb_result **out, const cb_ruleset *rs, const char *path,
				 const cb_price_options *opts);

/* As cb_case_price_file, from `len` bytes at `buf`; `name` (may be NULL, shown as "-") is the
 * document's name in messages and in the claim's `case` attribute. */
CB_EXTERN int cb_case_price_buffer(cb_result **out, const cb_ruleset *rs, const char *buf,
				   size_t len, const char *name, const cb_price_options *opts);

/* ---------------------------------------------------------------------------------------- */
/* Cases in memory: load a document once, or build a case without XML, then price it.      */

typedef struct cb_case cb_case;

/*
 * Load and check the case document at `path` (or `len` bytes at `buf`, named `name`) with
 * the rule set `rs`, exactly as cb_case_price_file does before pricing, and keep it: it can
 * then be priced any number of times with cb_case_price. Input problems are not errors here
 * either: a rejected document or held patients show in the result of cb_case_price. Returns
 * CB_EIO, CB_ELIMIT, CB_ENOMEM or CB_EINVAL as cb_case_price_file; then *out is NULL. The
 * rule set must outlive the case.
 */
CB_EXTERN int cb_case_load_file(cb_case **out, const cb_ruleset *rs, const char *path,
				const cb_price_options *opts);
CB_EXTERN int cb_case_load_buffer(cb_case **out, const cb_ruleset *rs, const char *buf,
				  size_t len, const char *name, const cb_price_options *opts);

/*
 * Build a case element by element, in the shape of a case document (SPEC §2.2): open the
 * root "case", then "period" and each "patient", its "accumulators", "contract" (with its
 * "cover" children), "encounter" and "visit" (with their "line" children), "stay" and
 * "service"; close each element after its children. `attrs` lists attribute names and values
 * in pairs and ends with a NULL name; a pair whose value is NULL is left out (an absent
 * attribute, convenient for NULL database columns). Values are copied. `line` is where the
 * element comes from in the caller's source (a row number, say; 0 when unknown): findings
 * name it as `name`:`line`.
 *
 * Whatever the case XSD would refuse in a document (an unknown element or attribute, one in
 * the wrong place, a missing required attribute, a value outside an enumeration, text that is
 * not valid UTF-8 or holds a control character XML forbids) is not a C error: the finished
 * case is rejected whole with SCHEMA findings ([DOC-1]), as a document would be. Values are
 * checked by cb_case_finish exactly as for a document (BAD_DECIMAL, BAD_DATE, UNKNOWN_ITEM,
 * ...; the patient is held, [CASE-6]).
 *
 * cb_case_open, cb_case_add (open and close a leaf) and cb_case_close return CB_OK, CB_ENOMEM,
 * or CB_EINVAL for a misuse (NULL argument, closing an element that is not the open one,
 * building a case that is finished); after an error the case can only be freed.
 * cb_case_finish checks and loads the case (CB_EINVAL when an element is still open;
 * CB_ELIMIT for the limits of opts, max_document_bytes applying to the canonical document;
 * CB_ENOMEM). As for a document, sizes are limited: an element deeper than 256 levels is one
 * SCHEMA finding and is not kept, and so is an attribute value longer than 9,000,000 bytes.
 * Names are plain (no namespaces: "xsi:..." is an unknown attribute here, while a document
 * may carry xsi attributes the XSD allows). The case's name, as shown in the claim and in
 * findings, has '?' for every byte XML cannot carry. A misuse of a case that is loaded or
 * finished returns CB_EINVAL and leaves the case as it was. The claim's case-sha256 of a built case is
 * the SHA-256 of its canonical document, the bytes cb_case_write_buffer returns.
 */
CB_EXTERN int cb_case_new(cb_case **out, const cb_ruleset *rs, const char *name);
CB_EXTERN int cb_case_open(cb_case *c, const char *element, const char *const *attrs,
			   unsigned long line);
CB_EXTERN int cb_case_close(cb_case *c, const char *element);
CB_EXTERN int cb_case_add(cb_case *c, const char *element, const char *const *attrs,
			  unsigned long line);
CB_EXTERN int cb_case_finish(cb_case *c, const cb_price_options *opts);

/* The case as a document (canonical: UTF-8, two-space indentation, attributes in the order
 * given, every value escaped), in a buffer released with cb_buffer_free. For a loaded case
 * this is a normalised copy, not the original bytes. CB_EINVAL when the case is not loaded
 * or finished, or is a document rejected before it had elements (not well-formed or invalid
 * against the case XSD). */
CB_EXTERN int cb_case_write_buffer(const cb_case *c, char **buf, size_t *len);

/*
 * Price a loaded or finished case (SPEC §3–§8), as cb_case_price_buffer prices a document;
 * only opts->trace is used. The case is not changed: several threads may price one case at
 * the same time. CB_EINVAL when the case is not loaded or finished.
 */
CB_EXTERN int cb_case_price(cb_result **out, const cb_case *c, const cb_price_options *opts);

CB_EXTERN void cb_case_free(cb_case *c);

CB_EXTERN void cb_result_free(cb_result *res);

CB_EXTERN cb_result_status cb_result_get_status(const cb_result *res);

/* ---------------------------------------------------------------------------------------- */
/* Walking a result. All strings are borrowed from the result and NUL-terminated; an
 * attribute that does not apply is NULL. Structures are only ever handed out by pointer, so
 * fields may be appended in later versions.                                                 */

/* One step of the derivation of an amount ([issue 6] explain): what was computed, by which
 * clause, with which numbers, the exact value before rounding and the value kept. */
typedef struct cb_step {
	const char *clause;   /* e.g. "MED-2" */
	const char *what;     /* the part computed, e.g. "over-limit" */
	const char *formula;  /* the formula with its inputs, e.g. "round2(21 × (0.28 − 0.25))" */
	const char *exact;    /* the exact value before rounding, all its digits */
	const char *value;    /* the amount kept, in money format ([NUM-4]) */
	const char *policy;   /* the policy sentence the clause comes from */
	int rounded;          /* 1 when round2 changed the exact value */
} cb_step;

typedef struct cb_line {
	const char *id, *item, *qty, *price, *amount, *status; /* status: charged|funded|duplicate */
	const char *from, *to;                        /* elder-care runs ([EC-3]) */
	const char *over_limit, *self_financed, *self_first, *in_scope; /* medical [MED-2..3] */
	const char *ltc, *commercial;                 /* elder-care and fee lines */
	const char *funded_by;                        /* [DUP-2] */
	const char *patient;                          /* the patient's part of this line */
	const char *rule;                             /* clause ids, space separated */
	size_t step_count;                            /* derivation, when traced (else 0) */
	const cb_step *const *steps;
} cb_line;

typedef struct cb_settlement {
	const char *policy;                           /* scheme/setting/level/retired|active */
	const char *in_scope, *deductible, *fund, *over_cap, *copay, *patient, *total;
	const char *deductible_left_before, *deductible_left_after;
	const char *fund_paid_before, *fund_paid_after;
	const char *rule;
	size_t step_count;                            /* derivation, when traced (else 0) */
	const cb_step *const *steps;
} cb_settlement;

typedef struct cb_bill {
	const char *track;        /* "medical", "home-visit" or "eldercare" */
	const char *unit, *institution;
	const char *setting;      /* medical bills */
	const char *date;         /* medical, home-visit and per-use service bills */
	const char *from, *to;    /* elder-care stays */
	const char *distance_km, *staff, *surcharge; /* home-visit bills */
	size_t line_count;
	const cb_settlement *settlement;  /* NULL when the bill has none */
} cb_bill;

typedef struct cb_finding {
	const char *severity;     /* "error", "warning" or "note" */
	const char *code;         /* SPEC §9 code, e.g. "BAD_DECIMAL" */
	const char *patient;      /* NULL for document-level findings */
	const char *ref;          /* id of the element concerned (or its name) */
	const char *rule;         /* clause id */
	const char *message;      /* plain-language message naming element, attribute and value */
	const char *file;         /* the document's name */
	unsigned long line;       /* source line, 0 when not tied to one */
} cb_finding;

typedef struct cb_claim_item {
	const char *patient, *unit, *amount;
} cb_claim_item;

typedef struct cb_claim {
	const char *payer, *total;
	size_t item_count;
} cb_claim;

typedef struct cb_patient {
	const char *id;
	int held;                 /* 1 when held for input errors ([CASE-6]) */
	size_t bill_count;
	/* statement ([ACC-1]): the patient's share per account and in total */
	const char *owes_medical, *owes_home_visit, *owes_eldercare, *owes_total;
} cb_patient;

CB_EXTERN size_t cb_result_patient_count(const cb_result *res);
CB_EXTERN const cb_patient *cb_result_patient(const cb_result *res, size_t i);
CB_EXTERN const cb_bill *cb_patient_bill(const cb_patient *p, size_t i);
CB_EXTERN const cb_line *cb_bill_line(const cb_bill *b, size_t i);
CB_EXTERN size_t cb_result_claim_count(const cb_result *res);
CB_EXTERN const cb_claim *cb_result_claim(const cb_result *res, size_t i);
CB_EXTERN const cb_claim_item *cb_claim_item_at(const cb_claim *c, size_t i);
CB_EXTERN size_t cb_result_finding_count(const cb_result *res);
CB_EXTERN const cb_finding *cb_result_finding(const cb_result *res, size_t i);

/* ---------------------------------------------------------------------------------------- */
/* Writing the claim document (SPEC §8). Output is canonical: the same inputs and rule set
 * give the same bytes.                                                                       */

/* Write to the file at `path` (created or truncated). CB_EIO on failure. */
CB_EXTERN int cb_result_write_file(const cb_result *res, const char *path);

/* Write to a new buffer: *out (NUL-terminated, free with cb_buffer_free) and *len. */
CB_EXTERN int cb_result_write_buffer(const cb_result *res, char **out, size_t *len);

CB_EXTERN void cb_buffer_free(char *buf);

#ifdef __cplusplus
}
#endif
#endif /* CAREBILL_H */
