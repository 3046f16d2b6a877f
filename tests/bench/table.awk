# table.awk — turns the BENCH lines collected by scripts/bench.sh into the Markdown table of
# tests/bench/RESULTS.md, with the ratios and targets of issue 8. Variables: machine, lines,
# patients. Each input line: BENCH name=NAME lines=N runs=K median_s= min_s= max_s= rss_kb=
# bytes= (or missing=WHAT / failed=1 when a benchmark could not run).
function field(row, key,    n, i, kv, parts) {
	n = split(row, parts, " ")
	for (i = 2; i <= n; i++) {
		split(parts[i], kv, "=")
		if (kv[1] == key)
			return kv[2]
	}
	return ""
}
function rate(n, s) { return s > 0 ? n / s : 0 }
function human(x) {
	if (x >= 1e6) return sprintf("%.2f M", x / 1e6)
	if (x >= 1e3) return sprintf("%.0f k", x / 1e3)
	return sprintf("%.0f", x)
}
function row(label, name, note,    r, n, med, lo, hi, mb) {
	r = rows[name]
	if (r == "") { printf "| %s | not run | | | | %s |\n", label, note; return }
	if (field(r, "missing") != "") {
		printf "| %s | %s | | | | %s |\n", label, (field(r, "missing") == "pending" ? \
			"pending" : field(r, "missing") " not found"), note
		return
	}
	if (field(r, "failed") != "") { printf "| %s | FAILED | | | | %s |\n", label, note; return }
	n = field(r, "lines"); med = field(r, "median_s")
	lo = rate(n, field(r, "max_s")); hi = rate(n, field(r, "min_s"))
	# (the batch's bytes are its database's size, not output)
	mb = ""
	if (field(r, "bytes") > 0 && name !~ /^batch/)
		mb = sprintf("%.0f", field(r, "bytes") / med / 1e6)
	printf "| %s | %s (%s–%s) | %.0f | %s | %d MiB | %s |\n", label, human(rate(n, med)),
		human(lo), human(hi), med * 1e9 / n, mb, field(r, "rss_kb") / 1024, note
	speed[name] = rate(n, med)
}
# Rows are keyed by name; the batch prints one row per database size, keyed batch@LINES. A
# name printed several times (the interleaved SQLite rounds, one run each) is summarised at
# the end: the median of the runs, their min and max, the largest RSS.
{
	key = field($0, "name")
	if (key == "batch" && field($0, "lines") != "")
		key = "batch@" field($0, "lines")
	if (!(key in seen)) {
		seen[key] = 1
		order[++count] = key
		rows[key] = $0
	} else if (rows[key] !~ /(failed|missing)=/) {
		rows[key] = $0 ~ /(failed|missing)=/ ? $0 : rows[key]
	}
	if ($0 !~ /(failed|missing)=/) {
		k = ++nrun[key]
		med[key, k] = field($0, "median_s") + 0
		lo = field($0, "min_s") + 0; hi = field($0, "max_s") + 0; kb = field($0, "rss_kb") + 0
		if (k == 1 || lo < tmin[key]) tmin[key] = lo
		if (k == 1 || hi > tmax[key]) tmax[key] = hi
		if (k == 1 || kb > rss[key]) rss[key] = kb
		nlines[key] = field($0, "lines"); nbytes[key] = field($0, "bytes")
	}
}
# The row of `key` rebuilt from several one-run lines.
function merged(key,    n, i, j, t, v, m) {
	n = nrun[key]
	for (i = 1; i <= n; i++) v[i] = med[key, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return sprintf("BENCH name=%s lines=%s runs=%d median_s=%.6f min_s=%.6f max_s=%.6f " \
		"rss_kb=%d bytes=%s", key, nlines[key], n, m, tmin[key], tmax[key], rss[key],
		nbytes[key])
}
END {
	for (i = 1; i <= count; i++)
		if (nrun[order[i]] > 1 && rows[order[i]] !~ /(failed|missing)=/)
			rows[order[i]] = merged(order[i])
	print "machine: " machine
	print "workload: " lines " charge lines, " patients " patients (gencase seed 1)"
	print ""
	print "| measurement | lines/s median (min–max) | ns/line | MB/s | peak RSS | what |"
	print "|---|---|---|---|---|---|"
	row("in-memory pricing", "model", "cb_case_price on a case loaded once")
	row("document: parse + price", "price", "cb_case_price_buffer on the whole case")
	row("parse + validate", "parse", "cb_case__load: parse, XSD, case model")
	row("claim writing", "write", "cb_result_write_buffer")
	row("carebill price, end to end", "cli", "fork/exec, -o /dev/null")
	row("engine from SQLite", "sqlite", "rows → case builder per patient → price → claims")
	row("engine from SQLite via XML", "sqlite_xml", "rows → case XML per patient → price → claims")
	row("I/O floor from SQLite", "floor", "same rows, same bytes, no pricing")
	row("Python decimal baseline", "baseline", "same rows, medical split + settlement, XML")
	batches = 0
	for (i = 1; i <= count; i++)
		if (order[i] ~ /^batch@/) {
			n = field(rows[order[i]], "lines")
			row("nightly batch, " n " lines", order[i], "bench_batch: carebill batch, 1 run")
			batch_rss[++batches] = field(rows[order[i]], "rss_kb")
			batch_lines[batches] = n
		}
	if (!batches)
		row("nightly batch", "batch", "bench_batch (issue 5)")
	print ""
	if (speed["model"] > 0)
		printf "- in-memory pricing: %s lines/s = %.2f × the 2 M lines/s target (%s)\n",
			human(speed["model"]), speed["model"] / 2e6,
			(speed["model"] >= 2e6 ? "met" : "missed")
	if (speed["sqlite"] > 0 && speed["floor"] > 0)
		printf "- engine / floor = %.3f (target ≥ 0.5: %s)\n", speed["sqlite"] / speed["floor"],
			(speed["sqlite"] / speed["floor"] >= 0.5 ? "met" : "missed")
	if (speed["sqlite"] > 0 && speed["baseline"] > 0)
		printf "- baseline / engine = %.3f, so the engine runs at %.2f × the baseline " \
			"(target ≥ 4×: %s)\n",
			speed["baseline"] / speed["sqlite"], speed["sqlite"] / speed["baseline"],
			(speed["sqlite"] / speed["baseline"] >= 4 ? "met" : "missed")
	else
		print "- baseline / engine: no baseline figure (python3 not found)"
	if (batches >= 2 && batch_rss[1] > 0)
		printf "- batch peak RSS: %d MiB at %d lines, %d MiB at %d lines: %+.1f%% " \
			"(target within 10%%: %s)\n",
			batch_rss[1] / 1024, batch_lines[1], batch_rss[batches] / 1024,
			batch_lines[batches], (batch_rss[batches] / batch_rss[1] - 1) * 100,
			((batch_rss[batches] / batch_rss[1] - 1) * 100 <= 10 ? "met" : "missed")
}
