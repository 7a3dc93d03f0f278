#!/bin/sh
# pinhole under valgrind memcheck, for PINHOLE=: every argument goes to
# the program.  Each process writes its report to $VG_LOGDIR/vg.PID.log
# (the PID is the program's: valgrind runs it in its own process, so
# signals sent to this PID reach pinhole).  Exits 97 on a memcheck
# error or a definite leak, else with pinhole's status.
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --error-exitcode=97 --num-callers=30 \
    --track-origins=yes --log-file="${VG_LOGDIR:-/tmp}/vg.%p.log" \
    "${VG_PINHOLE:-build/valgrind/pinhole}" "$@"
