#!/usr/bin/env bash
# The module reference is complete and its README is the generated one:
#
#   - modules/ims_medsec/README is regenerated from the docbook
#     (modules/ims_medsec/doc/*.xml, Kamailio's readme.xsl, lynx: the rule
#     behind "make readme") into the run directory, and must equal the
#     committed README byte for byte (a README edited by hand, or XML changed
#     without "make readme", fails here);
#   - every name the module exports has its section in the docbook:
#     each modparam (params[] of ims_medsec_mod.c) as ims_medsec.p.NAME,
#     each cfg function (cmds[]) as ims_medsec.f.NAME, each RPC command
#     (rpc_cmds[]) as ims_medsec.r.NAME, each KEMI function is named in the
#     KEMI section, and each statistic (medsec_stats.c) as ims_medsec.s.NAME;
#     and the other way round, no section documents a name that is not
#     exported (a stale entry);
#   - the generated README mentions every one of those names too.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run

mod=$REPO_ROOT/modules/ims_medsec
doc=$mod/doc
docbook_dir=$REPO_ROOT/.deps/kamailio/doc/docbook

for t in xsltproc lynx make; do
	command -v "$t" >/dev/null || fail "$t not installed (make deps installs it)"
done
[ -f "$docbook_dir/readme.xsl" ] || fail "no Kamailio docbook tooling in $docbook_dir (make deps)"
[ -f /usr/share/xml/docbook/stylesheet/docbook-xsl/xhtml/docbook.xsl ] ||
	fail "Debian's docbook-xsl is not installed (make deps)"

# ----- 1. the README is the generated one -----
make --no-print-directory -C "$doc" readme-to OUT="$RUN_DIR/README.generated" \
	docbook_dir="$docbook_dir" >"$RUN_DIR/make-readme.log" 2>&1 ||
	fail "generating the README failed (see make-readme.log)"
[ -s "$RUN_DIR/README.generated" ] || fail "the generated README is empty"
assert_grep "$RUN_DIR/README.generated" '^ims_medsec Module$' "the generated README has the module's title"
if ! diff -u "$mod/README" "$RUN_DIR/README.generated" >"$RUN_DIR/README.diff"; then
	head -n 40 "$RUN_DIR/README.diff" >&2
	fail "modules/ims_medsec/README differs from what the docbook generates: run make readme (diff in README.diff)"
fi
note "README is the one generated from the docbook ($(wc -l <"$mod/README") lines)"

# ----- 2. every exported name is documented -----
# exported FILE ARRAY: the names of a C export array "... ARRAY[] = {" up to
# "};": the first string literal of each entry.
exported() {
	awk -v arr="$2" '
		index($0, arr "[] = {") { on = 1; next }
		on && /^};/ { exit }
		on && match($0, /^[[:space:]]*\{[[:space:]]*"[^"]+"/) {
			s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
			print s
		}' "$1"
}
# kemi_names FILE: the function names of the sr_kemi_t table.
kemi_names() {
	sed -n 's/.*str_init("ims_medsec"), str_init("\([^"]*\)").*/\1/p' "$1"
}

xml=$RUN_DIR/docbook.xml
cat "$doc"/*.xml >"$xml"
exported "$mod/ims_medsec_mod.c" params >"$RUN_DIR/params.txt"
exported "$mod/ims_medsec_mod.c" cmds >"$RUN_DIR/cmds.txt"
exported "$mod/ims_medsec_mod.c" rpc_cmds >"$RUN_DIR/rpc.txt"
exported "$mod/medsec_stats.c" _medsec_stat_exports >"$RUN_DIR/stats.txt"
kemi_names "$mod/ims_medsec_mod.c" >"$RUN_DIR/kemi.txt"

missing=()
# check LIST KIND PREFIX: each name of LIST has <section id="PREFIX.NAME">,
# and each such section names an exported one.
check() {
	local list=$RUN_DIR/$1 kind=$2 prefix=$3 n name
	n=$(wc -l <"$list")
	[ "$n" -gt 0 ] || fail "no $kind found in the sources (the extraction is broken)"
	while read -r name; do
		grep -Fq "<section id=\"$prefix.$name\">" "$xml" || missing+=("$kind $name (no section id=\"$prefix.$name\")")
		grep -Fq -- "$name" "$RUN_DIR/README.generated" || missing+=("$kind $name (not in the README)")
	done <"$list"
	# the other way round: documented but not exported
	sed -n "s/.*<section id=\"${prefix//./\\.}\\.\\([^\"]*\\)\">.*/\\1/p" "$xml" | while read -r name; do
		grep -Fxq -- "$name" "$list" || echo "$kind $name (documented, not exported)"
	done >"$RUN_DIR/stale-$1"
	while read -r name; do
		missing+=("$name")
	done <"$RUN_DIR/stale-$1"
	note "$n ${kind}s: $(tr '\n' ' ' <"$list")"
}
check params.txt parameter ims_medsec.p
check cmds.txt function ims_medsec.f
check rpc.txt 'RPC command' ims_medsec.r
check stats.txt statistic ims_medsec.s

# KEMI: each exported function appears as KSR.ims_medsec.NAME
[ -s "$RUN_DIR/kemi.txt" ] || fail "no KEMI export found in the sources"
while read -r name; do
	grep -Fq "KSR.ims_medsec.$name" "$xml" || missing+=("KEMI function $name (no KSR.ims_medsec.$name)")
done <"$RUN_DIR/kemi.txt"

if [ ${#missing[@]} -gt 0 ]; then
	printf '  undocumented or stale: %s\n' "${missing[@]}" >&2
	fail "${#missing[@]} exported names lack their docbook section (or sections name nothing exported)"
fi
note "every parameter, function, RPC command, statistic and KEMI export has its section"
