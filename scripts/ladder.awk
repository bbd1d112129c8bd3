# scripts/ladder.awk: render a ladder (sequence) diagram as SVG.
#
#   awk -v title="..." -v subtitle="..." -v lanes="UE|P-CSCF|..." \
#       -v lanesub="sipp :5070|kamailio :5060 :5062|..." -f scripts/ladder.awk EVENTS >out.svg
#
# EVENTS: one arrow per line, tab-separated:
#   frame  time  from-lane  to-lane  kind  label  details
# lanes are 0-based indexes into "lanes"; kind is "sip" or "ng" (ng arrows
# are dashed and grey); details are lines separated by "\037" (US), each
# drawn under the arrow and coloured by what it is: a=crypto (a key line,
# the key already masked by the caller), a=3ge2ae (the e2ae indication),
# m= (transport), Security-* with mediasec (the registration indication).
# Any number of lanes (e.g. UE, P-CSCF, IMS-AGW, S-CSCF/core; a hairpin
# call adds UE B as a fifth); the picture is as wide as they need.  A label
# with "  call-id=..." (an ng command of a call with two legs on the
# gateway) has the call-id drawn in its own colour, so that the legs can be
# told apart.
# Plain POSIX awk (mawk is enough); no input is trusted to be XML-safe.

function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}

# the label of an arrow, its "  call-id=..." part (if any) in class cid
function label(s,   p) {
	p = index(s, "  call-id=")
	if (p == 0) return esc(s)
	return esc(substr(s, 1, p + 1)) "<tspan class=\"cid\">" esc(substr(s, p + 2)) "</tspan>"
}

function cls(s) {
	sub(/^ +/, "", s)
	if (s ~ /^a=crypto:/) return "key"
	if (s ~ /3ge2ae/) return "ind"
	if (s ~ /^m=/) return "m"
	if (s ~ /mediasec/) return "sec"
	if (s ~ /^(SDES|transport-protocol|DTLS|ICE)/) return "flag"
	return "d"
}

BEGIN {
	FS = "\t"
	nl = split(lanes, L, "|")
	split(lanesub, LS, "|")
	LW = 340          # distance between lanes
	X0 = 170          # first lane
	LH = 14           # detail line height
	n = 0
}

{
	n++
	F[n] = $1; T[n] = $2; A[n] = $3 + 0; B[n] = $4 + 0; K[n] = $5; LB[n] = $6; D[n] = $7
	if (index($6, "  call-id=")) hascid = 1
}

END {
	W = 2 * X0 + (nl - 1) * LW
	y = 118
	for (i = 1; i <= n; i++) {
		nd[i] = (D[i] == "") ? 0 : split(D[i], tmp, "\037")
		Y[i] = y
		y += 30 + nd[i] * LH + 10
	}
	H = y + 20
	printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", W, H, W, H
	printf "<style>\n"
	printf "text { font-family: 'DejaVu Sans Mono', monospace; font-size: 11px; fill: #222; }\n"
	printf ".halo { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }\n"
	printf ".title { font-family: 'DejaVu Sans', sans-serif; font-size: 17px; font-weight: bold; }\n"
	printf ".sub { font-family: 'DejaVu Sans', sans-serif; font-size: 11px; fill: #555; }\n"
	printf ".lane { font-family: 'DejaVu Sans', sans-serif; font-size: 13px; font-weight: bold; }\n"
	printf ".lsub { font-size: 10px; fill: #555; }\n"
	printf ".lbl { font-size: 12px; font-weight: bold; }\n"
	printf ".ng .lbl { fill: #555; }\n"
	printf ".t { font-size: 10px; fill: #888; }\n"
	printf ".key { fill: #b00020; font-weight: bold; }\n"
	printf ".ind { fill: #0050b0; font-weight: bold; }\n"
	printf ".m { fill: #006030; font-weight: bold; }\n"
	printf ".sec { fill: #7a1fa2; font-weight: bold; }\n"
	printf ".flag { fill: #555; }\n"
	if (hascid) printf ".cid { fill: #a04a00; }\n"
	printf ".d { fill: #444; }\n"
	printf "</style>\n"
	printf "<defs><marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker>\n"
	printf "<marker id=\"ahg\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker></defs>\n"
	printf "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H
	printf "<text class=\"title\" x=\"16\" y=\"26\">%s</text>\n", esc(title)
	printf "<text class=\"sub\" x=\"16\" y=\"44\">%s</text>\n", esc(subtitle)
	for (l = 1; l <= nl; l++) {
		x = X0 + (l - 1) * LW
		printf "<line x1=\"%d\" y1=\"96\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\" stroke-width=\"2\"/>\n", x, x, H - 10
		printf "<rect x=\"%d\" y=\"58\" width=\"270\" height=\"38\" rx=\"4\" fill=\"#eef2f7\" stroke=\"#789\"/>\n", x - 135
		printf "<text class=\"lane\" x=\"%d\" y=\"74\" text-anchor=\"middle\">%s</text>\n", x, esc(L[l])
		printf "<text class=\"lsub\" x=\"%d\" y=\"89\" text-anchor=\"middle\">%s</text>\n", x, esc(LS[l])
	}
	for (i = 1; i <= n; i++) {
		x1 = X0 + A[i] * LW; x2 = X0 + B[i] * LW
		left = (x1 < x2) ? x1 : x2
		ya = Y[i] + 6
		ng = (K[i] == "ng")
		printf "<g class=\"%s\">\n", ng ? "ng" : "sip"
		printf "<text class=\"t\" x=\"6\" y=\"%d\">%s</text>\n", ya + 3, esc(sprintf("#%s %ss", F[i], T[i]))
		printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s marker-end=\"url(#%s)\"/>\n", \
			x1, ya, x2 + (x2 > x1 ? -2 : 2), ya, ng ? "#888" : "#222", \
			ng ? " stroke-dasharray=\"5,3\"" : "", ng ? "ahg" : "ah"
		printf "<text class=\"lbl halo\" x=\"%d\" y=\"%d\">%s</text>\n", left + 8, Y[i], label(LB[i])
		if (nd[i] > 0) {
			split(D[i], dl, "\037")
			for (k = 1; k <= nd[i]; k++)
				printf "<text class=\"%s halo\" x=\"%d\" y=\"%d\">%s</text>\n", cls(dl[k]), left + 8, ya + 16 + (k - 1) * LH, esc(dl[k])
		}
		printf "</g>\n"
	}
	printf "</svg>\n"
}
