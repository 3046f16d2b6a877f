/*
 * findings.h — the one findings model (SPEC §9). A finding has a code, whose severity is
 * fixed by the table in SPEC §9, the clause it comes from, the element it concerns and a
 * plain-language message. Findings are allocated in an arena.
 */
#ifndef CB_FINDINGS_H
#define CB_FINDINGS_H

#include "arena.h"
#include "carebill.h"

/* The severity SPEC §9 gives `code` ("error", "warning" or "note"). */
const char *cb_finding__severity(const char *code);

/* A new finding; NULL when out of memory. `patient` may be NULL (document level). */
cb_finding *cb_finding__new(cb_arena *a, const char *code, const char *rule,
			    const char *patient, const char *ref, const char *file,
			    unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* Order for input errors of one patient: by ref, then code, then message. */
int cb_finding__cmp(const void *a, const void *b);

#endif
