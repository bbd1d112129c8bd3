/*
 * ims_medsec: the allowed e2ae suites shared by every process, so that
 * they can be changed at run time (RPC ims_medsec.suites_set).
 *
 * The list lives in shared memory with a generation counter, both changed
 * under a lock.  Each process keeps its own medsec_policy (the SIP hot
 * path reads only that) and copies the shared list into it at the start
 * of an offer when the generation moved: one integer compare when nothing
 * changed, no allocation.  The other policy fields (allow_weak, allow_mki,
 * allow_lifetime, allow_kdr) are module parameters and stay per process.
 */
#ifndef MEDSEC_POLICY_SHM_H
#define MEDSEC_POLICY_SHM_H

#include "medsec_policy.h"

/* Publish the start-up suites of p as generation 1; mod_init. */
int medsec_policy_shm_init(const medsec_policy_t *p);
void medsec_policy_shm_destroy(void);

/* Replace the shared suites with those of p (already validated by
 * medsec_policy_set_suites()); returns the new generation, or 0 when the
 * shared list does not exist. */
unsigned int medsec_policy_shm_set(const medsec_policy_t *p);

/* Copy the shared suites into p (its other fields untouched); returns
 * their generation, or 0 when the shared list does not exist. */
unsigned int medsec_policy_shm_get(medsec_policy_t *p);

/* The hot path: bring this process's p up to the shared generation. */
void medsec_policy_shm_sync(medsec_policy_t *p);

#endif
