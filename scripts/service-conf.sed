# Turns conf/pinhole.ini (the example `make run` starts) into the config
# `make install` puts in /etc/pinhole/pinhole.ini for the service: the
# cache, the flow log and the lists where the service keeps them, no
# trial rule.  scripts/install.mk then puts SYSCONFDIR in place of /etc.
# tests/integration/install.sh checks the result.

# The header says what this file is.
/^; pinhole example config: what `make run` starts\./c\
; pinhole config for the service, installed by `make install` (which\
; never overwrites it) from conf/pinhole.ini; pinhole(8) tells every key.\
; Every key is shown with

# Clients reach the proxy on an address the admin picks.
s/^; Default 0\.0\.0\.0:3128\.  This example listens on loopback only\.$/; Default 0.0.0.0:3128.  Installed on loopback only: put the address\
; your clients reach here, then `systemctl restart pinhole`./

# systemd starts the service as its user.
/^user =/i\
; Under systemd leave this empty: the unit runs pinhole as user pinhole.

# No trial rule in production: from its comment to the blank line after.
/^; For trying pinhole out after `make run`/,/^$/d

# The lists next to the config, by absolute path.
s|^file = lists/|file = /etc/pinhole/lists/|

# The cache in the service's StateDirectory.
s|^dir = .*|dir = /var/lib/pinhole|

# Flow records in the service's LogsDirectory (rotated by logrotate).
s|^access = .*|access = /var/log/pinhole/flows.jsonl|
/^pcap =/i\
; For the service: /var/log/pinhole/flows.pcap (pinhole rotates it).
/^events =/i\
; Under systemd stderr and syslog both go to the journal.
