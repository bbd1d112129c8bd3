# bench/regtable: the module's registration table (medsec_ht.c) compiled
# with Kamailio's own build flags (Makefile.defs, as for the module), so
# that its locks, hash and structures are the module's.
#
#   make -f regtable.mk COREPATH=<kamailio>/src O=<build dir>

COREPATH ?= ../.deps/kamailio/src
O ?= ../build
MODDIR := ../modules/ims_medsec

include $(COREPATH)/Makefile.defs

$(O)/bench/regtable: regtable.c $(MODDIR)/medsec_ht.c $(MODDIR)/medsec_ht.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(C_DEFS) $(DEFS) -DNO_DEBUG -DNO_LOG -DMOD_NAME='"regtable"' \
		-I$(COREPATH) -I$(MODDIR) -o $@ regtable.c $(MODDIR)/medsec_ht.c
