/*
 * Golden pairs: every golden/<sub>/NAME.in (one input, a trailing newline
 * is not part of it) is run through a summary function and the result must
 * equal golden/<sub>/NAME.out (its trailing newline ignored).  The input
 * sits right before a guard page.  MEDSEC_GOLDEN_DIR (environment, else the
 * build-time path) locates golden/; MEDSEC_GOLDEN_UPDATE=1 rewrites the
 * *.out files instead of comparing.
 */
#ifndef MEDSEC_TEST_GOLDEN_H
#define MEDSEC_TEST_GOLDEN_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

#ifndef MEDSEC_GOLDEN_DIR
#define MEDSEC_GOLDEN_DIR "golden"
#endif

#define GOLDEN_MAX_FILES 1024
#define GOLDEN_MAX_SIZE 65536

/* Writes a NUL-terminated summary of in[0..len) into out[0..cap). */
typedef void (*golden_fn)(const char *in, size_t len, char *out, size_t cap);

static int golden_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path into buf; returns the length or -1. */
static long golden_read(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if(f == NULL)
		return -1;
	n = fread(buf, 1, cap, f);
	if(ferror(f) || !feof(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return (long)n;
}

static size_t golden_chomp(const char *buf, size_t n)
{
	if(n > 0 && buf[n - 1] == '\n') {
		n--;
		if(n > 0 && buf[n - 1] == '\r')
			n--;
	}
	return n;
}

/* Runs every pair in <dir>/<sub>; returns the number of mismatches and
 * sets *count to the number of pairs. */
static int golden_run(const char *sub, golden_fn fn, unsigned *count)
{
	const char *dir = getenv("MEDSEC_GOLDEN_DIR");
	int update = getenv("MEDSEC_GOLDEN_UPDATE") != NULL;
	static char *names[GOLDEN_MAX_FILES];
	static char in[GOLDEN_MAX_SIZE], exp[GOLDEN_MAX_SIZE], got[GOLDEN_MAX_SIZE];
	char path[4096];
	unsigned n = 0, i;
	int failed = 0;
	struct dirent *de;
	guard g = {0};
	DIR *d;

	if(dir == NULL)
		dir = MEDSEC_GOLDEN_DIR;
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if(d == NULL) {
		fprintf(stderr, "golden: cannot open %s\n", path);
		*count = 0;
		return 1;
	}
	while((de = readdir(d)) != NULL && n < GOLDEN_MAX_FILES) {
		size_t l = strlen(de->d_name);
		if(l > 3 && strcmp(de->d_name + l - 3, ".in") == 0)
			names[n++] = strndup(de->d_name, l - 3);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), golden_cmp);

	for(i = 0; i < n; i++) {
		long il, el;
		size_t ilen;

		snprintf(path, sizeof(path), "%s/%s/%s.in", dir, sub, names[i]);
		il = golden_read(path, in, sizeof(in));
		if(il < 0) {
			fprintf(stderr, "golden: cannot read %s\n", path);
			failed++;
			continue;
		}
		ilen = golden_chomp(in, (size_t)il);
		guard_dup(&g, in, ilen);
		fn(g.p, ilen, got, sizeof(got));

		snprintf(path, sizeof(path), "%s/%s/%s.out", dir, sub, names[i]);
		if(update) {
			FILE *f = fopen(path, "wb");
			if(f == NULL || fprintf(f, "%s\n", got) < 0 || fclose(f) != 0) {
				fprintf(stderr, "golden: cannot write %s\n", path);
				failed++;
			}
			continue;
		}
		el = golden_read(path, exp, sizeof(exp) - 1);
		if(el < 0) {
			fprintf(stderr, "golden: cannot read %s\n", path);
			failed++;
			continue;
		}
		exp[golden_chomp(exp, (size_t)el)] = '\0';
		if(strcmp(exp, got) != 0) {
			fprintf(stderr,
					"golden: %s/%s mismatch\n  expected: %s\n  got:      %s\n",
					sub, names[i], exp, got);
			failed++;
		}
	}
	for(i = 0; i < n; i++)
		free(names[i]);
	guard_free(&g);
	*count = n;
	return failed;
}

#endif
