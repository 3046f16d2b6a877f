/*
 * error.h — the thread-local detail message behind cb_error_last(). Each failing call sets
 * it; nothing here takes a lock or touches process-wide state.
 */
#ifndef CB_ERROR_H
#define CB_ERROR_H

/* Set the message and return `code` (so callers can `return cb__error(CB_EIO, ...)`). */
int cb__error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cb__error_clear(void);


#include <stddef.h>
/* Read a whole file into a new heap buffer (*buf, *len). CB_EIO, CB_ELIMIT when it is larger
 * than `limit` bytes, or CB_ENOMEM, with a message naming the file. */
int cb__read_file(const char *path, char **buf, size_t *len, size_t limit);

#endif
