# make fresh-check: the README's commands on a new Debian 12 root (chroot),
# from a clone of the commit checked out here (scripts/fresh-check).
.PHONY: fresh-check
fresh-check:
	scripts/fresh-check
