/*
 * fuzz_common.h — shared by the libFuzzer targets and the regression runner: a trap that
 * libFuzzer reports as a crash, loading the fixture rule set once, checking a claim document
 * against the claim XSD, and walking a whole result through the public getters so that every
 * string the engine produced is read (ASan then catches a dangling or unterminated one).
 */
#ifndef CB_FUZZ_COMMON_H
#define CB_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "carebill.h"

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond))                                                              \
			__builtin_trap();                                                 \
	} while (0)

/* Reading every byte of a string the library returned; NULL is allowed where documented. */
static inline size_t fuzz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static inline void fuzz_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* libxml2 reports a few encoding errors through its process-wide handler (see
 * docs/hardening.md); keep the fuzzers' output readable. The catalogue test checks them. */
static inline void fuzz_silence_libxml(void)
{
	xmlSetGenericErrorFunc(NULL, fuzz_quiet);
}

static cb_ruleset *fuzz_fx;

static inline void fuzz_free_fx(void)
{
	cb_ruleset_free(fuzz_fx);
	fuzz_fx = NULL;
}

/* rules/fx-2023.xml, loaded on the first call and freed at exit. */
static inline const cb_ruleset *fuzz_fixture_rules(void)
{
	if (!fuzz_fx) {
		fuzz_silence_libxml();
		CHECK(cb_ruleset_load_file(&fuzz_fx, CAREBILL_FX_RULES) == CB_OK);
		atexit(fuzz_free_fx);
	}
	return fuzz_fx;
}

static xmlSchemaPtr fuzz_claim_schema;

static inline void fuzz_free_claim_schema(void)
{
	xmlSchemaFree(fuzz_claim_schema);
	fuzz_claim_schema = NULL;
}

/* A claim document (SPEC §8) must be well-formed and valid against rules/schema/claim.xsd
 * (loaded on the first call, freed at exit), which is strict on number formats (no sign,
 * [NUM-4] digits), so a negative or mis-rounded amount traps too. */
static inline void fuzz_check_claim(const char *out, size_t len)
{
	if (!fuzz_claim_schema) {
		xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(CAREBILL_CLAIM_XSD);
		CHECK(pc != NULL);
		fuzz_claim_schema = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
		CHECK(fuzz_claim_schema != NULL);
		atexit(fuzz_free_claim_schema);
	}
	xmlDocPtr doc = xmlReadMemory(out, (int)len, "claim.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					      XML_PARSE_HUGE);
	CHECK(doc != NULL); /* well-formed */
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(fuzz_claim_schema);
	CHECK(vc != NULL);
	xmlSchemaSetValidErrors(vc, fuzz_quiet, fuzz_quiet, NULL);
	CHECK(xmlSchemaValidateDoc(vc, doc) == 0); /* valid against the claim XSD */
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
}

static inline void fuzz_walk_line(const cb_line *l)
{
	CHECK(l && l->id && l->item && l->amount && l->status);
	size_t n = fuzz_touch(l->id) + fuzz_touch(l->item) + fuzz_touch(l->qty) +
		   fuzz_touch(l->price) + fuzz_touch(l->amount) + fuzz_touch(l->status) +
		   fuzz_touch(l->from) + fuzz_touch(l->to) + fuzz_touch(l->over_limit) +
		   fuzz_touch(l->self_financed) + fuzz_touch(l->self_first) +
		   fuzz_touch(l->in_scope) + fuzz_touch(l->ltc) + fuzz_touch(l->commercial) +
		   fuzz_touch(l->funded_by) + fuzz_touch(l->patient) + fuzz_touch(l->rule);
	for (size_t i = 0; i < l->step_count; i++) {
		const cb_step *s = l->steps[i];
		n += fuzz_touch(s->clause) + fuzz_touch(s->what) + fuzz_touch(s->formula) +
		     fuzz_touch(s->exact) + fuzz_touch(s->value) + fuzz_touch(s->policy);
	}
	(void)n;
}

/* Every string of a result read through the public getters. `lines_given`: every element of
 * the case had a source line, so a per-patient finding must name one (a built case may give 0,
 * "unknown"). */
static inline void fuzz_walk_result_lines(const cb_result *res, int lines_given)
{
	size_t n = 0;
	for (size_t p = 0; p < cb_result_patient_count(res); p++) {
		const cb_patient *pt = cb_result_patient(res, p);
		CHECK(pt && pt->id);
		n += fuzz_touch(pt->owes_medical) + fuzz_touch(pt->owes_home_visit) +
		     fuzz_touch(pt->owes_eldercare) + fuzz_touch(pt->owes_total);
		CHECK(!pt->held || pt->bill_count == 0);
		for (size_t b = 0; b < pt->bill_count; b++) {
			const cb_bill *bill = cb_patient_bill(pt, b);
			CHECK(bill && bill->track && bill->unit);
			n += fuzz_touch(bill->institution) + fuzz_touch(bill->setting) +
			     fuzz_touch(bill->date) + fuzz_touch(bill->from) + fuzz_touch(bill->to) +
			     fuzz_touch(bill->distance_km) + fuzz_touch(bill->staff) +
			     fuzz_touch(bill->surcharge);
			for (size_t l = 0; l < bill->line_count; l++)
				fuzz_walk_line(cb_bill_line(bill, l));
			const cb_settlement *s = bill->settlement;
			if (s)
				n += fuzz_touch(s->policy) + fuzz_touch(s->in_scope) +
				     fuzz_touch(s->fund) + fuzz_touch(s->patient) + fuzz_touch(s->total);
		}
	}
	for (size_t c = 0; c < cb_result_claim_count(res); c++) {
		const cb_claim *cl = cb_result_claim(res, c);
		CHECK(cl && cl->payer && cl->total);
		for (size_t i = 0; i < cl->item_count; i++) {
			const cb_claim_item *it = cb_claim_item_at(cl, i);
			CHECK(it && it->patient && it->unit && it->amount);
		}
	}
	for (size_t f = 0; f < cb_result_finding_count(res); f++) {
		const cb_finding *fd = cb_result_finding(res, f);
		CHECK(fd && fd->code && fd->severity && fd->message && *fd->message);
		/* a per-patient finding names its source line ([CASE-6], issue 7) */
		CHECK(!lines_given || !fd->patient || fd->line > 0);
		n += fuzz_touch(fd->ref) + fuzz_touch(fd->rule) + fuzz_touch(fd->file);
	}
	(void)n;
}

static inline void fuzz_walk_result(const cb_result *res)
{
	fuzz_walk_result_lines(res, 1);
}

#endif
