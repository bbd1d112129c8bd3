# ims_medsec: top-level build.  See README.md.
#
#   make          install missing Debian packages, build everything
#   make test     build, then run unit, fuzz-smoke and real-process tests
#                 (both stacks; TEST_JOBS=N cases at a time, default 4)
#   make demo     run a real e2ae call through Kamailio and rtpengine
#   make fuzz     run every libFuzzer harness for FUZZ_SECONDS each
#   make deb      a Debian package of the module (build/deb/)
#   make test-trixie  the real-process suite on Debian 13's stack (Kamailio
#                 6.0, rtpengine 12.5) in a cached mmdebstrap root
#   make deb-trixie   the Debian 13 package (build/trixie/deb/)
#   make lab-up   start a local P-CSCF lab (rtpengine + kamailio); lab-down stops it
#   make readme   regenerate modules/ims_medsec/README from its docbook (doc/*.xml)
#   make pictures regenerate the call-flow diagrams in docs/callflows/ from
#                 packet captures of a real run (scripts/callflows.sh)
#   make bench    benchmark: call-rate capacity against the stock module and
#                 rtpengine alone, module cost, ng round trip, registrations

# BUILD, DEPS and MODULE_DIR are set by scripts/trixie.sh for the Debian 13
# build inside its root: Kamailio's module build writes its objects beside
# the sources, so a second Kamailio version gets a copy of the module.
BUILD ?= $(abspath build)
DEPS ?= $(abspath .deps)
MODULE_DIR ?= modules/ims_medsec
KSRC := $(DEPS)/kamailio
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5

export BUILD_DIR := $(BUILD)
export RNGCTL := $(BUILD)/bin/rngctl
export FREEPORT := $(BUILD)/bin/freeport
export MEDSEC_MODULE := $(abspath $(MODULE_DIR)/ims_medsec.so)

all: build

# Always run: the script checks what is missing and returns at once when
# nothing is.
deps:
	@scripts/setup-deps.sh $(DEPS)

build: deps
	@$(MAKE) --no-print-directory -C rtpengine-ng O=$(BUILD) all tests
	@$(MAKE) --no-print-directory -C modules/ims_medsec/tests O=$(BUILD) tests
ifneq ($(abspath $(MODULE_DIR)),$(abspath modules/ims_medsec))
	@mkdir -p $(MODULE_DIR)
	@for f in modules/ims_medsec/*.[ch] modules/ims_medsec/Makefile; do \
		cmp -s $$f $(MODULE_DIR)/$${f##*/} || cp $$f $(MODULE_DIR)/; done
endif
	@$(MAKE) --no-print-directory -C $(MODULE_DIR) COREPATH=$(KSRC)/src \
		RNG_LIB=$(BUILD)/lib/librtpengine-ng.a RNG_DIR=$(abspath rtpengine-ng)
	@mkdir -p $(BUILD)/bin
	@$(CC) -O2 -Wall -o $(FREEPORT) test/tools/freeport.c
	@$(CC) -O2 -Wall -Wextra -Irtpengine-ng/include -o $(BUILD)/bin/ng_failover \
		test/ng/ng_failover.c $(BUILD)/lib/librtpengine-ng.a -lm
	@$(CC) -O2 -Wall -Wextra -o $(BUILD)/bin/srtp_probe test/tools/srtp_probe.c \
		$$(pkg-config --cflags --libs libsrtp2)

fuzz-build: deps
	@$(MAKE) --no-print-directory -C rtpengine-ng O=$(BUILD) fuzz-build
	@$(MAKE) --no-print-directory -C modules/ims_medsec/tests O=$(BUILD) fuzz-build

# The unit tests of the pure code (library, parsers, e2ae) once more under
# AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

sanitize: deps
	@$(MAKE) --no-print-directory -C rtpengine-ng O=$(BUILD)/asan \
		EXTRA_CFLAGS="$(SAN_FLAGS)" tests >/dev/null
	@$(MAKE) --no-print-directory -C modules/ims_medsec/tests O=$(BUILD)/asan \
		EXTRA_CFLAGS="$(SAN_FLAGS)" tests >/dev/null
	@echo "unit tests under ASan/UBSan:"
	@BUILD_DIR=$(BUILD)/asan test/run.sh unit/

# Both stacks: this machine's, then Debian 13's (scripts/trixie.sh), which
# is skipped with a clear line when its root cannot be made here.  The
# Debian 13 build comes first: case 09 loads each stack's module into the
# other's Kamailio.
test: build fuzz-build sanitize
	@FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) scripts/fuzz.sh $(BUILD)/fuzz smoke
	@rc=0; TRIXIE_OPTIONAL=1 scripts/trixie.sh build || rc=$$?; \
		test/run.sh || rc=$$?; \
		TRIXIE_OPTIONAL=1 scripts/trixie.sh test || rc=$$?; exit $$rc

# The Debian 13 stack alone: Kamailio 6.0, rtpengine 12.5 (scripts/trixie.sh).
test-trixie:
	@scripts/trixie.sh test

deb-trixie:
	@scripts/trixie.sh deb

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(BUILD)/fuzz long

demo: build
	@scripts/demo.sh

deb: build
	@scripts/make-deb.sh $(BUILD)/deb

# The bench's tools (bench/), then the benchmark itself (bench/README.md).
bench-build: build
	@$(MAKE) --no-print-directory -C bench O=$(BUILD) RNG_LIB=$(BUILD)/lib/librtpengine-ng.a
	@$(MAKE) --no-print-directory -C bench -f regtable.mk O=$(BUILD) COREPATH=$(KSRC)/src

bench: bench-build
	@scripts/bench.sh

lab-up: build
	@scripts/lab.sh up

lab-down:
	@scripts/lab.sh down

# The module reference: README generated from the docbook in doc/, with
# Kamailio's docbook tooling (see modules/ims_medsec/doc/Makefile).
readme: deps
	@$(MAKE) --no-print-directory -C modules/ims_medsec/doc readme-to \
		OUT=$(abspath modules/ims_medsec/README) docbook_dir=$(KSRC)/doc/docbook

# Call-flow ladder diagrams (SVG, PNG) from captures of a real run.
pictures: build
	@scripts/callflows.sh docs/callflows

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
	@$(MAKE) --no-print-directory -C modules/ims_medsec COREPATH=$(KSRC)/src clean \
		>/dev/null 2>&1 || true

deb-trixie test-trixie: deps

.PHONY: all deps build fuzz-build sanitize test test-trixie deb deb-trixie fuzz demo lab-up lab-down readme \
	pictures format clean bench-build bench
