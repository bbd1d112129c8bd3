/*
 * ims_medsec: the shared-memory call table (Call-ID -> rtpengine node).
 * A hash table with one lock per slot, in the shape of dispatcher's ds_ht.
 */
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "medsec_session.h"

/* seconds a call may stay unused before the timer forgets it */
int medsec_session_timeout = 7200;

typedef struct medsec_session
{
	struct medsec_session *next;
	unsigned int hash;
	int node;
	time_t expires;
	str callid; /* stored right after the struct */
} medsec_session_t;

typedef struct medsec_slot
{
	medsec_session_t *first;
	unsigned int count;
} medsec_slot_t;

static medsec_slot_t *_medsec_slots = NULL;
static gen_lock_set_t *_medsec_locks = NULL;
static unsigned int _medsec_size = 0;

int medsec_session_init(unsigned int size)
{
	unsigned int s = 16;

	while(s < size && s < (1U << 20))
		s <<= 1;
	_medsec_slots = shm_malloc(s * sizeof(medsec_slot_t));
	if(_medsec_slots == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(_medsec_slots, 0, s * sizeof(medsec_slot_t));
	_medsec_locks = lock_set_alloc(s);
	if(_medsec_locks == NULL || lock_set_init(_medsec_locks) == NULL) {
		LM_ERR("cannot create %u session locks\n", s);
		if(_medsec_locks)
			lock_set_dealloc(_medsec_locks);
		_medsec_locks = NULL;
		shm_free(_medsec_slots);
		_medsec_slots = NULL;
		return -1;
	}
	_medsec_size = s;
	return 0;
}

void medsec_session_destroy(void)
{
	unsigned int i;
	medsec_session_t *e, *n;

	if(_medsec_slots == NULL)
		return;
	for(i = 0; i < _medsec_size; i++) {
		for(e = _medsec_slots[i].first; e; e = n) {
			n = e->next;
			shm_free(e);
		}
	}
	shm_free(_medsec_slots);
	_medsec_slots = NULL;
	if(_medsec_locks) {
		lock_set_destroy(_medsec_locks);
		lock_set_dealloc(_medsec_locks);
		_medsec_locks = NULL;
	}
}

static medsec_session_t *slot_find(
		medsec_slot_t *slot, unsigned int hash, const str *callid)
{
	medsec_session_t *e;

	for(e = slot->first; e; e = e->next)
		if(e->hash == hash && e->callid.len == callid->len
				&& memcmp(e->callid.s, callid->s, callid->len) == 0)
			return e;
	return NULL;
}

int medsec_session_set(const str *callid, int node)
{
	unsigned int hash = get_hash1_raw(callid->s, callid->len);
	unsigned int idx = hash & (_medsec_size - 1);
	medsec_session_t *e;

	lock_set_get(_medsec_locks, idx);
	e = slot_find(&_medsec_slots[idx], hash, callid);
	if(e == NULL) {
		e = shm_malloc(sizeof(*e) + callid->len);
		if(e == NULL) {
			lock_set_release(_medsec_locks, idx);
			SHM_MEM_ERROR;
			return -1;
		}
		e->hash = hash;
		e->callid.s = (char *)(e + 1);
		e->callid.len = callid->len;
		memcpy(e->callid.s, callid->s, callid->len);
		e->next = _medsec_slots[idx].first;
		_medsec_slots[idx].first = e;
		_medsec_slots[idx].count++;
	}
	e->node = node;
	e->expires = time(NULL) + medsec_session_timeout;
	lock_set_release(_medsec_locks, idx);
	return 0;
}

int medsec_session_node(const str *callid)
{
	unsigned int hash = get_hash1_raw(callid->s, callid->len);
	unsigned int idx = hash & (_medsec_size - 1);
	medsec_session_t *e;
	int node = -1;

	lock_set_get(_medsec_locks, idx);
	e = slot_find(&_medsec_slots[idx], hash, callid);
	if(e != NULL) {
		node = e->node;
		e->expires = time(NULL) + medsec_session_timeout;
	}
	lock_set_release(_medsec_locks, idx);
	return node;
}

int medsec_session_del(const str *callid)
{
	unsigned int hash = get_hash1_raw(callid->s, callid->len);
	unsigned int idx = hash & (_medsec_size - 1);
	medsec_session_t **pe, *e;
	int ret = -1;

	lock_set_get(_medsec_locks, idx);
	for(pe = &_medsec_slots[idx].first; (e = *pe) != NULL; pe = &e->next) {
		if(e->hash == hash && e->callid.len == callid->len
				&& memcmp(e->callid.s, callid->s, callid->len) == 0) {
			*pe = e->next;
			_medsec_slots[idx].count--;
			shm_free(e);
			ret = 0;
			break;
		}
	}
	lock_set_release(_medsec_locks, idx);
	return ret;
}

unsigned int medsec_session_count(void)
{
	unsigned int i, n = 0;

	for(i = 0; i < _medsec_size; i++)
		n += _medsec_slots[i].count;
	return n;
}

void medsec_session_expire(unsigned int ticks, void *param)
{
	time_t now = time(NULL);
	unsigned int i, dropped = 0;
	medsec_session_t **pe, *e;

	for(i = 0; i < _medsec_size; i++) {
		lock_set_get(_medsec_locks, i);
		pe = &_medsec_slots[i].first;
		while((e = *pe) != NULL) {
			if(e->expires <= now) {
				*pe = e->next;
				_medsec_slots[i].count--;
				shm_free(e);
				dropped++;
			} else {
				pe = &e->next;
			}
		}
		lock_set_release(_medsec_locks, i);
	}
	if(dropped)
		LM_INFO("forgot %u calls unused for %d s\n", dropped,
				medsec_session_timeout);
}
