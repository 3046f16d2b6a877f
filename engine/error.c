/*
 * error.c — result-code strings and the per-thread last-error message. The message buffer is
 * thread-local and fixed-size (long lists are cut with a marker), so it needs no freeing.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "carebill.h"

#define MSG_CAP 16384

static _Thread_local char last_msg[MSG_CAP];

int cb__error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(last_msg, sizeof last_msg, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof last_msg)
		memcpy(last_msg + sizeof last_msg - 16, "\n... (cut)", 11);
	return code;
}

void cb__error_clear(void)
{
	last_msg[0] = '\0';
}

CB_EXTERN const char *cb_error_last(void)
{
	return last_msg;
}

/* A switch without default: a new code without a message is a compiler warning. */
CB_EXTERN const char *cb_strerror(int code)
{
	switch ((cb_error_code)code) {
	case CB_OK:
		return "success";
	case CB_ENOMEM:
		return "out of memory";
	case CB_EINVAL:
		return "invalid argument";
	case CB_EIO:
		return "file could not be read or written";
	case CB_ERULESET:
		return "rule set refused";
	case CB_ELIMIT:
		return "resource limit exceeded";
	}
	return "unknown error code";
}

CB_EXTERN const char *cb_version(void)
{
	return CB_VERSION_STRING;
}
