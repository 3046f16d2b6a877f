/*
 * buf.c — the growing text buffer of buf.h. Plain runs are copied at once; only the bytes
 * that need escaping are looked at one by one.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cb_buf__grow(cb_buf *w, size_t need)
{
	if (w->oom)
		return NULL;
	if (w->n + need + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->n + need + 1)
			cap *= 2;
		char *p = realloc(w->p, cap);
		if (!p) {
			w->oom = 1;
			return NULL;
		}
		w->p = p;
		w->cap = cap;
	}
	return w->p + w->n;
}

void cb_buf__grow_put(cb_buf *w, const char *s, size_t len)
{
	char *o = cb_buf__grow(w, len);
	if (!o)
		return;
	memcpy(o, s, len);
	cb_buf_done(w, o + len);
}

/* Bytes that may need escaping: & < > " and control characters. */
static int special(unsigned char c)
{
	return c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"';
}

void cb_buf_escape(cb_buf *w, const char *s, int attr)
{
	const char *run = s;
	for (;; s++) {
		while (*s && !special((unsigned char)*s))
			s++;
		if (!*s)
			break;
		const char *rep = NULL;
		char num[8];
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (attr && c == '"')
			rep = "&quot;";
		else if (c < 0x20 && (attr || (c != '\n' && c != '\t'))) {
			snprintf(num, sizeof num, "&#%u;", c);
			rep = num;
		}
		if (rep) {
			cb_buf_put(w, run, (size_t)(s - run));
			cb_buf_puts(w, rep);
			run = s + 1;
		}
	}
	cb_buf_put(w, run, (size_t)(s - run));
}
