/*
 * explain.h — the `carebill explain` command (issue 6).
 */
#ifndef CB_EXPLAIN_H
#define CB_EXPLAIN_H

/* Run `carebill explain ARGS`; returns the exit status, or -1 for a usage error. */
int cb_cli_explain(int argc, char **argv);

#endif
