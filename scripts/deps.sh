#!/bin/sh
# Installs the Debian packages pinhole needs, only those missing.
#   scripts/deps.sh build   compiler and libraries
#   scripts/deps.sh test    the above, plus what the tests run
#   scripts/deps.sh soak    the above, plus valgrind (make test-valgrind)
set -eu

build="gcc make pkg-config libevent-dev libssl-dev libpcap-dev libinih-dev libjansson-dev libcrypt-dev libseccomp-dev zlib1g-dev libpsl-dev"
test="$build dnsmasq-base curl openssl tshark clang python3 whois systemd man-db groff-base logrotate haproxy chromium"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
soak) want="$test valgrind" ;;
*) echo "usage: $0 build|test|soak" >&2; exit 2 ;;
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
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
