/*
 * Guard-page buffers for the parser tests (after picohttpparser's tests):
 * the bytes end right before a PROT_NONE page, so reading or writing one
 * byte past the end faults at once, with or without a sanitizer.
 */
#ifndef MEDSEC_TEST_GUARD_H
#define MEDSEC_TEST_GUARD_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct guard
{
	void *map;
	size_t maplen;
	char *p; /* len bytes, the last one right before the guard page */
	size_t len;
} guard;

/* Copy src (or zeros when src is NULL) into a fresh guarded buffer; any
 * previous buffer of g is released first. */
static char *guard_dup(guard *g, const void *src, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (len + pg - 1) / pg * pg;
	char *m;

	if(g->map != NULL)
		munmap(g->map, g->maplen);
	g->maplen = data + pg;
	m = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if(m == MAP_FAILED)
		abort();
	if(mprotect(m + data, pg, PROT_NONE) != 0)
		abort();
	g->map = m;
	g->p = m + data - len;
	g->len = len;
	if(src != NULL && len > 0)
		memcpy(g->p, src, len);
	return g->p;
}

static void guard_free(guard *g)
{
	if(g->map != NULL)
		munmap(g->map, g->maplen);
	memset(g, 0, sizeof(*g));
}

#endif
