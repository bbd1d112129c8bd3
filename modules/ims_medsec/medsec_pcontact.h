/*
 * ims_medsec: registrations end with ims_usrloc_pcscf's contacts (when that
 * module is loaded; load it before ims_medsec).
 */
#ifndef MEDSEC_PCONTACT_H
#define MEDSEC_PCONTACT_H

/* mod_init: bind to ims_usrloc_pcscf if it is loaded (0 when it is not). */
int medsec_pcontact_init(void);
/* child_init: registers the callbacks once, at PROC_INIT. */
int medsec_pcontact_child_init(int rank);

#endif
