/*
 * ims_medsec: the registration lifetime of ims_usrloc_pcscf.
 *
 * When ims_usrloc_pcscf is loaded, every P-CSCF contact it creates gets a
 * callback of ours for its end (deleted: de-registration, reg-event
 * "terminated", or expired): the contact's media security capabilities
 * end with it.  Without ims_usrloc_pcscf the expiry granted in the 200
 * (medsec_reg.c) is the only lifetime.  Why the capability is kept in our
 * table and not in the pcontact: docs/architecture.md, "Registrations".
 */
#include "core/dprint.h"
#include "core/sr_module.h"
#include "modules/ims_usrloc_pcscf/usrloc.h"

#include "medsec_pcontact.h"
#include "medsec_reg.h"
#include "medsec_stats.h"

static usrloc_api_t _medsec_ul;
static int _medsec_ul_bound = 0;

static void pcontact_gone(struct pcontact *c, int type, void *param)
{
	/* A contact that never completed a registration (a pending one, or
	 * one made by a REGISTER that was never answered 200) ends nothing:
	 * another contact of the same host:port may hold the registration. */
	if(c->reg_state == PCONTACT_NOT_REGISTERED
			|| c->reg_state == PCONTACT_REG_PENDING
			|| c->reg_state == PCONTACT_REG_PENDING_AAR)
		return;
	/* c->aor is the contact URI: the same key as medsec_reg.c's */
	if(medsec_reg_forget(&c->aor) < 0)
		return;
	medsec_stats_inc(MEDSEC_ST_REG_ENDED);
	LM_INFO("media security capability of %.*s:%u ended with its P-CSCF"
			" contact (%s)\n",
			c->contact_host.len, c->contact_host.s, c->contact_port,
			type == PCSCF_CONTACT_EXPIRE ? "expired" : "deleted");
}

static void pcontact_new(struct pcontact *c, int type, void *param)
{
	/* param NULL: ims_ipsec_pcscf's delete_ulcb() never removes it */
	if(_medsec_ul.register_ulcb(c, PCSCF_CONTACT_DELETE | PCSCF_CONTACT_EXPIRE,
			   pcontact_gone, NULL)
			!= 1)
		LM_ERR("cannot follow the end of P-CSCF contact %.*s\n", c->aor.len,
				c->aor.s);
}

int medsec_pcontact_init(void)
{
	bind_usrloc_t bind;

	bind = (bind_usrloc_t)find_export("ul_bind_ims_usrloc_pcscf", 1, 0);
	if(bind == NULL) {
		LM_INFO("ims_usrloc_pcscf not loaded: a registration's capability"
				" lasts the expiry granted in its 200\n");
		return 0;
	}
	if(bind(&_medsec_ul) < 0) {
		LM_ERR("cannot bind to ims_usrloc_pcscf\n");
		return -1;
	}
	_medsec_ul_bound = 1;
	return 0;
}

int medsec_pcontact_child_init(int rank)
{
	/* once, after every mod_init (ims_usrloc_pcscf's callback list exists
	 * from its own mod_init on), before any process handles SIP */
	if(rank != PROC_INIT || !_medsec_ul_bound)
		return 0;
	if(_medsec_ul.register_ulcb(NULL, PCSCF_CONTACT_INSERT, pcontact_new, NULL)
			!= 1) {
		LM_ERR("cannot register for ims_usrloc_pcscf's new contacts\n");
		return -1;
	}
	LM_INFO("registrations follow ims_usrloc_pcscf's contacts\n");
	return 0;
}
