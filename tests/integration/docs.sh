#!/bin/sh
# The docs stay true to the code: the README stays short, every config
# key of proxy/confkey.c has its line in the admin guide's key table
# (the man page and conf/pinhole.ini are checked by install.sh and
# test_config), and every link between the documents leads to a file.
. tests/integration/lib.sh

n=$(wc -l <README.md)
t_okd "$([ "$n" -le 200 ] && echo 0 || echo 1)" \
    "README.md is at most 200 lines" "it has $n"

sed -n 's/^[[:space:]]*{ SEC_\([A-Z]*\), "\([a-z0-9_]*\)".*/\1 \2/p' \
    proxy/confkey.c | while read -r sec key; do
	sec=$(echo "$sec" | tr '[:upper:]' '[:lower:]')
	case $sec in
	allow | list) echo "[$sec NAME] $key" ;;
	*) echo "[$sec] $key" ;;
	esac
done | LC_ALL=C sort >"$T_DIR/keys.code"
sed -n 's/^| `\(\[[a-z]* *[A-Z]*\] [a-z0-9_]*\)` |.*/\1/p' \
    docs/admin-guide.md | LC_ALL=C sort >"$T_DIR/keys.guide"
n=$(wc -l <"$T_DIR/keys.code")
t_okd "$([ "$n" -gt 50 ] && echo 0 || echo 1)" \
    "$n config keys read from proxy/confkey.c" "$(head "$T_DIR/keys.code")"
t_eq "$(comm -23 "$T_DIR/keys.code" "$T_DIR/keys.guide" | tr '\n' ';')" "" \
    "every config key of confkey.c is in the admin guide's key table"
t_eq "$(comm -13 "$T_DIR/keys.code" "$T_DIR/keys.guide" | tr '\n' ';')" "" \
    "the admin guide lists no key that confkey.c does not accept"

# Every metric the admin endpoint writes has its line in operations.md.
grep -o 'TYPE pinhole_[a-z_]*' proxy/admin.c | awk '{ print $2 }' |
    LC_ALL=C sort -u >"$T_DIR/metrics.code"
grep -o '^| `pinhole_[a-z_]*`' docs/operations.md | tr -d '|` ' |
    LC_ALL=C sort -u >"$T_DIR/metrics.doc"
n=$(wc -l <"$T_DIR/metrics.code")
t_okd "$([ "$n" -gt 15 ] && echo 0 || echo 1)" \
    "$n metrics read from proxy/admin.c" "$(head "$T_DIR/metrics.code")"
t_eq "$(comm -3 "$T_DIR/metrics.code" "$T_DIR/metrics.doc" | tr -d '\t' |
    tr '\n' ';')" "" \
    "operations.md lists exactly the metrics proxy/admin.c writes"

# Relative links: [text](path) and [text](path#anchor).
for f in README.md docs/*.md; do
	dir=$(dirname "$f")
	grep -o '](\([^)#:]*\)[^)]*)' "$f" | sed 's/^](\([^)#]*\).*/\1/' |
	    while read -r link; do
		[ -n "$link" ] || continue
		[ -e "$dir/$link" ] || echo "$f: $link"
	done
done >"$T_DIR/badlinks"
t_eq "$(tr '\n' ';' <"$T_DIR/badlinks")" "" \
    "every relative link in README.md and docs/ leads to a file"
t_done
