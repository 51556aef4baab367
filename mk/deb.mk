# deb.mk - `make deb`: build/kreloc_$(VERSION)_arm64.deb, included by the
# Makefile.
#
# `make install-arm64` (a sub-make with PREFIX=/usr, so that the CLI looks
# for the shim at /usr/share/kreloc/shim.Image, where the package puts it)
# into $(DEB_ROOT), then the Debian parts: the CLI stripped, the man pages gzipped (-9n),
# /usr/share/doc/kreloc/{copyright,changelog.gz,examples/default-kreloc},
# the lintian override of statically-linked-binary (dist/debian),
# DEBIAN/control from dist/debian/control.in (Version from VERSION,
# Installed-Size counted as dpkg-gencontrol does) and DEBIAN/md5sums; then
# dpkg-deb --root-owner-group.  The unit goes to /lib/systemd/system, where
# Debian 11 and 12 packages ship units.  Dates come from the commit
# (SOURCE_DATE_EPOCH), so two builds of one commit give the same files.
# tests/e2e/deb.sh checks the result.
#
#   make deb [DEB_MAINTAINER='Name <mail>']

DEB_ARCH	:= arm64
DEB		:= $(B)/kreloc_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT	:= $(B)/deb/root
DEB_MAINTAINER	?= kreloc developers <dev@kreloc.invalid>
DEB_EPOCH	= $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))
DEB_DOC		:= $(DEB_ROOT)/usr/share/doc/kreloc

.PHONY: deb
deb: | $(SETUP_STAMP)
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install-arm64 PREFIX=/usr DESTDIR=$(abspath $(DEB_ROOT)) \
		systemdunitdir=/lib/systemd/system
	$(CROSS)strip --strip-unneeded -R .comment $(DEB_ROOT)/usr/bin/kreloc
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/kreloc.1 $(DEB_ROOT)/usr/share/man/man8/kreloc.8
	install -d $(DEB_DOC)/examples $(DEB_ROOT)/DEBIAN
	install -m 644 dist/debian/copyright $(DEB_DOC)/copyright
	install -m 644 dist/default-kreloc $(DEB_DOC)/examples/default-kreloc
	install -d $(DEB_ROOT)/usr/share/lintian/overrides
	install -m 644 dist/debian/lintian-overrides $(DEB_ROOT)/usr/share/lintian/overrides/kreloc
	printf '%s\n' 'kreloc ($(VERSION)) unstable; urgency=medium' '' \
		'  * kreloc $(VERSION), packaged by make deb from commit $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown).' '' \
		' -- $(DEB_MAINTAINER)  $(shell LC_ALL=C date -u -R -d @$(DEB_EPOCH))' \
		| gzip -9n >$(DEB_DOC)/changelog.gz
	chmod 644 $(DEB_DOC)/changelog.gz
	cd $(DEB_ROOT) && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | \
		xargs -0 md5sum >DEBIAN/md5sums
	chmod 644 $(DEB_ROOT)/DEBIAN/md5sums
	size=$$(cd $(DEB_ROOT) && find . -path ./DEBIAN -prune -o -mindepth 1 \( -type f -printf '%s\n' -o -printf '1024\n' \) | \
		awk '{ s += int(($$1 + 1023) / 1024) } END { print s }') && \
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@MAINTAINER@|$(DEB_MAINTAINER)|' \
		-e "s|@INSTALLED_SIZE@|$$size|" dist/debian/control.in >$(DEB_ROOT)/DEBIAN/control
	find $(DEB_ROOT) -exec touch -h -d @$(DEB_EPOCH) {} +
	SOURCE_DATE_EPOCH=$(DEB_EPOCH) dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB).tmp
	mv $(DEB).tmp $(DEB)
	@echo "$(DEB)"
