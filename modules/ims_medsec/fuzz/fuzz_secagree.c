/*
 * libFuzzer harness for the Security-Client/Server/Verify parser
 * (medsec_secagree.c).
 *
 * Each input is one header value.  scan and strip must agree on what is
 * malformed; strip into a buffer exactly as large as the input must
 * succeed (the output never exceeds the input); nothing removed means an
 * exact copy; a MEDSEC_SA_MEDIASEC value always loses an entry; the
 * stripped value is valid, has no MEDSEC_SA_MEDIASEC and no flag the input
 * lacked, and stripping it again removes nothing; one byte less of room
 * fails without writing.  medsec_secagree_has agrees with scan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec_secagree.h"

#define CHECK(x)              \
	do {                      \
		if(!(x))              \
			__builtin_trap(); \
	} while(0)

#define ALL_FLAGS \
	(MEDSEC_SA_MEDIASEC | MEDSEC_SA_IPSEC | MEDSEC_SA_IPSEC_ENC | MEDSEC_SA_TLS)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char *out, *again;
	size_t len = 7, len2 = 7;
	int f, f2, r, r2;

	f = medsec_secagree_scan(buf, size);
	CHECK(f == -1 || (f >= 0 && (f & ~ALL_FLAGS) == 0));
	if(f > 0 && (f & MEDSEC_SA_IPSEC_ENC))
		CHECK(f & MEDSEC_SA_IPSEC);
	if(size > MEDSEC_SECAGREE_MAX_LEN || size == 0)
		CHECK(f == -1);

	/* medsec_secagree_has agrees with scan on validity and on the two
	 * capabilities scan reports */
	CHECK((medsec_secagree_has(buf, size, "sdes-srtp", "mediasec") < 0)
			== (f < 0));
	if(f >= 0) {
		CHECK(medsec_secagree_has(buf, size, "sdes-srtp", "mediasec")
				== ((f & MEDSEC_SA_MEDIASEC) != 0));
		CHECK(medsec_secagree_has(buf, size, "ipsec-3gpp", NULL)
				== ((f & MEDSEC_SA_IPSEC) != 0));
		CHECK(medsec_secagree_has(buf, size, "tls", "")
				== ((f & MEDSEC_SA_TLS) != 0));
	}

	/* exactly size bytes of room: ASan catches any byte written past it */
	out = malloc(size ? size : 1);
	CHECK(out != NULL);
	r = medsec_secagree_strip_mediasec(buf, size, out, size, &len);
	CHECK((r < 0) == (f < 0));
	if(r < 0) {
		CHECK(len == 0);
		free(out);
		return 0;
	}
	CHECK(len <= size);
	CHECK(r <= MEDSEC_SECAGREE_MAX_MECHS);
	if(r == 0)
		CHECK(len == size && memcmp(out, buf, size) == 0);
	if(f & MEDSEC_SA_MEDIASEC)
		CHECK(r > 0);

	if(len > 0) {
		f2 = medsec_secagree_scan(out, len);
		CHECK(f2 >= 0);
		CHECK((f2 & MEDSEC_SA_MEDIASEC) == 0);
		CHECK((f2 & ~f) == 0);
		again = malloc(len);
		CHECK(again != NULL);
		r2 = medsec_secagree_strip_mediasec(out, len, again, len, &len2);
		CHECK(r2 == 0 && len2 == len && memcmp(again, out, len) == 0);
		/* one byte less of room fails */
		r2 = medsec_secagree_strip_mediasec(buf, size, again, len - 1, &len2);
		CHECK(r2 == -1 && len2 == 0);
		free(again);
	} else {
		CHECK(r > 0); /* every entry was removed */
	}
	free(out);
	return 0;
}
