/*
 * clauses.h — the clauses of SPEC.md this engine implements, each with the policy sentence it
 * comes from, for explanations (cb_step.policy) and for the clause-coverage test.
 */
#ifndef CB_CLAUSES_H
#define CB_CLAUSES_H

#include <stddef.h>

typedef struct cb_clause {
	const char *id;
	const char *policy;
} cb_clause;

/* The sentence of policy behind clause `id` ("" when unknown). */
const char *cb_clause__policy(const char *id);
/* `rule` (clause ids separated by spaces) in SPEC order, duplicates removed, in `a`. */
struct cb_arena;
const char *cb_clause__canonical(struct cb_arena *a, const char *rule);
/* All clauses, in SPEC order; *n receives the count. */
const cb_clause *cb_clause__all(size_t *n);

#endif
