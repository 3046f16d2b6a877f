/*
 * findings.c — constructing findings with their SPEC §9 severity.
 */
#include "findings.h"

#include <stdarg.h>
#include <string.h>

static const struct {
	const char *code, *severity;
} severities[] = {
	{"SUSPECT_DUPLICATE", "warning"},
	{"DUPLICATE_LINE", "note"},
	{"QUOTA_EXHAUSTED", "note"},
	{"MEDICAL_OVERLAP", "note"},
	{"CAP_REACHED", "note"},
};

const char *cb_finding__severity(const char *code)
{
	for (size_t i = 0; i < sizeof severities / sizeof severities[0]; i++)
		if (strcmp(severities[i].code, code) == 0)
			return severities[i].severity;
	return "error"; /* every other §9 code is an error */
}

/* Drop bytes that do not form complete UTF-8 sequences: messages quote input text cut to a
 * length in bytes, which may split a character; the claim document must stay valid UTF-8. */
static void utf8_clean(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	while (*r) {
		size_t len = *r < 0x80 ? 1 : (*r >> 5) == 6 ? 2 : (*r >> 4) == 14 ? 3
			     : (*r >> 3) == 30 ? 4 : 0;
		size_t ok = len > 0;
		for (size_t i = 1; ok && i < len; i++)
			ok = (r[i] & 0xC0) == 0x80;
		if (!ok) {
			r++;
			continue;
		}
		for (size_t i = 0; i < len; i++)
			*w++ = *r++;
	}
	*w = '\0';
}

cb_finding *cb_finding__new(cb_arena *a, const char *code, const char *rule,
			    const char *patient, const char *ref, const char *file,
			    unsigned long line, const char *fmt, ...)
{
	cb_finding *f = cb_arena_alloc(a, sizeof *f);
	if (!f)
		return NULL;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	cb_arena__vformat(buf, sizeof buf, fmt, ap);
	va_end(ap);
	utf8_clean(buf);
	f->severity = cb_finding__severity(code);
	f->code = code;
	f->rule = rule;
	f->patient = patient;
	f->ref = ref;
	f->file = file;
	f->line = line;
	f->message = cb_arena_strdup(a, buf);
	return f->message ? f : NULL;
}

int cb_finding__cmp(const void *pa, const void *pb)
{
	const cb_finding *a = *(const cb_finding *const *)pa;
	const cb_finding *b = *(const cb_finding *const *)pb;
	int c = strcmp(a->ref ? a->ref : "", b->ref ? b->ref : "");
	if (!c)
		c = strcmp(a->code, b->code);
	if (!c)
		c = strcmp(a->message, b->message);
	return c;
}
