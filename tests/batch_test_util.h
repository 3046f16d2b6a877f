/*
 * batch_test_util.h — what the batch tests (test_batch.c, test_batch_crash.c) share: scratch
 * directories, files, copying a database, comparing exported directories byte for byte,
 * reading a database with plain SQL (independently of the library), and running the built
 * `carebill` command in a child process. Test code only: failures return -1 or NULL, and the
 * tests assert on them. Include it first, in a file compiled with _DEFAULT_SOURCE and _XOPEN_SOURCE 700 (wait4,
 * nftw, mkdtemp).
 */
#ifndef CB_BATCH_TEST_UTIL_H
#define CB_BATCH_TEST_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cb_test.h"

/* A new scratch directory (out: PATH_MAX bytes). */
static inline int bt_tmpdir(char *out, size_t cap)
{
	const char *base = getenv("TMPDIR");
	snprintf(out, cap, "%s/carebill-batch-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(out) ? 0 : -1;
}

static inline int bt_rm_one(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb, (void)type, (void)f;
	return remove(path);
}

static inline void bt_rmrf(const char *path)
{
	nftw(path, bt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int bt_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int ok = fwrite(text, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}


static inline int bt_copy(const char *from, const char *to)
{
	size_t len;
	char *data = cb_test_slurp(from, &len);
	FILE *f = data ? fopen(to, "wb") : NULL;
	int ok = f && fwrite(data, 1, len, f) == len;
	ok = f && fclose(f) == 0 && ok;
	free(data);
	return ok ? 0 : -1;
}

static inline int bt_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the files in dir (free each and the array); *n counts them. */
static inline char **bt_list(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	if (!d)
		return NULL;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **w = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
			if (!w)
				break;
			v = w;
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, bt_name_cmp);
	return v;
}

static inline void bt_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Whether file `name` has the same bytes in dirs a and b. */
static inline int bt_same_file(const char *a, const char *b, const char *name)
{
	char pa[4096], pb[4096];
	snprintf(pa, sizeof pa, "%s/%s", a, name);
	snprintf(pb, sizeof pb, "%s/%s", b, name);
	size_t la = 0, lb = 0;
	char *x = cb_test_slurp(pa, &la), *y = cb_test_slurp(pb, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

/* 1 when dirs a and b hold the same file names with the same bytes; else 0, with the first
 * difference in why. */
static inline int bt_dirs_equal(const char *a, const char *b, char *why, size_t cap)
{
	size_t na, nb;
	char **la = bt_list(a, &na), **lb = bt_list(b, &nb);
	int same = na == nb;
	snprintf(why, cap, "%zu files against %zu", na, nb);
	for (size_t i = 0; same && i < na; i++) {
		if (strcmp(la[i], lb[i]) != 0 || !bt_same_file(a, b, la[i])) {
			snprintf(why, cap, "%s differs", la[i]);
			same = 0;
		}
	}
	bt_list_free(la, na);
	bt_list_free(lb, nb);
	return same;
}

/* The first column of the first row of `query` on the database at path, -1 on failure. */
static inline long long bt_sql_int(const char *path, const char *query)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, query, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

typedef struct bt_text {
	char *p;
	size_t n, cap;
} bt_text;

static inline void bt_text_add(bt_text *t, const char *s)
{
	size_t len = strlen(s);
	if (t->n + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->n + len + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (!p)
			return;
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->n, s, len + 1);
	t->n += len;
}

static inline int bt_dump_row(void *ud, int n, char **vals, char **names)
{
	(void)names;
	for (int i = 0; i < n; i++) {
		bt_text_add(ud, vals[i] ? vals[i] : "NULL");
		bt_text_add(ud, i + 1 < n ? "|" : "\n");
	}
	return 0;
}

/* Every row of the given tables, in a fixed order (free the text); NULL on failure. */
static inline char *bt_dump(const char *path, const char *const *tables)
{
	sqlite3 *db = NULL;
	bt_text t = {0};
	int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
	for (size_t i = 0; ok && tables[i]; i++) {
		char q[256];
		snprintf(q, sizeof q, "SELECT * FROM %s ORDER BY 1, 2, 3", tables[i]);
		bt_text_add(&t, tables[i]);
		bt_text_add(&t, ":\n");
		ok = sqlite3_exec(db, q, bt_dump_row, &t, NULL) == SQLITE_OK;
	}
	sqlite3_close(db);
	if (!ok) {
		free(t.p);
		return NULL;
	}
	return t.p ? t.p : strdup("");
}

/* Start argv[0] with stdout and stderr to `out` (NULL: /dev/null); the child's pid. */
static inline pid_t bt_spawn(char *const argv[], const char *out)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Wait for pid: its exit status, or -signal when a signal ended it. */
static inline int bt_wait(pid_t pid, struct rusage *ru)
{
	int status = 0;
	if (wait4(pid, &status, 0, ru) != pid)
		return -1000;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static inline int bt_run(char *const argv[], const char *out)
{
	pid_t pid = bt_spawn(argv, out);
	return pid > 0 ? bt_wait(pid, NULL) : -1000;
}

#endif
