# make install / make uninstall: pinhole as a systemd service.
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]
#                  [UNITDIR=/lib/systemd/system] [MANDIR=PREFIX/share/man]
#   make uninstall (the same variables)
#
# install puts:
#   PREFIX/sbin/pinhole                 the optimized build (make pinhole)
#   SYSCONFDIR/pinhole/pinhole.ini      the service config, made from
#                                       conf/pinhole.ini by
#                                       scripts/service-conf.sed; never
#                                       overwritten
#   SYSCONFDIR/pinhole/lists/*          conf/lists/*; never overwritten
#   UNITDIR/pinhole.service             systemd/pinhole.service, naming
#                                       this PREFIX's binary and this
#                                       SYSCONFDIR's config
#   SYSCONFDIR/logrotate.d/pinhole      systemd/pinhole.logrotate
#   SYSUSERSDIR/pinhole.conf            systemd/pinhole.sysusers
#   MANDIR/man8/pinhole.8               man/pinhole.8
# Without DESTDIR (a real install, as root) it also creates the system
# user pinhole when it is missing, /var/lib/pinhole and /var/log/pinhole
# owned by it, and runs systemctl daemon-reload when systemd is running.
# With DESTDIR (a staged install, for a package) it does none of these.
#
# uninstall stops and disables the service (without DESTDIR, under
# systemd) and removes what install put, except SYSCONFDIR/pinhole (the
# config and the lists: kept, like the conffiles of a removed Debian
# package), /var/lib/pinhole, /var/log/pinhole and the user.

PREFIX       ?= /usr/local
SBINDIR      ?= $(PREFIX)/sbin
SYSCONFDIR   ?= /etc
UNITDIR      ?= /lib/systemd/system
MANDIR       ?= $(PREFIX)/share/man
LOGROTATEDIR ?= $(SYSCONFDIR)/logrotate.d
SYSUSERSDIR  ?= /usr/lib/sysusers.d
INSTALL      ?= install

PH_ETC       = $(SYSCONFDIR)/pinhole
PH_LISTS     = $(notdir $(wildcard conf/lists/*))
# The unit names this PREFIX's binary and this SYSCONFDIR's config.
PH_UNIT_SED  = -e 's|/usr/local/sbin/pinhole|$(SBINDIR)/pinhole|g' \
               -e 's|/etc/pinhole/|$(PH_ETC)/|g'
# The service config: scripts/service-conf.sed, then SYSCONFDIR.
PH_CONF      = sed -f scripts/service-conf.sed conf/pinhole.ini | \
               sed -e 's|/etc/pinhole/|$(PH_ETC)/|g'

.PHONY: install uninstall

install: pinhole
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(LOGROTATEDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PH_ETC)/lists
	$(INSTALL) -m 0755 pinhole $(DESTDIR)$(SBINDIR)/pinhole
	sed $(PH_UNIT_SED) systemd/pinhole.service \
	    >$(DESTDIR)$(UNITDIR)/pinhole.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pinhole.service
	$(INSTALL) -m 0644 systemd/pinhole.logrotate \
	    $(DESTDIR)$(LOGROTATEDIR)/pinhole
	$(INSTALL) -m 0644 systemd/pinhole.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/pinhole.conf
	$(INSTALL) -m 0644 man/pinhole.8 $(DESTDIR)$(MANDIR)/man8/pinhole.8
	@if [ -e '$(DESTDIR)$(PH_ETC)/pinhole.ini' ]; then \
		mkdir -p build && $(PH_CONF) >build/pinhole.ini.service; \
		echo "note: keeping $(DESTDIR)$(PH_ETC)/pinhole.ini; the" \
		    "config it would install is build/pinhole.ini.service"; \
	else \
		echo "sed -f scripts/service-conf.sed conf/pinhole.ini" \
		    ">$(DESTDIR)$(PH_ETC)/pinhole.ini"; \
		$(PH_CONF) >'$(DESTDIR)$(PH_ETC)/pinhole.ini' && \
		chmod 0644 '$(DESTDIR)$(PH_ETC)/pinhole.ini' || exit 1; \
	fi
	@for f in $(PH_LISTS); do \
		if [ -e "$(DESTDIR)$(PH_ETC)/lists/$$f" ]; then \
			echo "note: keeping $(DESTDIR)$(PH_ETC)/lists/$$f"; \
		else \
			echo "$(INSTALL) -m 0644 conf/lists/$$f" \
			    "$(DESTDIR)$(PH_ETC)/lists/$$f"; \
			$(INSTALL) -m 0644 "conf/lists/$$f" \
			    "$(DESTDIR)$(PH_ETC)/lists/$$f" || exit 1; \
		fi; \
	done
ifeq ($(DESTDIR),)
	@if ! getent passwd pinhole >/dev/null; then \
		echo "useradd --system pinhole"; \
		useradd --system --user-group --no-create-home \
		    --home-dir /var/lib/pinhole --shell /usr/sbin/nologin \
		    --comment "pinhole forward proxy" pinhole || exit 1; \
	fi
	$(INSTALL) -d -m 0750 -o pinhole -g pinhole /var/lib/pinhole \
	    /var/log/pinhole
	@if [ -d /run/systemd/system ]; then \
		echo "systemctl daemon-reload"; systemctl daemon-reload; \
	fi
endif

uninstall:
ifeq ($(DESTDIR),)
	@if [ -d /run/systemd/system ] && \
	    [ -e '$(UNITDIR)/pinhole.service' ]; then \
		echo "systemctl disable --now pinhole.service"; \
		systemctl disable --now pinhole.service; \
	fi
endif
	rm -f $(DESTDIR)$(SBINDIR)/pinhole \
	    $(DESTDIR)$(UNITDIR)/pinhole.service \
	    $(DESTDIR)$(LOGROTATEDIR)/pinhole \
	    $(DESTDIR)$(SYSUSERSDIR)/pinhole.conf \
	    $(DESTDIR)$(MANDIR)/man8/pinhole.8
	@echo "note: kept $(DESTDIR)$(PH_ETC) (the config and the lists);" \
	    "rm -r it to drop them too"
ifeq ($(DESTDIR),)
	@echo "note: kept /var/lib/pinhole, /var/log/pinhole and the user" \
	    "pinhole"
	@if [ -d /run/systemd/system ]; then \
		echo "systemctl daemon-reload"; systemctl daemon-reload; \
	fi
endif
