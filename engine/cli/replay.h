/*
 * replay.h — fixture replay shared by `carebill replay` and the ctest fixture runner.
 */
#ifndef CB_REPLAY_H
#define CB_REPLAY_H

#include <stddef.h>
#include <stdio.h>

enum { CB_REPLAY_SAME = 0, CB_REPLAY_DIFFERS = 1, CB_REPLAY_ERROR = 2 };

/* The rule-set file that prices fixture `dir` (see replay.c); 0, or -1 if unknown. */
int cb_replay_rules_path(const char *root, const char *dir, char *out, size_t cap);

/* Replay one fixture directory; report to `out`. `update` rewrites expected.xml instead of
 * comparing. Returns CB_REPLAY_SAME, CB_REPLAY_DIFFERS or CB_REPLAY_ERROR. */
int cb_replay_fixture(const char *root, const char *dir, int update, FILE *out);

#endif
