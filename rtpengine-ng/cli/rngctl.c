/*
 * rngctl: talk to an rtpengine node over the ng protocol, for operators
 * debugging a live AGW.  Prints replies readably, SDES keys masked unless -k.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtpengine-ng/rng.h"

#define BODY_MAX RNG_MAX_MSG

static int show_keys;

static void usage(FILE *f)
{
	fprintf(f,
			"usage: rngctl -n udp:HOST:PORT [-t MS] [-r N] [-k] COMMAND ...\n"
			"  ping\n"
			"  offer  CALL-ID FROM-TAG SDP-FILE [KEY=VALUE ...]\n"
			"  answer CALL-ID FROM-TAG TO-TAG SDP-FILE [KEY=VALUE ...]\n"
			"  delete CALL-ID FROM-TAG [TO-TAG] [KEY=VALUE ...]\n"
			"  query  CALL-ID [FROM-TAG]\n"
			"  list\n"
			"KEY=VALUE adds a string; KEY:=N an integer.  flags, replace, "
			"SDES,\n"
			"rtcp-mux, supports and OSRTP are lists: repeat the key to add "
			"items.\n"
			"SDP-FILE '-' reads standard input.  -k prints SDES keys (masked "
			"by\n"
			"default).  Exit status: 0 ok/pong, 1 error reply, 2 no reply or "
			"bad "
			"usage.\n");
}

static int is_list_key(const char *k, size_t len)
{
	static const char *lists[] = {
			"flags", "replace", "SDES", "rtcp-mux", "supports", "OSRTP"};
	size_t i;
	for(i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if(strlen(lists[i]) == len && memcmp(lists[i], k, len) == 0)
			return 1;
	return 0;
}

/* Encode KEY=VALUE arguments; list keys are grouped in argument order. */
static int encode_extras(rng_benc *e, int argc, char **argv)
{
	int i, j;
	for(i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t klen;
		int dup = 0;
		if(eq == NULL || eq == argv[i]) {
			fprintf(stderr, "rngctl: bad argument '%s'\n", argv[i]);
			return -1;
		}
		klen = (size_t)(eq - argv[i]);
		if(klen > 0 && argv[i][klen - 1] == ':') {
			rng_benc_str(e, argv[i], klen - 1);
			rng_benc_int(e, strtoll(eq + 1, NULL, 10));
			continue;
		}
		if(!is_list_key(argv[i], klen)) {
			rng_benc_str(e, argv[i], klen);
			rng_benc_cstr(e, eq + 1);
			continue;
		}
		for(j = 0; j < i; j++)
			if(strncmp(argv[j], argv[i], klen + 1) == 0)
				dup = 1;
		if(dup)
			continue; /* emitted with the first occurrence */
		rng_benc_str(e, argv[i], klen);
		rng_benc_list(e);
		for(j = i; j < argc; j++)
			if(strncmp(argv[j], argv[i], klen + 1) == 0)
				rng_benc_cstr(e, argv[j] + klen + 1);
		rng_benc_end(e);
	}
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;
	size_t n;

	if(f == NULL) {
		perror(path);
		return NULL;
	}
	buf = malloc(BODY_MAX);
	if(buf == NULL)
		exit(2);
	n = fread(buf, 1, BODY_MAX - 1, f);
	if(f != stdin)
		fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Print a string, masking what follows "inline:" up to '|', ';', ' ' or EOL. */
static void print_text(const char *s, size_t len, int indent)
{
	size_t i = 0;
	while(i < len) {
		if(!show_keys && len - i >= 7 && memcmp(s + i, "inline:", 7) == 0) {
			fputs("inline:<masked>", stdout);
			i += 7;
			while(i < len && s[i] != '|' && s[i] != ';' && s[i] != ' '
					&& s[i] != '\r' && s[i] != '\n')
				i++;
			continue;
		}
		if(s[i] == '\r') {
			i++;
			continue;
		}
		if(s[i] == '\n') {
			printf("\n%*s", indent, "");
			i++;
			continue;
		}
		putchar((s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '.');
		i++;
	}
}

static void print_node(const rng_bdoc *d, const rng_bnode *n, int indent);

static void print_entries(const rng_bdoc *d, const rng_bnode *n, int indent)
{
	const rng_bnode *c, *v;

	for(c = rng_bchild(d, n); c; c = rng_bnext(d, n, v)) {
		v = rng_bnext(d, n, c);
		printf("%*s%.*s: ", indent, "", (int)c->len, c->s);
		print_node(d, v, indent + 2);
	}
}

static void print_node(const rng_bdoc *d, const rng_bnode *n, int indent)
{
	const rng_bnode *c;

	switch(n->type) {
		case RNG_BSTR:
			if(memchr(n->s, '\n', n->len)) {
				printf("|\n%*s", indent + 2, "");
				print_text(n->s, n->len, indent + 2);
			} else {
				print_text(n->s, n->len, indent);
			}
			putchar('\n');
			break;
		case RNG_BINT:
			printf("%lld\n", (long long)n->i);
			break;
		case RNG_BLIST:
			printf(n->count ? "\n" : "[]\n");
			for(c = rng_bchild(d, n); c; c = rng_bnext(d, n, c)) {
				printf("%*s- ", indent, "");
				print_node(d, c, indent + 2);
			}
			break;
		case RNG_BDICT:
			printf(n->count ? "\n" : "{}\n");
			print_entries(d, n, indent);
			break;
	}
}

int main(int argc, char **argv)
{
	const char *uri = NULL, *cmd;
	rng_conf conf;
	rng_client *c;
	const rng_reply *reply = NULL;
	static char body[BODY_MAX];
	rng_benc e;
	char *sdp = NULL;
	size_t sdp_len = 0;
	int opt, r, node, extra = 0;

	rng_conf_default(&conf);
	while((opt = getopt(argc, argv, "n:t:r:kh")) != -1) {
		switch(opt) {
			case 'n':
				uri = optarg;
				break;
			case 't':
				conf.timeout_ms = (unsigned)atoi(optarg);
				break;
			case 'r':
				conf.retries = (unsigned)atoi(optarg);
				break;
			case 'k':
				show_keys = 1;
				break;
			case 'h':
				usage(stdout);
				return 0;
			default:
				usage(stderr);
				return 2;
		}
	}
	if(uri == NULL || optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;

	rng_benc_init(&e, body, sizeof(body));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", cmd);
	if(strcmp(cmd, "ping") == 0 || strcmp(cmd, "list") == 0) {
		extra = 0;
	} else if(strcmp(cmd, "offer") == 0 && argc >= 3) {
		rng_benc_kv_cstr(&e, "call-id", argv[0]);
		rng_benc_kv_cstr(&e, "from-tag", argv[1]);
		sdp = read_file(argv[2], &sdp_len);
		extra = 3;
	} else if(strcmp(cmd, "answer") == 0 && argc >= 4) {
		rng_benc_kv_cstr(&e, "call-id", argv[0]);
		rng_benc_kv_cstr(&e, "from-tag", argv[1]);
		rng_benc_kv_cstr(&e, "to-tag", argv[2]);
		sdp = read_file(argv[3], &sdp_len);
		extra = 4;
	} else if(strcmp(cmd, "delete") == 0 && argc >= 2) {
		rng_benc_kv_cstr(&e, "call-id", argv[0]);
		rng_benc_kv_cstr(&e, "from-tag", argv[1]);
		extra = 2;
		if(argc >= 3 && strchr(argv[2], '=') == NULL) {
			rng_benc_kv_cstr(&e, "to-tag", argv[2]);
			extra = 3;
		}
	} else if(strcmp(cmd, "query") == 0 && argc >= 1) {
		rng_benc_kv_cstr(&e, "call-id", argv[0]);
		extra = 1;
		if(argc >= 2) {
			rng_benc_kv_cstr(&e, "from-tag", argv[1]);
			extra = 2;
		}
	} else {
		usage(stderr);
		return 2;
	}
	if((extra == 3 && strcmp(cmd, "offer") == 0)
			|| (extra == 4 && strcmp(cmd, "answer") == 0)) {
		if(sdp == NULL)
			return 2;
		rng_benc_kv_str(&e, "sdp", sdp, sdp_len);
	}
	if(encode_extras(&e, argc - extra, argv + extra) < 0)
		return 2;
	rng_benc_end(&e);
	free(sdp);
	if((r = rng_benc_finish(&e)) != RNG_OK) {
		fprintf(stderr, "rngctl: cannot encode request: %s\n", rng_strerror(r));
		return 2;
	}

	c = rng_client_new(NULL, &conf);
	if(c == NULL) {
		fprintf(stderr, "rngctl: out of memory\n");
		return 2;
	}
	node = rng_client_add_node(c, uri, 1);
	if(node < 0) {
		fprintf(stderr, "rngctl: bad node '%s': %s\n", uri, rng_strerror(node));
		rng_client_free(c);
		return 2;
	}
	r = rng_client_request(c, (unsigned)node, body, e.len, &reply);
	if(r != RNG_OK) {
		fprintf(stderr, "rngctl: %s: %s\n", uri, rng_strerror(r));
		rng_client_free(c);
		return 2;
	}
	if(reply->result == RNG_RESULT_PONG && reply->root->count == 2) {
		printf("pong\n");
	} else {
		print_entries(&reply->doc, reply->root, 0);
	}
	r = (reply->result == RNG_RESULT_OK || reply->result == RNG_RESULT_PONG)
				? 0
				: 1;
	rng_client_free(c);
	return r;
}
