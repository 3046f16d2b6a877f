/*
 * replay.c — runs a fuzz target without libFuzzer: every regular file under the paths given
 * on the command line (directories are walked recursively, README files skipped) is fed once
 * to the target's LLVMFuzzerTestOneInput. Built for each target by tests/CMakeLists.txt as a
 * normal ctest test, so every crash input kept in tests/fuzz/regressions/<target>/ is replayed
 * by the ordinary and the sanitizer builds. A target signals a broken property with a trap,
 * which fails the test; a missing path counts as no inputs.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t replayed;

static int feed(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return 1;
	}
	size_t cap = 4096, n = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *more = realloc(buf, cap *= 2);
			if (!more)
				free(buf);
			buf = more;
		}
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "replay: out of memory reading %s\n", path);
		return 1;
	}
	/* an exact-size copy, so ASan sees any read past the input as libFuzzer would */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return 1;
	}
	memcpy(exact, buf, n);
	free(buf);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	replayed++;
	return 0;
}

static int walk(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (S_ISREG(st.st_mode))
		return feed(path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (name[0] != '.' && strncmp(name, "README", 6) != 0) {
			size_t len = strlen(path) + strlen(name) + 2;
			char *child = malloc(len);
			if (child) {
				snprintf(child, len, "%s/%s", path, name);
				failed |= walk(child);
				free(child);
			}
		}
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++)
		failed |= walk(argv[i]);
	printf("replay: %zu input(s) replayed\n", replayed);
	return failed;
}
