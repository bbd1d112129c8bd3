/*
 * regtable: the registration table's cost per entry and per lookup at
 * several sizes (make bench, item 4).
 *
 * Links the module's own table, modules/ims_medsec/medsec_ht.c, compiled
 * against Kamailio's headers exactly like the module (same defines, its
 * futex locks, its hash function); only the shared-memory allocator is
 * this program's: _shm_root forwards to malloc and counts the bytes asked
 * for.  Kamailio's allocator overhead per chunk is measured by the bench
 * on a real Kamailio (kamcmd core.shmmem).
 *
 * The table is built the way medsec_reg.c builds it: registration_table_size
 * slots (module default 4096, rounded to a power of two), a 4-byte value
 * (medsec_reg_val_t), keys "host:port" of contacts ("10.x.y.z:5060").
 *
 * Usage: regtable [-s SLOTS] [-q] N...
 * For each N: one line
 *   n=N slots=S bytes_per_entry=B lookup_ns=T lookup_ns_min=T chain=C
 * bytes_per_entry: requested bytes of the entries (allocator overhead not
 * included); lookup_ns: mean time of medsec_ht_get() on a present key
 * (keys in random order, best of 5 rounds of 200,000 lookups); chain: mean
 * entries per slot.  -q: one round of 20,000 lookups (for a run under
 * callgrind --toggle-collect=medsec_ht_get: instructions per lookup).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem/shm.h"

#include "medsec_ht.h"

#define LOOKUPS_MAX 200000
#define KEY_MAX 24

sr_shm_api_t _shm_root;

typedef struct mem_count
{
	size_t bytes;
	size_t chunks;
} mem_count_t;

static void *count_malloc(void *mbp, size_t size, const char *file,
		const char *func, unsigned int line, const char *mname)
{
	mem_count_t *mc = mbp;

	(void)file;
	(void)func;
	(void)line;
	(void)mname;
	mc->bytes += size;
	mc->chunks++;
	return malloc(size);
}

static void count_free(void *mbp, void *p, const char *file, const char *func,
		unsigned int line, const char *mname)
{
	(void)mbp;
	(void)file;
	(void)func;
	(void)line;
	(void)mname;
	free(p);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* the i-th contact key, as medsec_reg.c's uri_key() writes it */
static int contact_key(unsigned i, char *buf)
{
	return snprintf(buf, KEY_MAX, "10.%u.%u.%u:5060", (i / 62500) % 250 + 1,
			(i / 250) % 250 + 1, i % 250 + 1);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

typedef struct run_conf
{
	unsigned slots;
	unsigned rounds;
	unsigned lookups;
} run_conf_t;

static int run(unsigned n, const run_conf_t *rc, mem_count_t *mc)
{
	medsec_ht_t *ht;
	char(*keys)[KEY_MAX];
	unsigned *order, i, r, found = 0;
	size_t table_bytes;
	uint64_t seed = 0x9e3779b97f4a7c15ULL, t0, best = UINT64_MAX, sum = 0;
	int val = 1, out;
	str k;

	keys = malloc((size_t)n * KEY_MAX);
	order = malloc(LOOKUPS_MAX * sizeof(*order));
	if(keys == NULL || order == NULL)
		return -1;
	mc->bytes = mc->chunks = 0;
	ht = medsec_ht_new(rc->slots, sizeof(val));
	if(ht == NULL)
		return -1;
	table_bytes = mc->bytes;
	mc->bytes = mc->chunks = 0;
	for(i = 0; i < n; i++) {
		k.s = keys[i];
		k.len = contact_key(i, keys[i]);
		if(medsec_ht_set(ht, &k, &val, 3600) < 0)
			return -1;
	}
	for(i = 0; i < rc->lookups; i++)
		order[i] = (unsigned)(xorshift(&seed) % n);
	for(r = 0; r < rc->rounds; r++) {
		t0 = now_ns();
		for(i = 0; i < rc->lookups; i++) {
			k.s = keys[order[i]];
			k.len = (int)strlen(k.s);
			found += medsec_ht_get(ht, &k, &out, 0) == 0;
		}
		t0 = now_ns() - t0;
		sum += t0;
		if(t0 < best)
			best = t0;
	}
	if(found != rc->rounds * rc->lookups) {
		fprintf(stderr, "regtable: %u of %u lookups found their key\n", found,
				rc->rounds * rc->lookups);
		return -1;
	}
	printf("n=%u slots=%u bytes_per_entry=%.1f table_bytes=%zu lookup_ns=%.1f "
		   "lookup_ns_min=%.1f chain=%.2f\n",
			n, rc->slots, (double)mc->bytes / n, table_bytes,
			(double)sum / rc->rounds / rc->lookups, (double)best / rc->lookups,
			(double)n / rc->slots);
	medsec_ht_free(ht);
	free(keys);
	free(order);
	return 0;
}

int main(int argc, char **argv)
{
	mem_count_t mc = {0, 0};
	run_conf_t rc = {4096, 5, LOOKUPS_MAX};
	unsigned s;
	int i = 1;

	for(; i < argc && argv[i][0] == '-'; i++) {
		if(strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			rc.slots = (unsigned)atoi(argv[++i]);
		else if(strcmp(argv[i], "-q") == 0) {
			rc.rounds = 1;
			rc.lookups = 20000;
		} else
			break;
	}
	if(i >= argc || rc.slots == 0) {
		fprintf(stderr, "usage: regtable [-s SLOTS] [-q] N...\n");
		return 1;
	}
	/* the table rounds its size up to a power of two (at most 2^20) */
	for(s = 16; s < rc.slots && s < (1U << 20); s <<= 1)
		;
	rc.slots = s;
	_shm_root.mem_block = &mc;
	_shm_root.xmalloc = count_malloc;
	_shm_root.xfree = count_free;
	for(; i < argc; i++)
		if(run((unsigned)atoi(argv[i]), &rc, &mc) < 0)
			return 1;
	return 0;
}
