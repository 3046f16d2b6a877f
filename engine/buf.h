/*
 * buf.h — a growing text buffer with XML escaping, shared by the claim writer and the batch
 * (which writes each patient's case document). Out of memory is sticky (oom); the text is
 * always NUL-terminated.
 */
#ifndef CB_BUF_H
#define CB_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct cb_buf {
	char *p;
	size_t n, cap;
	int oom;
} cb_buf;

/* Bytes an attribute value cannot hold as they are: & < > " and the control characters, and
 * NUL (a text's end), so that a scan for them stops at the end too. */
extern const unsigned char cb_buf_special[256];

void cb_buf__grow_put(cb_buf *w, const char *s, size_t len);
char *cb_buf__grow(cb_buf *w, size_t need);

/* Where the next `need` bytes go (room for them and the NUL after them); NULL when out of
 * memory. The writer then fills them and calls cb_buf_done with its end. */
static inline char *cb_buf_room(cb_buf *w, size_t need)
{
	if (w->n + need + 1 <= w->cap)
		return w->p + w->n;
	return cb_buf__grow(w, need);
}

/* The bytes up to `end` (written after cb_buf_room) are the buffer's text. */
static inline void cb_buf_done(cb_buf *w, char *end)
{
	*end = '\0';
	w->n = (size_t)(end - w->p);
}

/* Append len bytes (the common case inline: they fit). */
static inline void cb_buf_put(cb_buf *w, const char *s, size_t len)
{
	if (w->n + len + 1 <= w->cap) {
		memcpy(w->p + w->n, s, len);
		w->n += len;
		w->p[w->n] = '\0';
	} else {
		cb_buf__grow_put(w, s, len);
	}
}
/* Inline, so that a literal's length is known when compiling. */
static inline void cb_buf_puts(cb_buf *w, const char *s)
{
	cb_buf_put(w, s, strlen(s));
}
/* `s` escaped for an attribute value (attr=1: & < > " and every control character as a
 * character reference, so that parsing gives back exactly the same characters) or for text
 * content (attr=0: & < > and control characters other than tab and newline). */
void cb_buf_escape(cb_buf *w, const char *s, int attr);

#endif
