/*
 * ims_medsec: a shared-memory hash table with one lock per slot (the shape
 * of dispatcher's ds_ht), keyed by a string, holding a fixed-size value and
 * an expiry time.  Used for calls (Call-ID -> AGW node and e2ae state) and
 * for registrations (contact -> e2ae capability).
 */
#ifndef MEDSEC_HT_H
#define MEDSEC_HT_H

#include "core/str.h"

typedef struct medsec_ht medsec_ht_t;

/* A table of at least size slots (rounded up to a power of two) holding
 * values of value_size bytes.  NULL on failure (logged). */
medsec_ht_t *medsec_ht_new(unsigned int size, unsigned int value_size);
void medsec_ht_free(medsec_ht_t *ht);

/* Insert or replace; the entry expires ttl seconds from now. */
int medsec_ht_set(medsec_ht_t *ht, const str *key, const void *value, int ttl);
/* Like medsec_ht_set, but an existing value is combined with the new one
 * by merge(stored, value, param) under the slot's lock (read-modify-write
 * of values that other processes may change meanwhile).  Returns 1 when
 * it merged into an existing entry, 0 when it inserted, -1 on error. */
typedef void (*medsec_ht_merge_f)(void *stored, const void *value, void *param);
int medsec_ht_merge(medsec_ht_t *ht, const str *key, const void *value, int ttl,
		medsec_ht_merge_f merge, void *param);
/* Copy a live entry's value to value (when not NULL); refresh its expiry
 * when refresh_ttl > 0.  0 when found, -1 otherwise. */
int medsec_ht_get(
		medsec_ht_t *ht, const str *key, void *value, int refresh_ttl);
/* Remove; 0 when it was there and live, 1 when it was there but expired
 * (not purged yet), -1 when it was not there. */
int medsec_ht_del(medsec_ht_t *ht, const str *key);
/* Drop expired entries; returns how many. */
unsigned int medsec_ht_expire(medsec_ht_t *ht);
unsigned int medsec_ht_count(const medsec_ht_t *ht);

/* Called for each live entry with its slot locked: copy what is needed and
 * return at once (no I/O, no other table call).  ttl: seconds left.  A
 * non-zero return stops the walk. */
typedef int (*medsec_ht_walk_f)(
		const str *key, const void *value, int ttl, void *param);
/* Visit every live entry, one slot (locked) at a time; returns how many
 * were visited. */
unsigned int medsec_ht_walk(medsec_ht_t *ht, medsec_ht_walk_f f, void *param);
/* medsec_ht_expire, calling f (ttl 0; its return value is ignored) for
 * each entry it drops, with the slot locked: copy what is needed, do not
 * block. */
unsigned int medsec_ht_expire_f(
		medsec_ht_t *ht, medsec_ht_walk_f f, void *param);

#endif
