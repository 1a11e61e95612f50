# authbind, rebuilt. `make` builds (release), `sudo make install` installs,
# `make test` runs every test, `make bench` prints the figures.
#
# LIBDIR and CONFDIR are baked into the binaries when they are built: build
# and install with the same values (`make PREFIX=/x && sudo make install PREFIX=/x`).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR  ?= $(PREFIX)/lib/authbind
MANDIR  ?= $(PREFIX)/share/man
CONFDIR ?= /etc/authbind
DESTDIR ?=

CARGO ?= cargo
CARGO_TARGET_DIR ?= target
REL := $(CARGO_TARGET_DIR)/release

# Where `make test` installs a private copy to run the end-to-end tests
# against (root-owned setuid helper, so not below a user's home).
E2E_PREFIX ?= /tmp/authbind-e2e
E2E_TARGET ?= $(CARGO_TARGET_DIR)/e2e

export AUTHBIND_LIBDIR := $(LIBDIR)
export AUTHBIND_CONFDIR := $(CONFDIR)
export CARGO_TARGET_DIR

# rustup installs cargo for the user who builds; root's PATH may lack it.
export PATH := $(PATH):$(HOME)/.cargo/bin

# Under `sudo make install` the build runs as the user who typed it, with
# that user's Rust, so the tree and target/ stay theirs (a later `make
# test` must be able to write there) and root only copies files.
ifneq ($(SUDO_USER),)
ifneq ($(SUDO_USER),root)
ifeq ($(shell id -u),0)
BUILDER_HOME := $(shell getent passwd '$(SUDO_USER)' | cut -d: -f6)
AS_BUILDER := sudo -u '$(SUDO_USER)' -H env PATH='$(BUILDER_HOME)/.cargo/bin:/usr/local/bin:/usr/bin:/bin' \
	AUTHBIND_LIBDIR='$(LIBDIR)' AUTHBIND_CONFDIR='$(CONFDIR)' CARGO_TARGET_DIR='$(CARGO_TARGET_DIR)'
endif
endif
endif

PATHS_STAMP := $(CARGO_TARGET_DIR)/paths.stamp
BUILD_STAMP := $(CARGO_TARGET_DIR)/build.stamp
SOURCES := $(shell find . \( -path ./target -o -path ./fuzz \) -prune -o \( -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock \) -print 2>/dev/null)

.PHONY: all build bpf-toolchain install install-confdir uninstall test test-root test-user test-deps lint fmt-check unit e2e-install e2e difftest difftest-kernel bench fuzz clippy fmt clean FORCE

all: build
build: $(BUILD_STAMP)

# Rewritten only when the baked paths change, so a later `sudo make install`
# with the same paths does not rebuild (root may have no cargo).
$(PATHS_STAMP): FORCE
	@$(AS_BUILDER) sh -c "mkdir -p '$(dir $@)' && printf 'LIBDIR=%s\nCONFDIR=%s\n' '$(LIBDIR)' '$(CONFDIR)' > '$@.new' && \
	  if cmp -s '$@.new' '$@'; then rm -f '$@.new'; else mv '$@.new' '$@'; fi"

# Kernel mode's BPF programs are compiled by clang when authbindd is
# built (authbindd/build.rs; the kernel's UAPI headers come with
# linux-libc-dev). Run as root, a missing clang is installed, saying so;
# otherwise the build stops and names the packages.
BPF_DEBS := clang linux-libc-dev
bpf-toolchain:
	@if ! command -v clang >/dev/null 2>&1 || [ ! -e /usr/include/linux/bpf.h ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing what compiles kernel mode's BPF programs: $(BPF_DEBS)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BPF_DEBS); \
	  else \
	    echo "error: kernel mode (authbindd) is built with clang: install the Debian packages $(BPF_DEBS) (sudo apt-get install $(BPF_DEBS)), or run make as root" >&2; \
	    exit 1; \
	  fi; \
	fi

$(BUILD_STAMP): $(PATHS_STAMP) $(SOURCES) authbindd/bpf/authbind.bpf.c authbindd/bpf/helpers.h | bpf-toolchain
	@$(AS_BUILDER) sh -c 'command -v $(CARGO)' >/dev/null || { echo "cargo not found: run 'make' as the user who has Rust, then 'sudo make install' with the same settings" >&2; exit 1; }
	$(AS_BUILDER) $(CARGO) build --release --locked -p authbind-shim -p authbind-launcher -p authbindd -p authbind-policy
	@# The helper is built on its own, linked statically with no C library
	@# at all (helper/src/start.rs): no dynamic loader and no C start-up
	@# on every privileged bind (together about 0.3 ms here), and no LD_*
	@# or GLIBC_* variable can reach it.
	$(AS_BUILDER) $(CARGO) rustc --release --locked -p authbind-helper --bin helper -- -C target-feature=+crt-static
	@$(AS_BUILDER) touch $@

install: $(BUILD_STAMP)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(REL)/authbind $(DESTDIR)$(BINDIR)/authbind
	install -m 0755 $(REL)/authbindd $(DESTDIR)$(SBINDIR)/authbindd
	install -m 0644 $(REL)/libauthbind_shim.so $(DESTDIR)$(LIBDIR)/libauthbind.so.1
	@if [ "$$(id -u)" = 0 ]; then \
	  echo "install -o root -g root -m 4755 $(REL)/helper $(DESTDIR)$(LIBDIR)/helper"; \
	  install -o root -g root -m 4755 $(REL)/helper $(DESTDIR)$(LIBDIR)/helper; \
	else \
	  echo "warning: not root: $(DESTDIR)$(LIBDIR)/helper installed without setuid; privileged binds will be refused" >&2; \
	  install -m 0755 $(REL)/helper $(DESTDIR)$(LIBDIR)/helper; \
	fi
	@[ -n "$(NO_CONFDIR)" ] || $(MAKE) --no-print-directory install-confdir
	sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' man/authbind.1 > $(DESTDIR)$(MANDIR)/man1/authbind.1
	sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' man/authbind-helper.8 > $(DESTDIR)$(MANDIR)/man8/authbind-helper.8
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' man/authbindd.8 > $(DESTDIR)$(MANDIR)/man8/authbindd.8
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/authbind.1 $(DESTDIR)$(MANDIR)/man8/authbind-helper.8 $(DESTDIR)$(MANDIR)/man8/authbindd.8
	@# The administration tool (never setuid: users run `explain` as themselves).
	install -m 0755 $(REL)/authbind-policy $(DESTDIR)$(BINDIR)/authbind-policy
	sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' man/authbind-policy.8 > $(DESTDIR)$(MANDIR)/man8/authbind-policy.8
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/authbind-policy.8

install-confdir:
	install -d -m 0755 $(DESTDIR)$(CONFDIR) $(DESTDIR)$(CONFDIR)/byport $(DESTDIR)$(CONFDIR)/byaddr $(DESTDIR)$(CONFDIR)/byuid

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/authbind $(DESTDIR)$(LIBDIR)/libauthbind.so.1 $(DESTDIR)$(LIBDIR)/helper
	rm -f $(DESTDIR)$(SBINDIR)/authbindd
	rm -f $(DESTDIR)$(MANDIR)/man1/authbind.1 $(DESTDIR)$(MANDIR)/man8/authbind-helper.8 $(DESTDIR)$(MANDIR)/man8/authbindd.8
	rm -f $(DESTDIR)$(BINDIR)/authbind-policy $(DESTDIR)$(MANDIR)/man8/authbind-policy.8
	-rmdir $(DESTDIR)$(LIBDIR)

# As root: everything (installing the Debian packages the tests need
# when they are missing). As a user: the lints and the unit tests, and the
# command for the rest.
test:
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory test-root; else $(MAKE) --no-print-directory test-user; fi

test-root: test-deps lint unit e2e difftest difftest-kernel package-test

test-user: lint unit
	@echo
	@echo "!!!!! not root: ran the lints and the unit tests only (the end-to-end tests are listed as ignored)."
	@echo "!!!!! The end-to-end and differential tests need root: sudo make test"

# What the tests run: real programs, Debian's authbind to compare with;
# the package tools (make package-test: debhelper, lintian, rpm, systemd's
# analyzer and the man pages it checks, Ansible for its example).
TEST_DEBS := make gcc libc6-dev ca-certificates authbind python3 curl iproute2 util-linux mount procps socat \
	coreutils bash nodejs openjdk-17-jdk-headless golang-go busybox-static $(BPF_DEBS) bpftool acl \
	debhelper dpkg-dev lintian rpm file systemd man-db passwd ansible-core

# Installs the packages of TEST_DEBS that are missing (root only),
# saying which.
test-deps:
	@missing=""; for p in $(TEST_DEBS); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing the Debian packages the tests need:$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

lint: fmt-check clippy

# The setuid helper and its nolibc crate are built, tested and linted
# apart from the rest (see Cargo.toml's default-members).
NOT_HELPER := --exclude authbind-helper --exclude helper-nolibc

fmt-check:
	$(CARGO) fmt --all -- --check

# Root-only end-to-end tests are #[ignore]d: here they are listed, not run.
unit:
	$(CARGO) test --locked --workspace $(NOT_HELPER) --exclude authbind-bench --exclude authbind-difftest

# A private installation for the end-to-end tests, the differential test
# and the benchmark: its own target dir, paths baked for it, the real
# configuration folder left alone (the tests mount a scratch one over it).
e2e-install:
	rm -rf $(E2E_PREFIX)
	$(MAKE) --no-print-directory install PREFIX=$(E2E_PREFIX) CONFDIR=/etc/authbind NO_CONFDIR=1 CARGO_TARGET_DIR=$(E2E_TARGET)
	chmod -R a+rX $(E2E_PREFIX)

# Real programs as an unprivileged user in fresh network and mount
# namespaces. They need root, and fail without it.
e2e: e2e-install
	AUTHBIND_E2E_PREFIX=$(E2E_PREFIX) $(CARGO) test --locked --no-fail-fast -p authbind-e2e -- --include-ignored --test-threads=2
	@# The other crates' root-only tests (mounts, chown, ACLs, NSS over a
	@# private /etc): ignored by the plain unit run, run here.
	$(CARGO) test --locked --workspace $(NOT_HELPER) --exclude authbind-e2e --exclude authbind-bench --exclude authbind-difftest -- --ignored

# Debian's helper against ours on random trees (`make difftest CASES=200000 SEED=1`).
# RESERVE percent of the cases also get a reserve/ folder, which Debian's
# authbind ignores: ours is held there to a written model of reservations
# (difftest/src/reserve_model.rs) taking Debian's answer where none decides.
CASES ?= 5000
RESERVE ?= 25
difftest: e2e-install
	@if [ "$$(id -u)" != 0 ] || [ ! -x /usr/lib/authbind/helper ]; then \
	  echo "!!!!! SKIPPED difftest: needs root and Debian's authbind (apt-get install authbind) !!!!!" >&2; \
	else \
	  $(CARGO) build --locked --release -p authbind-difftest && \
	  unshare --mount --net --fork $(CARGO_TARGET_DIR)/release/authbind-difftest \
	    --ours $(E2E_PREFIX)/lib/authbind/helper --theirs /usr/lib/authbind/helper \
	    --policy-tool $(E2E_PREFIX)/bin/authbind-policy \
	    --cases $(CASES) --reserve $(RESERVE) $(if $(SEED),--seed $(SEED)); \
	fi

# Kernel mode against the helper: random trees, the helper's decision
# against an actual bind under the attached programs, as each test user
# (`make difftest-kernel KCASES=20000 SEED=1`). Root only; it fails without.
# KRESERVE percent of the trees get a reserve/ folder, the bind then held
# to the written model of reservations (difftest/src/reserve_model.rs).
KCASES ?= 2000
KRESERVE ?= 30
difftest-kernel: e2e-install
	@[ "$$(id -u)" = 0 ] || { echo "difftest-kernel needs root (cgroups, bpffs, a setuid helper): sudo make difftest-kernel" >&2; exit 1; }
	$(CARGO) build --locked --release -p authbind-difftest
	unshare --mount --net --fork $(CARGO_TARGET_DIR)/release/authbind-difftest \
	  --kernel $(E2E_PREFIX)/sbin/authbindd --ours $(E2E_PREFIX)/lib/authbind/helper \
	  --cases $(KCASES) --reserve $(KRESERVE) $(if $(SEED),--seed $(SEED))

bench:
	$(MAKE) --no-print-directory e2e-install E2E_PREFIX=$(E2E_PREFIX)-bench E2E_TARGET=$(CARGO_TARGET_DIR)/bench
	AUTHBIND_E2E_PREFIX=$(E2E_PREFIX)-bench $(CARGO) run --locked --release -p authbind-bench

# Every fuzz target for FUZZ_SECONDS each (`make fuzz FUZZ_SECONDS=600`);
# cargo-fuzz on the stable toolchain (see fuzz/README.md). Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz:
	fuzz/run.sh $(FUZZ_SECONDS)

clippy:
	$(CARGO) clippy --locked --workspace $(NOT_HELPER) --all-targets -- -D warnings
	@# --release: its profile aborts on panic (the dev profile unwinds, which
	@# needs std).
	$(CARGO) clippy --release --locked -p authbind-helper -p helper-nolibc --all-targets -- -D warnings -C target-feature=+crt-static

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean

# make deb, make rpm, make package-test
include packaging/packaging.mk
