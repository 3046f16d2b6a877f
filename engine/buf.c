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

const unsigned char cb_buf_special[256] = {
	[0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1, [9] = 1,
	[10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1, [15] = 1, [16] = 1, [17] = 1, [18] = 1,
	[19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1, [24] = 1, [25] = 1, [26] = 1, [27] = 1,
	[28] = 1, [29] = 1, [30] = 1, [31] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1};

void cb_buf_escape(cb_buf *w, const char *s, int attr)
{
	const char *run = s;
	for (;; s++) {
		while (!cb_buf_special[(unsigned char)*s])
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
