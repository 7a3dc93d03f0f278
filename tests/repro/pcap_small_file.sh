#!/bin/sh
# Reproduction (fixed on branch pcapreview): a file that is not pinhole's at the pcap
# path (here through a symlink) and shorter than a pcap header (24
# bytes) is truncated and taken over; one of 24 bytes or more is
# refused ("not a capture of pinhole's").  Run from the top of the tree,
# under the bench lock.
. tests/integration/lib.sh
t_proxy_world_or_bail
printf 'token=abc123\n' >"$T_DIR/secret"		# 13 bytes
ln -s "$T_DIR/secret" "$T_DIR/s.pcap"
t_proxy_conf "$T_DIR/s.ini" "$P" "$T_DIR/s.jsonl"
sed -i -e 's/^workers = 1$/workers = 2/' \
    -e "/^access = /a pcap = $T_DIR/s.pcap" "$T_DIR/s.ini"
# (refused, pinhole does not start, as for a longer file not its own)
t_start_pinhole "$T_DIR/s.ini" "$T_DIR/s.err" "$P" 2 30
kill -TERM "$PH_PID" 2>/dev/null
t_wait_exit "$PH_PID" 100
t_eq "$(od -An -c "$T_DIR/secret" | tr -d ' \n')" \
    'token=abc123\n' "the 13-byte file the pcap path points to is left alone"
t_done
