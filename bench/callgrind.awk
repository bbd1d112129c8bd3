# bench/callgrind.awk: per-function costs from callgrind output files
# (written with --dump-instr=no, one event: Ir), summed over every file.
#
#   awk -f bench/callgrind.awk callgrind.out.*
#
# Prints
#   total N                 the sum of the files' totals
#   fn NAME SELF INCL       per function: its own instructions, and with
#                           everything it called (inclusive; functions of
#                           the module are not recursive, so a call's cost
#                           is counted once)
#   call CALLER CALLEE N INCL   each caller -> callee arc: calls, cost
# In the format, a "fn=" block's cost lines are the function's own cost,
# and the line after "calls=" is the inclusive cost of that call.  Names
# are compressed: "(12) name" defines id 12, "(12)" refers to it.

function name(s,   id, rest) {
	if (match(s, /^\([0-9]+\)/)) {
		id = substr(s, 2, RLENGTH - 2)
		rest = substr(s, RLENGTH + 2)
		if (rest != "")
			names[FILENAME, id] = rest
		return names[FILENAME, id]
	}
	return s
}

FNR == 1 { fn = ""; after_call = 0 }
/^totals:/ { total += $2; next }
/^fn=/ { fn = name(substr($0, 4)); after_call = 0; next }
/^cfn=/ { cfn = name(substr($0, 5)); next }
/^calls=/ { split(substr($0, 7), a, " "); ncalls = a[1]; after_call = 1; next }
/^[0-9+*-]/ {
	if (fn == "")
		next
	if (after_call) {
		callc[fn] += $NF
		arc_n[fn SUBSEP cfn] += ncalls
		arc_c[fn SUBSEP cfn] += $NF
		after_call = 0
	} else {
		self[fn] += $NF
	}
	seen[fn] = 1
	next
}
END {
	printf "total %.0f\n", total
	for (f in seen)
		printf "fn %s %.0f %.0f\n", f, self[f], self[f] + callc[f]
	for (k in arc_n) {
		split(k, p, SUBSEP)
		printf "call %s %s %.0f %.0f\n", p[1], p[2], arc_n[k], arc_c[k]
	}
}
