/*
 * case.h — loading a case document into the case model (model.h). [DOC-1], [CASE-1]..[CASE-6]
 */
#ifndef CB_CASE_H
#define CB_CASE_H

#include "model.h"

/* Parse, validate and load `len` bytes named `name`. CB_OK with *out set whenever the
 * document could be judged: a rejected document has cs->rejected and its doc_findings; held
 * patients have their findings. CB_ELIMIT when the case has more than max_patients patients
 * or a patient more than max_lines lines and units; CB_ENOMEM otherwise. */
int cb_case__load(cs_case **out, const cb_ruleset *rs, const char *buf, size_t len,
		  const char *name, size_t max_patients, size_t max_lines);
void cb_case__free(cs_case *cs);

#endif
