#!/bin/sh
# Installs the Debian packages pinhole needs, only those missing.
#   scripts/deps.sh build   compiler and libraries
#   scripts/deps.sh test    the above, plus what the tests run
#   scripts/deps.sh soak    the above, plus valgrind (make test-valgrind)
#   scripts/deps.sh bench   build, plus what make bench runs and compares
#   scripts/deps.sh list build|test|soak|bench   print the list, install
#                           nothing
# scripts/commands.txt names the package of every command the tests, the
# benches and the Makefile call; tests/integration/deps.sh checks that
# each of those packages is in the list here.  Packages go in with
# --no-install-recommends: a recommended package that matters is named
# here itself (libclang-rt-dev: libFuzzer and clang's sanitizer
# runtimes, which clang only recommends).
set -eu

build="gcc libc6-dev make pkg-config libevent-dev libssl-dev libpcap-dev \
libinih-dev libjansson-dev libcrypt-dev libseccomp-dev libpsl-dev zlib1g-dev"
test="$build clang libclang-rt-dev python3 dnsmasq-base curl openssl \
tshark whois iproute2 util-linux procps systemd man-db groff-base mandoc \
logrotate haproxy python3-pacparser python3-socks \
chromium"
soak="$test valgrind"
bench="$build git procps python3 squid tinyproxy dante-server haproxy"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
soak) want=$soak ;;
bench) want=$bench ;;
list)
	case "${2:-}" in
	build) echo $build ;;
	test) echo $test ;;
	soak) echo $soak ;;
	bench) echo $bench ;;
	*) echo "usage: $0 list build|test|soak|bench" >&2; exit 2 ;;
	esac
	exit 0 ;;
*) echo "usage: $0 build|test|soak|bench|list" >&2; exit 2 ;;
esac

missing=
for pkg in $want; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "pinhole needs these Debian packages:$missing" >&2
	echo "install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d answering 101 keeps the services of the packages (squid,
# haproxy...) from starting: the tests and the bench start their own,
# on their own ports.  One already there is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	trap 'exit 1' INT TERM HUP
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi
rc=0
# A fresh box often runs its own apt (unattended-upgrades) at boot, and
# two make targets may install at once: wait for the lock, do not fail.
apt-get -o DPkg::Lock::Timeout=600 update -qq || rc=$?
# shellcheck disable=SC2086
[ "$rc" = 0 ] && { apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing \
    >/dev/null || rc=$?; }
exit "$rc"
