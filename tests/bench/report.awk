# The report of make bench: reads the records of bench.sh (rep, row,
# scenario, key, value; tab-separated), prints every figure as the median
# of the repetitions with min-max, its ratio to direct and to the best
# peer, then the targets of issues 7 and 19 and the goals of issue 22
# with PASS/MISS, and writes the same as markdown to the file md.
# Variables: secs, reps, quick, md, machine, versions, sizes, flownotes,
# busymax.

function add(row, fig, rep, v) {
	if (!((row, fig, rep) in val)) {
		val[row, fig, rep] = 0
		n[row, fig]++
	}
	val[row, fig, rep] += v
	if (rep + 0 > maxrep)
		maxrep = rep + 0
}

# median, min and max of the values of row and fig into M, LO, HI; the
# runs during which other processes kept the machine busy are left out
# when the figure has a quiet run
function stats(row, fig,    k, i, j, t, cnt, a, quiet) {
	quiet = 0
	for (i = 1; i <= maxrep; i++)
		if ((row, fig, i) in val && !busy(row, fig, i))
			quiet++
	cnt = 0
	for (i = 1; i <= maxrep; i++)
		if ((row, fig, i) in val && (quiet == 0 || !busy(row, fig, i)))
			a[++cnt] = val[row, fig, i]
	if (cnt == 0)
		return 0
	for (i = 2; i <= cnt; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	LO = a[1]
	HI = a[cnt]
	NUSED = cnt
	k = int((cnt + 1) / 2)
	M = cnt % 2 ? a[k] : (a[k] + a[k + 1]) / 2
	return 1
}

# was the run behind this value busy (other processes over busymax)?
function busy(row, fig, rep,    sc) {
	if (fig == "err" || fig == "cerr")
		return 0
	if (fig == "f")
		return fgn[row, "a", rep] + 0 > busymax + 0 || \
		    fgn[row, "b", rep] + 0 > busymax + 0
	sc = fig in figsc ? figsc[fig] : substr(fig, 1, 1)
	return fgn[row, sc, rep] + 0 > busymax + 0
}

function has(row, fig) { return (row, fig) in n }
function med(row, fig) { stats(row, fig); return M }

function fmt(v) {
	if (v > 0 && v < 0.01)
		return sprintf("%.2g", v)
	if (v >= 100 || v == int(v))
		return sprintf("%.0f", v)
	if (v >= 10)
		return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}

function total(row, fig,    tot, i) {
	tot = 0
	for (i = 1; i <= maxrep; i++)
		if ((row, fig, i) in val)
			tot += val[row, fig, i]
	return tot
}

function cell(row, fig,    s) {
	if (!has(row, fig))
		return "–"
	if (noratio[fig])
		return sprintf("%d", total(row, fig))
	stats(row, fig)
	if (NUSED == 1)
		s = fmt(M)
	else
		s = fmt(M) " (" fmt(LO) "–" fmt(HI) ")"
	if (NUSED < n[row, fig])
		s = s " [" NUSED "/" n[row, fig] "]"
	return s
}

# the best peer of a row for a figure: its name, or ""
function best_peer(row, fig,    cands, c, i, cnt, best, bv, v) {
	if (row ~ /^pinhole/ && row != "pinhole-socks5" || row == "squid" ||
	    row == "tinyproxy")
		cands = "squid tinyproxy"
	else if (row == "pinhole-socks5" || row == "dante")
		cands = "dante"
	else
		cands = "squid tinyproxy dante"
	cnt = split(cands, c, " ")
	best = ""
	for (i = 1; i <= cnt; i++) {
		if (!has(c[i], fig))
			continue
		v = med(c[i], fig)
		if (best == "" || (hib[fig] ? v > bv : v < bv)) {
			best = c[i]
			bv = v
		}
	}
	return best
}

function ratio(a, b) {
	if (b == 0)
		return "–"
	return sprintf("%.2f×", a / b)
}

function out(s) {
	print s
}

function mdout(s) {
	print s > md
}

BEGIN {
	FS = "\t"
	nrows = split("direct pinhole squid tinyproxy pinhole-socks5 dante " \
	    "haproxy pinhole-pcap pinhole-bigacl", rows, " ")
	name["direct"] = "direct (no proxy)"
	name["pinhole"] = "pinhole (CONNECT)"
	name["squid"] = "Squid (CONNECT)"
	name["tinyproxy"] = "tinyproxy (CONNECT)"
	name["pinhole-socks5"] = "pinhole (SOCKS5)"
	name["dante"] = "Dante (SOCKS5)"
	name["haproxy"] = "HAProxy splice (ref.)"
	name["pinhole-pcap"] = "pinhole + pcap (CONNECT)"
	name["pinhole-bigacl"] = "pinhole 1M ACL (CONNECT)"
	nfigs = split("a b c c50 c99 cerr d50 d99 e f u64 u1200 uc64 uc1200 " \
	    "l64 l1200 err", figs, " ")
	label["a"] = "a. one tunnel, MB/s both ways"
	label["b"] = "b. 16 tunnels, aggregate MB/s"
	label["c"] = "c. setups/s"
	label["c50"] = "c. cycle p50 µs"
	label["c99"] = "c. cycle p99 µs"
	label["cerr"] = "c. errors"
	label["d50"] = "d. ping-pong p50 µs"
	label["d99"] = "d. ping-pong p99 µs"
	label["e"] = "e. KiB per idle tunnel"
	label["f"] = "f. CPU s per GiB"
	label["u64"] = "u. UDP 64 B echoes/s"
	label["u1200"] = "u. UDP 1200 B echoes/s"
	label["uc64"] = "u. UDP 64 B proxy CPU µs per echo"
	label["uc1200"] = "u. UDP 1200 B proxy CPU µs per echo"
	label["l64"] = "u. UDP 64 B loss % at half Dante's rate"
	label["l1200"] = "u. UDP 1200 B loss % at half Dante's rate"
	label["err"] = "errors, all scenarios"
	hib["a"] = hib["b"] = hib["c"] = hib["u64"] = hib["u1200"] = 1
	noratio["cerr"] = noratio["err"] = 1
	# the loss, a median like any figure, but no ratio: 0 is the goal
	plain["l64"] = plain["l1200"] = 1
	# the run (scenario name) behind a figure that is not its letter
	figsc["u64"] = figsc["l64"] = figsc["uc64"] = "u64"
	figsc["u1200"] = figsc["l1200"] = figsc["uc1200"] = "u1200"
}

{
	rep = $1; row = $2; sc = $3; key = $4; v = $5
	if (key == "errors") {
		add(row, "err", rep, v)
		if (sc == "c")
			add(row, "cerr", rep, v)
		if (v > 0)
			errnote[row] = errnote[row] " " sc "(rep " rep "):" v
		next
	}
	if (key == "retry") {
		nretry++
		next
	}
	if (key == "foreign") {
		fgn[row, sc, rep] = v
		fsum += v; fcnt++
		if (v + 0 > fmax) {
			fmax = v + 0
			fwhere = name[row] " " sc " (rep " rep ")"
		}
		next
	}
	if (key ~ /^err_/ || key == "deadline" || key == "failed" ||
	    key == "died") {
		if (key == "died" || key == "deadline" || key == "failed")
			errnote[row] = errnote[row] " " sc "(rep " rep "):" key
		next
	}
	if ((sc == "a" || sc == "b") && key == "mbps")
		add(row, sc, rep, v)
	else if ((sc == "a" || sc == "b") && key == "cpu_s")
		cpu[row, rep] += v
	else if ((sc == "a" || sc == "b") && key == "gib")
		gib[row, rep] += v
	else if (sc == "c" && key == "rate")
		add(row, "c", rep, v)
	else if (sc == "c" && key == "p50_us")
		add(row, "c50", rep, v)
	else if (sc == "c" && key == "p99_us")
		add(row, "c99", rep, v)
	else if (sc == "d" && key == "p50_us")
		add(row, "d50", rep, v)
	else if (sc == "d" && key == "p99_us")
		add(row, "d99", rep, v)
	else if (sc == "e" && key == "kib_per_tunnel" && row != "direct")
		add(row, "e", rep, v)
	else if (sc ~ /^u/ && key == "dps")
		add(row, sc, rep, v)
	else if (sc ~ /^u/ && key == "cpu_us")
		add(row, "uc" substr(sc, 2), rep, v)
	else if (sc ~ /^u/ && key == "loss_pct")
		add(row, "l" substr(sc, 2), rep, v)
	reps_seen[rep] = 1
}

END {
	for (r = 1; r <= nrows; r++)
		for (rep in reps_seen)
			if (rows[r] != "direct" && (rows[r], rep) in gib &&
			    gib[rows[r], rep] > 0)
				add(rows[r], "f", rep,
				    cpu[rows[r], rep] / gib[rows[r], rep])

	hdr = "pinhole bench, " (quick ? "QUICK, " : "") reps \
	    " repetition" (reps == 1 ? "" : "s") ", " secs " s"
	out("")
	out("== " hdr)
	out("machine: " machine)
	out("versions: " versions)
	out("sizes: " sizes)
	fline = sprintf("other processes on the machine (kernel threads " \
	    "included) kept %.2f cores busy on average during the " \
	    "scenarios that counted (at most %.2f, %s); %d runs repeated " \
	    "as the machine was busy", fcnt ? fsum / fcnt : 0, fmax, fwhere,
	    nretry)
	out(fline)
	if (fmax > 0.5)
		out("WARNING: the machine was not idle: figures are unreliable")
	out("[k/n]: only the k quiet runs of n count (others kept over " \
	    busymax " cores busy)")
	out("medians of the repetitions (min–max); ×direct = ratio to " \
	    "direct; ×peer = ratio to the best peer (CONNECT rows: the " \
	    "better of Squid and tinyproxy; SOCKS5 rows: Dante; direct and " \
	    "HAProxy: the best of the three)")
	for (f = 1; f <= nfigs; f++) {
		fig = figs[f]
		any = 0
		for (r = 1; r <= nrows; r++)
			if (has(rows[r], fig))
				any = 1
		if (!any)
			continue
		out("")
		out(label[fig] (noratio[fig] ? " (sum over the repetitions)" \
		    : hib[fig] ? " (higher is better)" : \
		    " (lower is better)"))
		for (r = 1; r <= nrows; r++) {
			row = rows[r]
			if (!has(row, fig))
				continue
			stats(row, fig)
			m = M
			line = sprintf("  %-26s %-34s", name[row], cell(row, fig))
			if (!noratio[fig] && !plain[fig]) {
				if (has("direct", fig) && row != "direct")
					line = line sprintf(" %8s direct",
					    ratio(m, med("direct", fig)))
				else
					line = line sprintf(" %15s", "")
				bp = best_peer(row, fig)
				if (bp != "" && bp != row)
					line = line sprintf(" %8s %s",
					    ratio(m, med(bp, fig)), bp)
			}
			out(line)
		}
	}

	# --- markdown -----------------------------------------------------
	mdout("## pinhole bench results")
	mdout("")
	mdout("- run: `make bench" (quick ? " QUICK=1" : "") "`, " reps \
	    " repetition" (reps == 1 ? "" : "s") " interleaved, " secs \
	    " s in all")
	mdout("- machine: " machine)
	mdout("- versions: " versions)
	mdout("- sizes: " sizes)
	mdout("- " fline (fmax > 0.5 ? " — **the machine was not idle: " \
	    "figures are unreliable**" : ""))
	mdout("- [k/n] after a cell: only the k runs of n during which other " \
	    "processes kept at most " busymax " cores busy count")
	mdout("- cells: median of the repetitions (min–max), errors summed; " \
	    "MB/s are " \
	    "10^6 bytes/s with both directions added; e is the growth of " \
	    "the RSS of all the proxy's processes per idle tunnel; f is " \
	    "user+system CPU of all its processes per GiB relayed in a " \
	    "and b")
	mdout("")
	s = "| row |"; s2 = "|---|"
	for (f = 1; f <= nfigs; f++) {
		s = s " " label[figs[f]] " |"
		s2 = s2 "---:|"
	}
	mdout(s)
	mdout(s2)
	for (r = 1; r <= nrows; r++) {
		row = rows[r]
		any = 0
		s = "| " name[row] " |"
		for (f = 1; f <= nfigs; f++) {
			if (has(row, figs[f]))
				any = 1
			s = s " " cell(row, figs[f]) " |"
		}
		if (any)
			mdout(s)
	}
	mdout("")
	mdout("Ratios of the medians: to direct / to the best peer " \
	    "(CONNECT rows: the better of Squid and tinyproxy; SOCKS5 " \
	    "rows: Dante; HAProxy: the best of the three).")
	mdout("")
	s = "| row |"; s2 = "|---|"
	for (f = 1; f <= nfigs; f++) {
		if (noratio[figs[f]] || plain[figs[f]])
			continue
		s = s " " label[figs[f]] " |"
		s2 = s2 "---:|"
	}
	mdout(s)
	mdout(s2)
	for (r = 1; r <= nrows; r++) {
		row = rows[r]
		if (row == "direct")
			continue
		any = 0
		s = "| " name[row] " |"
		for (f = 1; f <= nfigs; f++) {
			fig = figs[f]
			if (noratio[fig] || plain[fig])
				continue
			if (!has(row, fig)) {
				s = s " – |"
				continue
			}
			any = 1
			m = med(row, fig)
			rd = has("direct", fig) ? ratio(m, med("direct", fig)) \
			    : "–"
			bp = best_peer(row, fig)
			rp = bp != "" && bp != row ? ratio(m, med(bp, fig)) : "–"
			s = s " " rd " / " rp " |"
		}
		if (any)
			mdout(s)
	}

	# --- targets -------------------------------------------------------
	out("")
	out("targets (issues 7 and 19), from this run:")
	mdout("")
	mdout("Targets of issues 7 and 19, from this run:")
	mdout("")
	mdout("| target | figure | result |")
	mdout("|---|---|---|")
	target("a: pinhole ≥ 1.3× Squid", "pinhole", "a", "squid", 1.3, 1)
	target("a: pinhole ≥ HAProxy splice relay", "pinhole", "a",
	    "haproxy", 1, 1)
	target("b: pinhole ≥ 1.3× Squid", "pinhole", "b", "squid", 1.3, 1)
	target("b: pinhole ≥ HAProxy splice relay", "pinhole", "b",
	    "haproxy", 1, 1)
	withdrawn("c: pinhole (CONNECT) ≥ 0.85× direct", "pinhole", "c",
	    "direct")
	zero("c: pinhole (CONNECT) zero errors", "pinhole", "cerr")
	withdrawn("c: pinhole (SOCKS5) ≥ 0.85× direct", "pinhole-socks5", "c",
	    "direct")
	zero("c: pinhole (SOCKS5) zero errors", "pinhole-socks5", "cerr")
	bp = best_peer("pinhole", "d50")
	target("d: pinhole (CONNECT) p50 ≤ best peer", "pinhole", "d50",
	    bp, 1, 0)
	bp = best_peer("pinhole", "d99")
	target("d: pinhole (CONNECT) p99 ≤ best peer", "pinhole", "d99",
	    bp, 1, 0)
	target("d: pinhole (SOCKS5) p50 ≤ Dante", "pinhole-socks5", "d50",
	    "dante", 1, 0)
	target("d: pinhole (SOCKS5) p99 ≤ Dante", "pinhole-socks5", "d99",
	    "dante", 1, 0)
	absolute("e: pinhole ≤ 8 KiB per idle tunnel (CONNECT)", "pinhole",
	    "e", 8)
	absolute("e: pinhole ≤ 8 KiB per idle tunnel (SOCKS5)",
	    "pinhole-socks5", "e", 8)
	target("e: pinhole (CONNECT) ≤ 0.75× HAProxy (issue 22)", "pinhole",
	    "e", "haproxy", 0.75, 0)
	target("e: pinhole (SOCKS5) ≤ 0.75× HAProxy (issue 22)",
	    "pinhole-socks5", "e", "haproxy", 0.75, 0)
	target("f: pinhole (CONNECT) ≤ 0.75× Squid's CPU/GiB", "pinhole",
	    "f", "squid", 0.75, 0)
	target("f: pinhole (SOCKS5) ≤ 0.75× Squid's CPU/GiB",
	    "pinhole-socks5", "f", "squid", 0.75, 0)
	target("g: pcap on ≥ 0.9× off, a", "pinhole-pcap", "a", "pinhole",
	    0.9, 1)
	target("g: pcap on ≥ 0.9× off, c", "pinhole-pcap", "c", "pinhole",
	    0.9, 1)
	target("h: 1M-entry ACL ≥ 0.95× 10-entry, c", "pinhole-bigacl", "c",
	    "pinhole", 0.95, 1)
	target("u: pinhole (SOCKS5) ≥ 1.5× Dante, UDP 64 B datagrams/s",
	    "pinhole-socks5", "u64", "dante", 1.5, 1)
	target("u: pinhole (SOCKS5) ≥ 1.5× Dante, UDP 1200 B datagrams/s",
	    "pinhole-socks5", "u1200", "dante", 1.5, 1)
	lossless("u: pinhole (SOCKS5) loss 0 below saturation, 64 B",
	    "pinhole-socks5", "l64")
	lossless("u: pinhole (SOCKS5) loss 0 below saturation, 1200 B",
	    "pinhole-socks5", "l1200")
	for (r = 1; r <= nrows; r++)
		if (rows[r] ~ /^pinhole/)
			zero("no errors: " name[rows[r]] " (byte counts, " \
			    "echoes, flow log)", rows[r], "err")
	out(sprintf("targets: %d PASS, %d MISS, %d not measured", npass,
	    nmiss, nna))
	mdout("")
	mdout(sprintf("%d PASS, %d MISS, %d not measured.", npass, nmiss, nna))
	goals22()
	notes = ""
	for (r = 1; r <= nrows; r++)
		if (errnote[rows[r]] != "")
			notes = notes "\n- errors, " name[rows[r]] ":" \
			    errnote[rows[r]]
	if (notes != "" || flownotes != "") {
		out("")
		out("errors (scenario(rep): count):" notes flownotes)
		mdout("")
		mdout("Errors (scenario(rep): count):" notes flownotes)
	}
	close(md)
	out("")
	out("written to " md)
}

function verdict(desc, fig, ok, detail) {
	if (ok == "")
		nna++
	else if (ok)
		npass++
	else
		nmiss++
	res = ok == "" ? "n/a" : ok ? "PASS" : "MISS"
	out(sprintf("  %-4s %-52s %s", res, desc, detail))
	mdout("| " desc " | " detail " | " res " |")
}

# row's median against want × ref's median (higher or lower is better)
function target(desc, row, fig, ref, want, higher,    a, b, ok, detail) {
	if (ref == "" || !has(row, fig) || !has(ref, fig)) {
		verdict(desc, fig, "", "not measured")
		return
	}
	a = med(row, fig)
	b = med(ref, fig)
	ok = higher ? a >= want * b : a <= want * b
	detail = sprintf("%s vs %s %s: %s", fmt(a), ref, fmt(b),
	    b > 0 ? sprintf("%.2f×", a / b) : "–")
	verdict(desc, fig, ok ? 1 : 0, detail)
}

function absolute(desc, row, fig, limit,    a) {
	if (!has(row, fig)) {
		verdict(desc, fig, "", "not measured")
		return
	}
	a = med(row, fig)
	verdict(desc, fig, a <= limit ? 1 : 0, sprintf("%s KiB", fmt(a)))
}

function zero(desc, row, fig,    tot, rep) {
	if (!has(row, fig)) {
		verdict(desc, fig, "", "not measured")
		return
	}
	tot = 0
	for (rep in reps_seen)
		if ((row, fig, rep) in val)
			tot += val[row, fig, rep]
	verdict(desc, fig, tot == 0 ? 1 : 0, sprintf("%d errors", tot))
}

# every run's loss (in %) must be 0: the largest is shown
function lossless(desc, row, fig,    worst, rep) {
	worst = 0
	for (rep in reps_seen)
		if ((row, fig, rep) in val && val[row, fig, rep] > worst)
			worst = val[row, fig, rep]
	verdict(desc, fig, worst == 0 ? 1 : 0, sprintf("%s %% lost at " \
	    "most, offered half of Dante's rate", fmt(worst)))
}

# A target of issue 7 that issue 22 withdrew: shown, not counted.
function withdrawn(desc, row, fig, ref,    detail) {
	detail = "withdrawn by issue 22"
	if (has(row, fig) && has(ref, fig) && med(ref, fig) > 0)
		detail = sprintf("%s vs %s %s: %.2f× (%s)", fmt(med(row, fig)),
		    ref, fmt(med(ref, fig)), med(row, fig) / med(ref, fig),
		    detail)
	out(sprintf("  %-4s %-52s %s", "--", desc, detail))
	mdout("| " desc " | " detail " | withdrawn |")
}

# The repetitions that count for a ratio of row to ref: those in which
# both have the figure, and, when there are such, neither was busy.
function rep_ratios(row, fig, ref, R,    i, cnt, quiet) {
	quiet = 0
	for (i = 1; i <= maxrep; i++)
		if ((row, fig, i) in val && (ref, fig, i) in val &&
		    !busy(row, fig, i) && !busy(ref, fig, i))
			quiet++
	cnt = 0
	for (i = 1; i <= maxrep; i++)
		if ((row, fig, i) in val && (ref, fig, i) in val &&
		    val[ref, fig, i] > 0 && (quiet == 0 ||
		    (!busy(row, fig, i) && !busy(ref, fig, i))))
			R[++cnt] = val[row, fig, i] / val[ref, fig, i]
	return cnt
}

# A goal of issue 22 "in every run": the ratio of the medians and the
# ratio within each repetition (rows are interleaved in a repetition)
# must all meet want.
function every(desc, row, fig, ref, want, higher,    R, k, i, lo, hi, ok,
    a, b, detail) {
	if (ref == "" || !has(row, fig) || !has(ref, fig)) {
		verdict(desc, fig, "", "not measured")
		return
	}
	a = med(row, fig)
	b = med(ref, fig)
	ok = b > 0 && (higher ? a >= want * b : a <= want * b)
	detail = sprintf("%s vs %s %s: %s", fmt(a), ref, fmt(b),
	    b > 0 ? sprintf("%.2f×", a / b) : "–")
	k = rep_ratios(row, fig, ref, R)
	for (i = 1; i <= k; i++) {
		if (i == 1 || R[i] < lo)
			lo = R[i]
		if (i == 1 || R[i] > hi)
			hi = R[i]
		if (higher ? R[i] < want : R[i] > want)
			ok = 0
	}
	if (k > 1)
		detail = detail sprintf(", each repetition %.2f–%.2f×", lo, hi)
	verdict(desc, fig, ok ? 1 : 0, detail)
}

# Every repetition of row's figure within ±frac of its median.
function spread(desc, row, fig, frac,    ok) {
	if (!has(row, fig)) {
		verdict(desc, fig, "", "not measured")
		return
	}
	stats(row, fig)
	if (NUSED < 2) {
		verdict(desc, fig, "", sprintf("one repetition (%s)", fmt(M)))
		return
	}
	ok = M > 0 && LO >= (1 - frac) * M && HI <= (1 + frac) * M
	verdict(desc, fig, ok ? 1 : 0, sprintf("%s–%s around %s: " \
	    "-%.0f%% / +%.0f%%", fmt(LO), fmt(HI), fmt(M),
	    M > 0 ? 100 * (M - LO) / M : 0, M > 0 ? 100 * (HI - M) / M : 0))
}

# The goals of issue 22, from the same run, counted apart from issue 7's.
function goals22(    p7, m7, n7, bp) {
	p7 = npass; m7 = nmiss; n7 = nna
	npass = nmiss = nna = 0
	out("")
	out("goals (issue 22), from this run:")
	mdout("")
	mdout("Goals of issue 22, from this run:")
	mdout("")
	mdout("| goal | figure | result |")
	mdout("|---|---|---|")
	every("c: CONNECT setups/s ≥ 1.25× HAProxy, every rep", "pinhole",
	    "c", "haproxy", 1.25, 1)
	target("b: 16 tunnels ≥ 1.1× HAProxy splice relay", "pinhole", "b",
	    "haproxy", 1.1, 1)
	every("c: SOCKS5 setups/s ≥ 0.95× CONNECT, every rep",
	    "pinhole-socks5", "c", "pinhole", 0.95, 1)
	spread("c: SOCKS5 setups/s, every rep within ±10%",
	    "pinhole-socks5", "c", 0.10)
	every("g: pcap on ≥ 0.9× off, setups/s, every rep", "pinhole-pcap",
	    "c", "pinhole", 0.9, 1)
	target("d: SOCKS5 ping-pong p99 ≤ Dante", "pinhole-socks5", "d99",
	    "dante", 1, 0)
	bp = best_peer("pinhole", "d50")
	target("d: CONNECT ping-pong p50 ≤ best peer", "pinhole", "d50", bp,
	    1, 0)
	target("e: KiB per idle tunnel ≤ 0.75× HAProxy (CONNECT)", "pinhole",
	    "e", "haproxy", 0.75, 0)
	out(sprintf("goals: %d PASS, %d MISS, %d not measured", npass, nmiss,
	    nna))
	mdout("")
	mdout(sprintf("%d PASS, %d MISS, %d not measured.", npass, nmiss, nna))
	npass += p7; nmiss += m7; nna += n7
}
