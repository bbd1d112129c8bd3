/*
 * ims_medsec: the allowed e2ae suites in shared memory.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "medsec_policy_shm.h"

typedef struct medsec_policy_shared
{
	gen_lock_t lock;
	/* read without the lock by the hot path (one aligned word), written
	 * under the lock after the suites */
	volatile unsigned int gen;
	int nsuites;
	medsec_suite_t suites[MEDSEC_SUITE_COUNT];
} medsec_policy_shared_t;

static medsec_policy_shared_t *_medsec_pol_shm = NULL;
/* the generation this process's policy holds */
static unsigned int _medsec_pol_gen = 0;

int medsec_policy_shm_init(const medsec_policy_t *p)
{
	_medsec_pol_shm = shm_malloc(sizeof(*_medsec_pol_shm));
	if(_medsec_pol_shm == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(_medsec_pol_shm, 0, sizeof(*_medsec_pol_shm));
	if(lock_init(&_medsec_pol_shm->lock) == NULL) {
		LM_ERR("cannot initialise the suite policy lock\n");
		shm_free(_medsec_pol_shm);
		_medsec_pol_shm = NULL;
		return -1;
	}
	_medsec_pol_shm->nsuites = p->nsuites;
	memcpy(_medsec_pol_shm->suites, p->suites, sizeof(p->suites));
	_medsec_pol_shm->gen = 1;
	/* the processes forked from here start with this very list */
	_medsec_pol_gen = 1;
	return 0;
}

void medsec_policy_shm_destroy(void)
{
	if(_medsec_pol_shm == NULL)
		return;
	lock_destroy(&_medsec_pol_shm->lock);
	shm_free(_medsec_pol_shm);
	_medsec_pol_shm = NULL;
}

unsigned int medsec_policy_shm_set(const medsec_policy_t *p)
{
	unsigned int gen;

	if(_medsec_pol_shm == NULL)
		return 0;
	lock_get(&_medsec_pol_shm->lock);
	_medsec_pol_shm->nsuites = p->nsuites;
	memcpy(_medsec_pol_shm->suites, p->suites, sizeof(p->suites));
	gen = _medsec_pol_shm->gen + 1;
	if(gen == 0) /* 0 means "none" to the callers */
		gen = 1;
	_medsec_pol_shm->gen = gen;
	lock_release(&_medsec_pol_shm->lock);
	return gen;
}

unsigned int medsec_policy_shm_get(medsec_policy_t *p)
{
	unsigned int gen;

	if(_medsec_pol_shm == NULL)
		return 0;
	lock_get(&_medsec_pol_shm->lock);
	p->nsuites = _medsec_pol_shm->nsuites;
	memcpy(p->suites, _medsec_pol_shm->suites, sizeof(p->suites));
	gen = _medsec_pol_shm->gen;
	lock_release(&_medsec_pol_shm->lock);
	return gen;
}

void medsec_policy_shm_sync(medsec_policy_t *p)
{
	unsigned int gen;

	if(_medsec_pol_shm == NULL || _medsec_pol_shm->gen == _medsec_pol_gen)
		return;
	gen = medsec_policy_shm_get(p);
	LM_INFO("e2ae suite policy generation %u applied (was %u)\n", gen,
			_medsec_pol_gen);
	_medsec_pol_gen = gen;
}
