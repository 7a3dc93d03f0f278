#!/bin/sh
# Every program a test, a bench or the Makefile calls is installed by
# scripts/deps.sh (issue 17: make test failed on a fresh Debian 12 for
# want of iproute2, libclang-rt-dev...).  tests/tools/deps_check.py
# reads the scripts, maps each command to its package through
# scripts/commands.txt and checks the package against deps.sh's lists;
# on this machine it checks the table against dpkg -S as well.  Then
# the checker itself, on a small tree of its own: it must name a new
# command missing from the table and a package missing from deps.sh,
# and read no command out of here-documents, case patterns or quotes.
. tests/integration/lib.sh

CHECK=tests/tools/deps_check.py

# ---- the tree itself
"$T_PY" "$CHECK" check --dpkg >"$T_DIR/check.out" 2>"$T_DIR/check.err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok "*) t_ok 0 "${line#ok * - }" ;;
	"not ok "*) t_ok 1 "${line#not ok * - }" ;;
	*) echo "$line" ;;
	esac
done <"$T_DIR/check.out"
t_okd "$rc" "deps_check.py check --dpkg exits 0" "$(cat "$T_DIR/check.err")"

# ---- the checker, on a tree of its own
R=$T_DIR/tree
mkdir -p "$R/scripts" "$R/tests/integration"
cat >"$R/scripts/commands.txt" <<'EOF'
cat     base    coreutils
grep    base    grep
curl    curl
python3 python3 python3-minimal
ss      iproute2
cc      gcc+libc6-dev
unused  unused
EOF
# deps.sh list SCOPE, as the checker asks it; iproute2 and libc6-dev
# left out.
cat >"$R/scripts/deps.sh" <<'EOF'
#!/bin/sh
case "$2" in
build) echo gcc ;;
*) echo gcc curl python3 ;;
esac
EOF
printf 'all:\n\t$(CC) -o x x.c\nCC = cc\n' >"$R/Makefile"
cat >"$R/tests/integration/t.sh" <<'EOF'
#!/bin/sh
PY=/usr/bin/python3
f() { frobnicate --fast "$@"; }
out=$(curl -s http://127.0.0.1/ | grep -c x)
cat <<EOC
notacommand here
EOC
[[ -n $out && -f file ]] && (( n > 1 )) && echo
case "$out" in
neither) ;;
nor | "$out") f ;;
esac
if ss -Hlnt 'sport = :1' | grep -q .; then "$PY" -c 'import sys
EOF
# (Not at the start of a line here, where the checker would take it for
# an import of this script's own.)
printf '%s\n' "import tkinter'; fi" \
    'echo "never $(cat /dev/null) this '"'quoted'\" # comment" \
    >>"$R/tests/integration/t.sh"
DEPS_CHECK_ROOT=$R "$T_PY" "$CHECK" list >"$T_DIR/list.out" 2>&1
t_eq "$(awk '{ print $1 }' "$T_DIR/list.out" | sort -u | tr '\n' ' ')" \
    "cat cc curl frobnicate grep py:tkinter python3 ss " \
    "the checker finds the commands and modules of its test tree, no more"
DEPS_CHECK_ROOT=$R "$T_PY" "$CHECK" check >"$T_DIR/bad.out" 2>&1
t_eq "$?" 1 "the checker fails on its test tree"
grep -q '^not ok 1 .*' "$T_DIR/bad.out" &&
    grep -q '^#   not in the table.*: frobnicate (tests/integration/t.sh:3)$' \
    "$T_DIR/bad.out" &&
    grep -q '^#   not in the table.*: py:tkinter (tests/integration/t.sh:14)$' \
    "$T_DIR/bad.out"
t_okd $? "it names the command and the module missing from the table" \
    "$(cat "$T_DIR/bad.out")"
grep -q '^#   ss needs iproute2, not in `deps.sh test` (tests/integration/t.sh:13)$' \
    "$T_DIR/bad.out" &&
    grep -q '^#   cc needs libc6-dev, not in `deps.sh test` (Makefile:2)$' \
    "$T_DIR/bad.out"
t_okd $? "it names the packages deps.sh does not install" \
    "$(cat "$T_DIR/bad.out")"
grep -q '^#   no script calls unused$' "$T_DIR/bad.out"
t_okd $? "it names the table entry no script calls" "$(cat "$T_DIR/bad.out")"

t_done
