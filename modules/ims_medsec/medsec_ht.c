/*
 * ims_medsec: shared-memory hash table with a lock per slot.
 */
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "medsec_ht.h"

typedef struct medsec_ht_entry
{
	struct medsec_ht_entry *next;
	unsigned int hash;
	time_t expires;
	str key; /* stored after the value */
			 /* value follows, aligned */
} medsec_ht_entry_t;

typedef struct medsec_ht_slot
{
	medsec_ht_entry_t *first;
	unsigned int count;
} medsec_ht_slot_t;

struct medsec_ht
{
	unsigned int size;
	unsigned int value_size;   /* bytes copied in and out */
	unsigned int value_stride; /* value_size rounded up for alignment */
	medsec_ht_slot_t *slots;
	gen_lock_set_t *locks;
};

#define ENTRY_VALUE(e) ((void *)((e) + 1))

medsec_ht_t *medsec_ht_new(unsigned int size, unsigned int value_size)
{
	medsec_ht_t *ht;
	unsigned int s = 16;

	while(s < size && s < (1U << 20))
		s <<= 1;
	ht = shm_malloc(sizeof(*ht) + s * sizeof(medsec_ht_slot_t));
	if(ht == NULL) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(ht, 0, sizeof(*ht) + s * sizeof(medsec_ht_slot_t));
	ht->size = s;
	ht->value_size = value_size;
	ht->value_stride = (value_size + 7) & ~7U;
	ht->slots = (medsec_ht_slot_t *)(ht + 1);
	ht->locks = lock_set_alloc(s);
	if(ht->locks == NULL || lock_set_init(ht->locks) == NULL) {
		LM_ERR("cannot create %u locks\n", s);
		if(ht->locks)
			lock_set_dealloc(ht->locks);
		shm_free(ht);
		return NULL;
	}
	return ht;
}

void medsec_ht_free(medsec_ht_t *ht)
{
	unsigned int i;
	medsec_ht_entry_t *e, *n;

	if(ht == NULL)
		return;
	for(i = 0; i < ht->size; i++) {
		for(e = ht->slots[i].first; e; e = n) {
			n = e->next;
			shm_free(e);
		}
	}
	lock_set_destroy(ht->locks);
	lock_set_dealloc(ht->locks);
	shm_free(ht);
}

static medsec_ht_entry_t **find(
		medsec_ht_slot_t *slot, unsigned int hash, const str *key)
{
	medsec_ht_entry_t **pe;

	for(pe = &slot->first; *pe; pe = &(*pe)->next)
		if((*pe)->hash == hash && (*pe)->key.len == key->len
				&& memcmp((*pe)->key.s, key->s, key->len) == 0)
			return pe;
	return NULL;
}

static void unlink_entry(medsec_ht_slot_t *slot, medsec_ht_entry_t **pe)
{
	medsec_ht_entry_t *e = *pe;

	*pe = e->next;
	slot->count--;
	shm_free(e);
}

int medsec_ht_set(medsec_ht_t *ht, const str *key, const void *value, int ttl)
{
	return medsec_ht_merge(ht, key, value, ttl, NULL, NULL);
}

int medsec_ht_merge(medsec_ht_t *ht, const str *key, const void *value, int ttl,
		medsec_ht_merge_f merge, void *param)
{
	unsigned int hash = get_hash1_raw(key->s, key->len);
	unsigned int idx = hash & (ht->size - 1);
	medsec_ht_entry_t **pe, *e;

	lock_set_get(ht->locks, idx);
	pe = find(&ht->slots[idx], hash, key);
	if(pe == NULL) {
		e = shm_malloc(sizeof(*e) + ht->value_stride + key->len);
		if(e == NULL) {
			lock_set_release(ht->locks, idx);
			SHM_MEM_ERROR;
			return -1;
		}
		e->hash = hash;
		e->key.s = (char *)ENTRY_VALUE(e) + ht->value_stride;
		e->key.len = key->len;
		memcpy(e->key.s, key->s, key->len);
		e->next = ht->slots[idx].first;
		ht->slots[idx].first = e;
		ht->slots[idx].count++;
	} else if(merge != NULL) {
		e = *pe;
		merge(ENTRY_VALUE(e), value, param);
		e->expires = time(NULL) + ttl;
		lock_set_release(ht->locks, idx);
		return 1;
	} else {
		e = *pe;
	}
	memcpy(ENTRY_VALUE(e), value, ht->value_size);
	e->expires = time(NULL) + ttl;
	lock_set_release(ht->locks, idx);
	return 0;
}

int medsec_ht_get(medsec_ht_t *ht, const str *key, void *value, int refresh_ttl)
{
	unsigned int hash = get_hash1_raw(key->s, key->len);
	unsigned int idx = hash & (ht->size - 1);
	medsec_ht_entry_t **pe;
	time_t now = time(NULL);
	int ret = -1;

	lock_set_get(ht->locks, idx);
	pe = find(&ht->slots[idx], hash, key);
	if(pe != NULL && (*pe)->expires > now) {
		if(value)
			memcpy(value, ENTRY_VALUE(*pe), ht->value_size);
		if(refresh_ttl > 0)
			(*pe)->expires = now + refresh_ttl;
		ret = 0;
	}
	lock_set_release(ht->locks, idx);
	return ret;
}

int medsec_ht_del(medsec_ht_t *ht, const str *key)
{
	unsigned int hash = get_hash1_raw(key->s, key->len);
	unsigned int idx = hash & (ht->size - 1);
	medsec_ht_entry_t **pe;
	int ret = -1;

	lock_set_get(ht->locks, idx);
	pe = find(&ht->slots[idx], hash, key);
	if(pe != NULL) {
		ret = (*pe)->expires > time(NULL) ? 0 : 1;
		unlink_entry(&ht->slots[idx], pe);
	}
	lock_set_release(ht->locks, idx);
	return ret;
}

unsigned int medsec_ht_expire(medsec_ht_t *ht)
{
	return medsec_ht_expire_f(ht, NULL, NULL);
}

unsigned int medsec_ht_expire_f(
		medsec_ht_t *ht, medsec_ht_walk_f f, void *param)
{
	time_t now = time(NULL);
	unsigned int i, dropped = 0;
	medsec_ht_entry_t **pe;

	for(i = 0; i < ht->size; i++) {
		if(ht->slots[i].first == NULL)
			continue;
		lock_set_get(ht->locks, i);
		pe = &ht->slots[i].first;
		while(*pe != NULL) {
			if((*pe)->expires <= now) {
				if(f)
					f(&(*pe)->key, ENTRY_VALUE(*pe), 0, param);
				unlink_entry(&ht->slots[i], pe);
				dropped++;
			} else {
				pe = &(*pe)->next;
			}
		}
		lock_set_release(ht->locks, i);
	}
	return dropped;
}

unsigned int medsec_ht_count(const medsec_ht_t *ht)
{
	unsigned int i, n = 0;

	for(i = 0; i < ht->size; i++)
		n += ht->slots[i].count;
	return n;
}

unsigned int medsec_ht_walk(medsec_ht_t *ht, medsec_ht_walk_f f, void *param)
{
	time_t now = time(NULL);
	unsigned int i, n = 0;
	medsec_ht_entry_t *e;
	int stop = 0;

	for(i = 0; i < ht->size && !stop; i++) {
		if(ht->slots[i].first == NULL)
			continue;
		lock_set_get(ht->locks, i);
		for(e = ht->slots[i].first; e && !stop; e = e->next) {
			if(e->expires <= now)
				continue;
			n++;
			stop = f(&e->key, ENTRY_VALUE(e), (int)(e->expires - now), param);
		}
		lock_set_release(ht->locks, i);
	}
	return n;
}
