# SPDX-License-Identifier: GPL-2.0
#
# scripts/mangen.awk: one docs/man/<page>.<sec>.md source to a roff man page
# (mode=page), or to its lib/README.md table row (mode=row).  POSIX awk (mawk
# is enough).  The source format is described in docs/man/README.md; the
# SYNOPSIS is taken from the headers (vars: incdirs, a space-separated list of
# directories to look for "<header>" in), never written by hand.
#
#   awk -f mangen.awk -v mode=page -v version=V -v src=NAME -v incdirs="A B" FILE
#   awk -f mangen.awk -v mode=row FILE

function die(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# Inline markup: `code` bold (hyphens are minus signs there), *arg* italic;
# a backslash is printed as itself, a "-" before a digit is a minus.
function inline(s,    out, i, c, n, code, ital, nx) {
	out = ""
	code = 0
	ital = 0
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		nx = substr(s, i + 1, 1)
		if (c == "\\") {
			out = out "\\e"
		} else if (c == "`") {
			code = !code
			out = out (code ? "\\fB\\%" : "\\fR")
		} else if (code && c == "-") {
			out = out "\\-"
		} else if (!code && c == "-" && nx ~ /[0-9]/) {
			out = out "\\-"
		} else if (!code && c == "*" && (ital || nx ~ /[A-Za-z_]/)) {
			ital = !ital
			out = out (ital ? "\\fI\\%" : "\\fR")
		} else {
			out = out c
		}
	}
	if (code || ital)
		die("unbalanced ` or * in: " s)
	return out
}

# A line of roff text: no leading control character.
function textline(s) {
	s = inline(s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

function codeline(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

function endblock() {
	if (incode) {
		print ".EE"
		print ".in"
		incode = 0
	}
	inlist = 0
	needpp = 1
}

# The prototype of fn in header hdr: the declaration statement that has
# "fn(", comments and preprocessor lines skipped, whitespace collapsed,
# "extern" and the reserved "__" of parameter names dropped.
function proto(hdr, fn,    d, path, line, stmt, incomment, found, p) {
	path = ""
	split(incdirs, dirs, " ")
	for (d = 1; d in dirs; d++) {
		if ((getline line < (dirs[d] "/" hdr)) > 0) {
			path = dirs[d] "/" hdr
			close(path)
			break
		}
		close(dirs[d] "/" hdr)
	}
	if (path == "")
		die("header <" hdr "> not found in " incdirs)
	stmt = ""
	incomment = 0
	found = ""
	while ((getline line < path) > 0) {
		if (incomment) {
			if (line !~ /\*\//)
				continue
			sub(/.*\*\//, "", line)
			incomment = 0
		}
		gsub(/\/\*([^*]|\*[^\/])*\*\//, "", line)
		if (line ~ /\/\*/) {
			sub(/\/\*.*/, "", line)
			incomment = 1
		}
		if (line ~ /^[ \t]*#/)
			continue
		stmt = stmt " " line
		if (line !~ /[;{}]/)
			continue
		gsub(/[ \t]+/, " ", stmt)
		sub(/^ /, "", stmt)
		if (found == "" && match(stmt, "[ *]" fn "\\(") && stmt ~ /\);$/ &&
		    index(stmt, "typedef") == 0 && index(stmt, "define") == 0) {
			p = RSTART
			if (substr(stmt, 1, p) !~ /[(=]/)
				found = stmt
		}
		stmt = ""
	}
	close(path)
	if (found == "")
		die("no prototype of " fn " in <" hdr ">")
	sub(/^extern /, "", found)
	gsub(/__/, "", found)
	gsub(/\( /, "(", found)
	return found
}

# Breaks a prototype after commas to fit 78 columns, continuation lines
# aligned after the opening parenthesis.
function wrap(s,    col, out, line, rest, p, cut, q) {
	col = index(s, "(")
	out = ""
	line = s
	while (length(line) > 72) {
		cut = 0
		rest = line
		q = 0
		while ((p = index(rest, ", ")) > 0 && q + p <= 71) {
			q += p + 1
			rest = substr(rest, p + 2)
			cut = q
		}
		if (cut == 0)
			break
		out = out codeline(substr(line, 1, cut - 1)) "\n"
		line = sprintf("%" col "s", "") substr(line, cut + 1)
	}
	return out codeline(line)
}

function synopsis(    i, parts, hdr, names, n, j, k) {
	print ".SH SYNOPSIS"
	print ".nf"
	for (i = 1; i <= nsyn; i++) {
		split(syn[i], parts, ":")
		hdr = parts[1]
		gsub(/ /, "", hdr)
		if (i > 1)
			print ""
		print ".B #include <" hdr ">"
		print ""
		n = split(parts[2], names, " ")
		for (j = 1; j <= n; j++)
			print wrap(proto(hdr, names[j]))
	}
	print ".fi"
	if (section ~ /^3/) {
		print ".PP"
		print "Link with"
		print ".I \\-lchan"
		print "(\\fBpkg\\-config \\-\\-cflags \\-\\-libs libchan\\fR)."
	}
}

function seealso(s,    n, refs, i, r, nm, sc) {
	gsub(/[ \t]+/, " ", s)
	sub(/^ /, "", s)
	sub(/[ .]*$/, "", s)
	n = split(s, refs, ", ")
	for (i = 1; i <= n; i++) {
		r = refs[i]
		if (r !~ /^[A-Za-z0-9_.-]+\([0-9a-z]+\)$/)
			die("SEE ALSO wants \"name(sec), name(sec)\": " r)
		nm = r
		sub(/\(.*/, "", nm)
		sc = r
		sub(/.*\(/, "", sc)
		sub(/\)/, "", sc)
		gsub(/-/, "\\-", nm)
		print ".BR \\%" nm " (" sc ")" (i < n ? "," : "")
	}
}

BEGIN {
	inhead = 1
	nsyn = 0
	failed = 0
}

# The header: "# title(sec)", then "key: value" lines, up to the first "##".
inhead && /^<!--.*-->$/ {
	if ($0 ~ /SPDX-License-Identifier/) {
		spdx = $0
		sub(/^<!-- */, "", spdx)
		sub(/ *-->$/, "", spdx)
	}
	next
}
inhead && /^# / {
	title = $2
	section = title
	sub(/\(.*/, "", title)
	sub(/^[^(]*\(/, "", section)
	sub(/\).*/, "", section)
	next
}
inhead && /^name: / { namel = substr($0, 7); next }
inhead && /^row: / { row = substr($0, 6); next }
inhead && /^synopsis: / { syn[++nsyn] = substr($0, 11); next }
inhead && /^[ \t]*$/ { next }
inhead && !/^## / { die("unknown header line (want name:, row:, synopsis:)") }

/^## / {
	if (inhead) {
		inhead = 0
		if (title == "" || section == "" || namel == "" || index(namel, " - ") == 0)
			die("header needs \"# title(sec)\" and \"name: a, b - summary\"")
		if (mode == "page") {
			print ".\\\" " spdx
			print ".\\\" Generated by scripts/mangen from " src ": edit that, not this."
			printf ".TH %s %s \"\" \"qchan %s\" \"qchan manual\"\n", title, section, version
			print ".SH NAME"
			nl = namel
			gsub(/-/, "\\-", nl)
			# No hyphenation inside a name.
			gsub(/, /, ", \\%", nl)
			nl = "\\%" nl
			print nl
			if (nsyn)
				synopsis()
		}
	}
	if (sa != "") {
		seealso(sa)
		sa = ""
	}
	endblock()
	cur = substr($0, 4)
	if (cur == "SYNOPSIS" && nsyn)
		die("SYNOPSIS comes from the synopsis: lines")
	if (mode == "page")
		print ".SH " cur
	needpp = 0
	next
}

inhead { next }

mode == "row" {
	if (cur != "QCHAN NOTES")
		next
	if ($0 ~ /^[ \t]*$/) {
		if (notes != "")
			blank = 1
		next
	}
	if (blank)
		die("QCHAN NOTES of a page with row: must be one paragraph (it is the README's cell)")
	t = $0
	sub(/^[ \t]+/, "", t)
	notes = notes (notes == "" ? "" : " ") t
	next
}

cur == "SEE ALSO" { sa = sa " " $0; next }

/^[ \t]*$/ { endblock(); next }

/^### / {
	endblock()
	print ".SS " substr($0, 5)
	needpp = 0
	next
}

# A list item; "- `term`: text" is a tagged paragraph (errno lists).
/^- / {
	if (incode)
		endblock()
	t = substr($0, 3)
	if (t ~ /^`[^`]+`: /) {
		print ".TP"
		p = index(substr(t, 2), "`")
		print textline(substr(t, 1, p + 1))
		print textline(substr(t, p + 4))
	} else {
		print ".IP \\(bu 2"
		print textline(t)
	}
	inlist = 1
	needpp = 0
	next
}

inlist && /^  [^ ]/ {
	t = $0
	sub(/^ +/, "", t)
	print textline(t)
	next
}

/^(    |\t)/ {
	if (!incode) {
		if (needpp || inlist)
			print ".PP"
		print ".in +4n"
		print ".EX"
		incode = 1
		inlist = 0
		needpp = 0
	}
	t = $0
	sub(/^(    |\t)/, "", t)
	print codeline(t)
	next
}

{
	if (incode)
		endblock()
	if (needpp) {
		print ".PP"
		needpp = 0
	}
	t = $0
	sub(/^[ \t]+/, "", t)
	print textline(t)
}

END {
	if (failed)
		exit 1
	if (inhead)
		die("no sections")
	if (mode == "row") {
		if (row == "")
			exit 0
		if (notes == "")
			die("a page with row: needs a QCHAN NOTES section (its README cell)")
		gsub(/\|/, "\\|", row)
		gsub(/\|/, "\\|", notes)
		print "| " row " | " notes " |"
		exit 0
	}
	if (sa != "")
		seealso(sa)
	endblock()
}
