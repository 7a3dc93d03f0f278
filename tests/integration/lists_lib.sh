# Helpers for the vendor list tests (lists*.sh), sourced after lib.sh:
# test certificates made with openssl, the scriptable vendor server
# (tests/tools/vendor_server.py), pinhole configs with [list] sections,
# and checks through a running pinhole.  Only functions are defined
# here, so running this file alone does nothing.
# shellcheck shell=sh

# Test PKI in $T_DIR/certs: ca (the CA pinhole trusts), ca2 (another
# one), and server certificates for the vendor server:
#   server   by ca, DNS:localhost, DNS:vendor.test, IP:127.0.0.1
#   other    by ca2, same names
#   expired  by ca, same names, valid January 2020 only
#   wrong    by ca, DNS:wrong.test, IP:127.0.0.2 only
#   cnonly   by ca, CN=vendor.test and no subjectAltName
vl_certs() {
	mkdir -p "$T_DIR/certs/db" || return 1
	(
		cd "$T_DIR/certs" || exit 1
		for ca in ca ca2; do
			openssl req -x509 -newkey ec -pkeyopt \
			    ec_paramgen_curve:P-256 -nodes -keyout $ca.key \
			    -out $ca.crt -subj "/CN=pinhole test $ca" -days 2 \
			    -addext basicConstraints=critical,CA:TRUE \
			    -addext keyUsage=critical,keyCertSign,cRLSign ||
			    exit 1
		done
		good='subjectAltName=DNS:localhost,DNS:vendor.test,IP:127.0.0.1'
		for c in server other expired wrong; do
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			    -nodes -keyout $c.key -out $c.csr \
			    -subj "/CN=$c" || exit 1
		done
		echo "$good" >good.ext
		echo 'subjectAltName=DNS:wrong.test,IP:127.0.0.2' >wrong.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
		    -set_serial 1 -days 2 -extfile good.ext -out server.crt &&
		openssl x509 -req -in other.csr -CA ca2.crt -CAkey ca2.key \
		    -set_serial 2 -days 2 -extfile good.ext -out other.crt &&
		openssl x509 -req -in wrong.csr -CA ca.crt -CAkey ca.key \
		    -set_serial 3 -days 2 -extfile wrong.ext -out wrong.crt ||
		    exit 1
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout cnonly.key -out cnonly.csr \
		    -subj "/CN=vendor.test" &&
		openssl x509 -req -in cnonly.csr -CA ca.crt -CAkey ca.key \
		    -set_serial 9 -days 2 -out cnonly.crt || exit 1
		# an expired one needs fixed dates: openssl ca
		: >db/index
		echo 04 >db/serial
		cat >ca.cnf <<EOF
[ca]
default_ca = d
[d]
database = db/index
new_certs_dir = db
serial = db/serial
default_md = sha256
policy = p
[p]
commonName = supplied
[x]
$good
EOF
		openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \
		    -in expired.csr -out expired.crt -notext -extensions x \
		    -startdate 20200101000000Z -enddate 20200201000000Z
	) >"$T_DIR/certs.log" 2>&1
}

# Starts the vendor server: TLS on 127.0.0.1:$VTLS, plain HTTP on
# 127.0.0.1:$VPLAIN, routes in $VL_WWW/routes, requests logged to
# $VL_LOG.  Its PID is VL_PID.
vl_start_vendor() {
	VL_WWW=$T_DIR/www
	VL_LOG=$T_DIR/vendor.log
	mkdir -p "$VL_WWW"
	t_bg "$T_DIR/vendor.out" "$T_PY" "$T_TOOLS/vendor_server.py" \
	    --www "$VL_WWW" --certs "$T_DIR/certs" --log "$VL_LOG" \
	    --tls "$VTLS" --plain "$VPLAIN" --lifetime 180
	VL_PID=$T_BG_PID
	t_wait_port "$VTLS" 1 100 "$VL_PID" &&
	    t_wait_port "$VPLAIN" 1 100 "$VL_PID"
}

# The proxy tests' world plus a vendor: free ports VTLS, VPLAIN and
# ADMIN (for pinhole's admin endpoint), certificates, the vendor server
# started; two checks, and the script bails out when there are no ports.
vl_world_or_bail() {
	_vl_ports=$(t_free_ports 3) || { echo "Bail out! no free ports"; exit 1; }
	# shellcheck disable=SC2086
	set -- $_vl_ports
	VTLS=$1 VPLAIN=$2 ADMIN=$3
	vl_certs
	t_okd $? "test CA and server certificates made" "$(cat "$T_DIR/certs.log")"
	vl_start_vendor
	t_ok $? "vendor server listens on 127.0.0.1:$VTLS (TLS)"
}

vl_stop_vendor() {
	kill "$VL_PID" 2>/dev/null
	t_wait_exit "$VL_PID" 50
}

# Sets what PATH answers (see vendor_server.py), replacing its old line.
vl_route() {	# vl_route PATH ACTION [ARG...]
	_vl_p=$1
	shift
	{
		grep -v "^$_vl_p " "$VL_WWW/routes" 2>/dev/null
		echo "$_vl_p $*"
	} >"$VL_WWW/routes.tmp"
	mv "$VL_WWW/routes.tmp" "$VL_WWW/routes"
}

# Writes file NAME of the vendor server: each argument a line.
vl_put() {	# vl_put NAME [LINE...]
	_vl_n=$1
	shift
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" >"$VL_WWW/$_vl_n.tmp"
	else
		: >"$VL_WWW/$_vl_n.tmp"
	fi
	mv "$VL_WWW/$_vl_n.tmp" "$VL_WWW/$_vl_n"
}

# Serves PATH as a file of the given lines.
vl_serve() {	# vl_serve PATH [LINE...]
	_vl_path=$1
	shift
	_vl_f=$(echo "$_vl_path" | tr '/' '_')
	vl_put "$_vl_f" "$@"
	vl_route "$_vl_path" file "$_vl_f"
}

# Which certificate the TLS port shows from the next connection on.
vl_cert() {	# vl_cert NAME
	echo "$1" >"$VL_WWW/cert"
}

# How many requests for PATH the vendor server has seen.
vl_requests() {	# vl_requests PATH
	if [ -f "$VL_LOG" ]; then
		grep -c "\"path\": \"$1\"" "$VL_LOG"
	else
		echo 0
	fi
}

# Waits (at most TENTHS, default 50) until the vendor server has seen
# more than N requests for PATH.
vl_wait_requests() {	# vl_wait_requests PATH N [TENTHS]
	_vl_i=0
	while [ $_vl_i -lt "${3:-50}" ]; do
		[ "$(vl_requests "$1")" -gt "$2" ] && return 0
		sleep 0.1
		_vl_i=$((_vl_i + 1))
	done
	return 1
}

# Writes a pinhole config to FILE: listening on 127.0.0.1:$P, clients
# 127.0.0.0/8, no private ranges (the test destinations are 127.0.0.x;
# VL_DENY_PRIVATE=yes turns them on), rule v on port 443 (and $VL_PORTS)
# with the LISTS, cache in $VL_CACHE (default $T_DIR/cache), dns from
# dnsmasq at $DNS_PORT and $VL_HOSTS as hosts_file, flows to
# $T_DIR/flows.jsonl, the admin endpoint on $VL_ADMIN (default off); the
# [list] sections (and any more) come from standard input.
vl_conf() {	# vl_conf FILE LISTS [ACL-LINE...] <SECTIONS
	_vl_f=$1 _vl_lists=$2
	shift 2
	{
		cat <<EOC
[proxy]
listen = 127.0.0.1:$P
clients = 127.0.0.0/8
workers = 1
shutdown_grace = 1s

[acl]
deny_private = ${VL_DENY_PRIVATE:-no}
EOC
		for _vl_line in "$@"; do
			echo "$_vl_line"
		done
		cat <<EOC

[allow v]
lists = $_vl_lists
ports = 443${VL_PORTS:+, $VL_PORTS}

[cache]
dir = ${VL_CACHE:-$T_DIR/cache}

[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file = ${VL_HOSTS:-}

[log]
access = $T_DIR/flows.jsonl

[admin]
listen = ${VL_ADMIN:-}

EOC
		cat
	} >"$_vl_f"
}

# Starts pinhole on CONF, stderr to $T_DIR/NAME.err (VL_ERR).
vl_start() {	# vl_start CONF NAME
	VL_ERR=$T_DIR/$2.err
	VL_NAME=$2
	t_start_pinhole "$1" "$VL_ERR" "$P" 1
}

# Stops it: two checks (exit 0, no sanitizer report).
vl_stop() {
	t_stop_pinhole "$PH_PID" "$VL_ERR" "$VL_NAME"
}

# Waits (at most TENTHS, default 50) for COUNT lines (default 1) of
# pinhole's stderr to match the basic regex RE; one check.
vl_expect() {	# vl_expect RE DESCRIPTION [COUNT [TENTHS]]
	t_wait_grep "$VL_ERR" "$1" "${3:-1}" "${4:-50}"
	_vl_rc=$?
	t_ok $_vl_rc "$VL_NAME: $2"
	if [ $_vl_rc != 0 ]; then
		echo "#   no line matches: $1"
		tail -n 15 "$VL_ERR" | sed 's/^/#   /'
	fi
	return $_vl_rc
}

# t_ok STATUS DESCRIPTION, and on failure DETAIL as "#" lines.
vl_ok() {	# vl_ok STATUS DESCRIPTION DETAIL
	t_ok "$1" "$2"
	[ "$1" = 0 ] || printf '%s\n' "$3" | head -n 20 | sed 's/^/#   /'
	return "$1"
}

# Is there no line matching RE in pinhole's stderr?  One check.
vl_absent() {	# vl_absent RE DESCRIPTION
	! grep -q -- "$1" "$VL_ERR"
	_vl_rc=$?
	t_ok $_vl_rc "$VL_NAME: $2"
	[ $_vl_rc = 0 ] || grep -- "$1" "$VL_ERR" | head -n 3 | sed 's/^/#   /'
}

# What pinhole answers to a SOCKS5 CONNECT to HOST:PORT (port 443 when
# not given): "socks5:2" is the ACL's refusal; "socks5:5" means the ACL
# let it pass and the connection was refused (nothing listens there).
# VIA=connect asks with HTTP CONNECT: 403 or 502 instead.
vl_code() {	# vl_code HOST[:PORT]
	case $1 in
	*:*) _vl_dest=$1 ;;
	*) _vl_dest=$1:443 ;;
	esac
	"$T_PY" "$T_TOOLS/vendor_tunnel.py" probe --proxy "127.0.0.1:$P" \
	    --dest "$_vl_dest" --via "${VIA:-socks5}" 2>&1
}

# A SOCKS5 CONNECT to HOST:443 passes the ACL: pinhole tries to connect
# and nothing listens there (SOCKS5 reply 5); the ACL says 2.
vl_allowed() {	# vl_allowed HOST DESCRIPTION
	t_eq "$(vl_code "$1")" socks5:5 "$VL_NAME: $2 ($1 allowed)"
}

vl_denied() {	# vl_denied HOST DESCRIPTION
	t_eq "$(vl_code "$1")" socks5:2 "$VL_NAME: $2 ($1 denied)"
}

# The status of GET /healthz on pinhole's port, and how long it took.
vl_health() {
	curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 \
	    "http://127.0.0.1:$P/healthz" 2>/dev/null
}

# Field KEY of cache file $VL_CACHE/NAME.meta.
vl_meta() {	# vl_meta NAME KEY
	sed -n "s/^$2 //p" "${VL_CACHE:-$T_DIR/cache}/$1.meta" 2>/dev/null
}

# Waits (at most 5 s) until field KEY of NAME.meta is VALUE: the list
# thread writes the cache just after a version is taken.
vl_wait_meta() {	# vl_wait_meta NAME KEY VALUE
	_vl_i=0
	while [ $_vl_i -lt 50 ] && [ "$(vl_meta "$1" "$2")" != "$3" ]; do
		sleep 0.1
		_vl_i=$((_vl_i + 1))
	done
}
