# Packages (included by the top Makefile):
#   make deb           .deb with debhelper (dpkg-buildpackage -b), as root or a user
#   make rpm           .rpm with rpmbuild, from the same staged tree and build
#   make package-test  both built, checked, and the .deb installed in a
#                      throwaway root (root only; part of `make test`)
# Output in $(PKG_DIR). See packaging/README.md.

PKG_NAME := authbind-rebuilt
PKG_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
RPM_ARCH := $(shell uname -m)
PKG_DIR := $(abspath $(CARGO_TARGET_DIR))/pkg
# A copy of the tree with packaging/debian as debian/ (dpkg-buildpackage
# wants it there), rebuilt on every run; its cargo build folder sits
# beside it and is kept, so a second package build compiles nothing.
PKG_SRC := $(PKG_DIR)/$(PKG_NAME)-$(PKG_VERSION)
PKG_CARGO := $(PKG_DIR)/cargo
DEB_FILE := $(PKG_DIR)/$(PKG_NAME)_$(PKG_VERSION)_$(DEB_ARCH).deb
RPM_FILE := $(PKG_DIR)/rpm/RPMS/$(RPM_ARCH)/$(PKG_NAME)-$(PKG_VERSION)-1.$(RPM_ARCH).rpm
# The .debs the throwaway root installs from (no network there).
PKG_DEBS := $(PKG_DIR)/debs

.PHONY: deb rpm package-stage package-test package-debs

# The copy: mtimes kept (tar), so cargo and make see nothing new.
# Not copied: git, build output, the fuzz project (not built).
package-stage:
	@$(AS_BUILDER) sh -c 'command -v $(CARGO)' >/dev/null || { echo "cargo not found: install Rust (rustup) for the user who builds" >&2; exit 1; }
	$(AS_BUILDER) sh -ec 'rm -rf "$(PKG_SRC)"; mkdir -p "$(PKG_SRC)"; \
	  tar -c --exclude=./.git --exclude=./target --exclude="./$(CARGO_TARGET_DIR)" --exclude=./fuzz . | tar -x -C "$(PKG_SRC)"; \
	  cp -a packaging/debian "$(PKG_SRC)/debian"; \
	  $(CARGO) fetch --locked'

deb: package-stage
	$(AS_BUILDER) env CARGO_TARGET_DIR='$(PKG_CARGO)' sh -ec 'cd "$(PKG_SRC)" && dpkg-buildpackage -b --no-sign'
	@echo "built $(DEB_FILE)"

# --build-in-place: %build and %install run in the staged tree, with the
# same cargo build folder as the .deb (same flags: nothing recompiled).
rpm: package-stage
	$(AS_BUILDER) env CARGO_TARGET_DIR='$(PKG_CARGO)' sh -ec 'cd "$(PKG_SRC)" && \
	  rpmbuild -bb --build-in-place --define "_topdir $(PKG_DIR)/rpm" packaging/rpm/$(PKG_NAME).spec'
	@echo "built $(RPM_FILE)"

# Debian's authbind, for the throwaway root to go back to (apt-get
# download needs the network: it runs here, never inside).
package-debs:
	mkdir -p $(PKG_DEBS)
	cd $(PKG_DEBS) && { ls authbind_*.deb >/dev/null 2>&1 || apt-get download authbind; }

package-test: deb rpm package-debs
	@[ "$$(id -u)" = 0 ] || { echo "make package-test needs root (namespaces, chroot, dpkg in a throwaway root)" >&2; exit 1; }
	packaging/tests/run $(PKG_DIR) $(DEB_FILE) $(RPM_FILE) $(PKG_DEBS)
