# sipbox: one static binary, musl, Kconfig, cross-compiled per board.
#
#   make [BOARD=name]          build build/<board>/sipbox (default x86_64)
#   make run                   build and start sipbox on ./sipbox-data
#   make test                  every test stage (tests/run.sh), ends "N passed, N failed"
#   make size                  stripped size of sipbox per board
#   make format | format-check clang-format over the C sources (.clang-format)
#   make fuzz [FUZZ_SECONDS=60] libFuzzer targets (tests/fuzz), each for that long
#   make menuconfig | defconfig | olddefconfig | allnoconfig | allyesconfig
#   make <board>_defconfig     reset build/<board>/.config from board/<board>/defconfig
#
# O is the output folder and $(O)/.config its configuration; it is created
# from board/$(BOARD)/defconfig when missing. TOOLCHAIN=host builds with the
# machine's gcc and glibc instead (sanitizer builds, SANITIZE=1).

BOARD ?= x86_64
O ?= build/$(BOARD)
TOOLCHAIN ?= musl
SANITIZE ?= 0
BOARDS := x86_64 aarch64 armv7 mipsel_24kc mips_24kc
PY := /usr/bin/python3
KCONFIG_CONFIG := $(O)/.config
export KCONFIG_CONFIG BOARD

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)
# Pinned in board/deps.sh; shown by --version (BearSSL has no version API).
LMDB_PKG := 0.9.24-1
BEARSSL_PKG := 0.6+dfsg.1-3
CIVETWEB_PKG := 1.15+dfsg-4

DEPS := build/deps
TC := build/toolchain/$(BOARD)
# Downloads (Debian packages and sources) shared by every board.
export SIPBOX_CACHE ?= $(CURDIR)/build/cache

ifeq ($(TOOLCHAIN),host)
CC := gcc
AR := ar
STRIP := strip
LDSTATIC :=
TC_STAMP :=
else
CC := $(TC)/cc
AR := $(TC)/ar
STRIP := $(TC)/strip
LDSTATIC := -static
TC_STAMP := $(TC)/.ok
endif

ifeq ($(SANITIZE),1)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# BearSSL reads unaligned words on x86 on purpose (Poly1305): UBSan would
# stop there; its portable byte-wise paths are what the sanitizers check.
BEARSSL_SAN := -DBR_LE_UNALIGNED=0 -DBR_BE_UNALIGNED=0
else
OPT := -Os -ffunction-sections -fdata-sections
endif

WARN := -Wall -Wextra -Wundef -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
BASE_CFLAGS := $(OPT) -pipe -pthread -D_GNU_SOURCE
DEP_INC := -isystem $(DEPS)/lmdb/libraries/liblmdb -isystem $(DEPS)/bearssl/inc -isystem $(DEPS)/civetweb/include
CFLAGS_APP := -std=c11 $(BASE_CFLAGS) $(WARN) -I. -I$(O)/include $(DEP_INC) \
	-DSIPBOX_VERSION='"$(VERSION)"' -DSIPBOX_BEARSSL_PKG='"$(BEARSSL_PKG)"' \
	-DSIPBOX_LMDB_PKG='"$(LMDB_PKG)"' -DSIPBOX_CIVETWEB_PKG='"$(CIVETWEB_PKG)"'
LDFLAGS_APP := $(LDSTATIC) $(OPT) -pthread -Wl,--gc-sections

-include $(KCONFIG_CONFIG)

# Modules. A disabled feature drops whole files (STYLE.md rule 6).
core-y := core/loop.c core/timer.c core/str.c core/buf.c core/arena.c \
	core/log.c core/rec.c core/store.c core/cmdq.c core/sig.c core/rand.c \
	core/addr.c core/settings.c core/server.c core/cli.c core/users.c core/digest.c \
	core/throttle.c
sip-y := sip/parse.c sip/msg.c
sip-y += sip/tport.c sip/tport_tcp.c sip/tsx.c sip/tsx_server.c sip/tsx_client.c sip/endpoint.c
sip-y += sip/auth.c sip/location.c sip/registrar.c sip/fork.c sip/proxy.c sip/callerprefs.c \
	sip/ringplan.c sip/msgstore.c
webui-$(CONFIG_WEBUI) := webui/http.c
tls-$(CONFIG_TLS) := core/tls.c core/cert.c
APP_SRCS := $(core-y) $(sip-y) $(webui-y) $(tls-y)
MAIN_SRC := core/main.c
UNIT_SRCS := $(wildcard tests/unit/*.c)
TOOL_SRCS := tests/store_crash.c

APP_OBJS := $(APP_SRCS:%.c=$(O)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(O)/obj/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(O)/obj/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/obj/%.o)

LIBS := $(O)/lib/liblmdb.a $(O)/lib/libbearssl.a
ifeq ($(CONFIG_WEBUI),y)
LIBS += $(O)/lib/libcivetweb.a
endif

AUTOCONF := $(O)/include/autoconf.h

.PHONY: all run test size bench menuconfig defconfig olddefconfig allnoconfig \
	allyesconfig savedefconfig host deps toolchain clean distclean unit format format-check fuzz fuzz-check \
	$(BOARDS:%=%_defconfig)
.DEFAULT_GOAL := all

all: $(O)/sipbox $(O)/sipbox-unit $(O)/store-crash

# --- set-up: host packages, toolchain, dependency sources ----------------
# The host packages, installed once per machine (the stamp is per clone).
HOST_OK := build/.host-ok
host: $(HOST_OK)
$(HOST_OK): board/setup-host.sh
	@board/setup-host.sh
	@mkdir -p $(dir $@) && touch $@

$(TC)/.ok: board/toolchain.sh board/apt.sh $(wildcard board/softfp/*) | $(HOST_OK)
	@board/toolchain.sh $(BOARD) $(TC)

$(DEPS)/.ok: board/deps.sh board/apt.sh board/checksums.sha256 | $(HOST_OK)
	@board/deps.sh $(DEPS)

toolchain: $(TC_STAMP)
deps: $(DEPS)/.ok

# --- configuration --------------------------------------------------------
$(KCONFIG_CONFIG): | $(HOST_OK)
	@mkdir -p $(O)
	@$(PY) board/kconfig.py defconfig board/$(BOARD)/defconfig
	@echo "  CONFIG  $@ (from board/$(BOARD)/defconfig)"

$(AUTOCONF): $(KCONFIG_CONFIG) Kconfig board/kconfig.py
	@$(PY) board/kconfig.py olddefconfig
	@$(PY) board/kconfig.py header $@

menuconfig: $(KCONFIG_CONFIG)
	$(PY) -m menuconfig Kconfig
defconfig: | $(HOST_OK)
	@mkdir -p $(O)
	$(PY) board/kconfig.py defconfig board/$(BOARD)/defconfig
olddefconfig allnoconfig allyesconfig: | $(HOST_OK)
	@mkdir -p $(O)
	$(PY) board/kconfig.py $@
savedefconfig: $(KCONFIG_CONFIG)
	$(PY) board/kconfig.py savedefconfig $(O)/defconfig
$(BOARDS:%=%_defconfig): | $(HOST_OK)
	@mkdir -p build/$(@:_defconfig=)
	BOARD=$(@:_defconfig=) KCONFIG_CONFIG=build/$(@:_defconfig=)/.config \
		$(PY) board/kconfig.py defconfig board/$(@:_defconfig=)/defconfig

# --- the three libraries, from Debian's sources, with our compiler --------
LMDB_SRCS := $(DEPS)/lmdb/libraries/liblmdb/mdb.c $(DEPS)/lmdb/libraries/liblmdb/midl.c
BEARSSL_SRCS = $(wildcard $(DEPS)/bearssl/src/*.c $(DEPS)/bearssl/src/*/*.c)
CIVETWEB_DEFS := -DNO_SSL -DNO_CGI -DNO_FILES -DNO_CACHING -DNDEBUG \
	-DUSE_STACK_SIZE=$$(( $(CONFIG_WEBUI_STACK_KB) * 1024 )) -Wno-cpp
ifeq ($(CONFIG_WEBSOCKET),y)
CIVETWEB_DEFS += -DUSE_WEBSOCKET
endif

# Robust mutexes probe get_robust_list, which qemu-user lacks; one writer
# process at a time makes them unnecessary (board/README: toolchain notes).
$(O)/lib/liblmdb.a: $(DEPS)/.ok $(TC_STAMP)
	@mkdir -p $(O)/obj/lmdb $(O)/lib
	@echo "  LMDB    $@"
	@for f in $(LMDB_SRCS); do \
		$(CC) $(BASE_CFLAGS) -DMDB_USE_ROBUST=0 -w -c $$f -o $(O)/obj/lmdb/$$(basename $$f .c).o || exit 1; done
	@rm -f $@ && $(AR) rcs $@ $(O)/obj/lmdb/*.o

$(O)/lib/libbearssl.a: $(DEPS)/.ok $(TC_STAMP)
	@mkdir -p $(O)/obj/bearssl $(O)/lib
	@echo "  BEARSSL $@"
	@$(MAKE) --no-print-directory -f board/lib.mk O=$(O) CC='$(CC)' \
		CFLAGS='$(BASE_CFLAGS) $(BEARSSL_SAN) -w -I$(DEPS)/bearssl/inc -I$(DEPS)/bearssl/src' \
		OUT=$(O)/obj/bearssl SRCS='$(BEARSSL_SRCS)' objs
	@rm -f $@ && find $(O)/obj/bearssl -name '*.o' | sort | xargs $(AR) rcs $@

$(O)/lib/libcivetweb.a: $(DEPS)/.ok $(TC_STAMP) $(KCONFIG_CONFIG)
	@mkdir -p $(O)/obj/civetweb $(O)/lib
	@echo "  CIVETWEB $@"
	@$(CC) $(BASE_CFLAGS) $(CIVETWEB_DEFS) -I$(DEPS)/civetweb/include \
		-c $(DEPS)/civetweb/src/civetweb.c -o $(O)/obj/civetweb/civetweb.o
	@rm -f $@ && $(AR) rcs $@ $(O)/obj/civetweb/civetweb.o

# --- sipbox ----------------------------------------------------------------
$(O)/obj/%.o: %.c $(AUTOCONF) $(DEPS)/.ok $(TC_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_APP) -MMD -MP -c $< -o $@

$(O)/sipbox: $(APP_OBJS) $(MAIN_OBJ) $(LIBS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_APP) -Wl,-Map=$@.map -o $@.unstripped $(APP_OBJS) $(MAIN_OBJ) $(LIBS)
ifeq ($(SANITIZE),1)
	@cp $@.unstripped $@
else
	@$(STRIP) -s -R .comment -o $@ $@.unstripped
endif

$(O)/sipbox-unit: $(APP_OBJS) $(UNIT_OBJS) $(LIBS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_APP) -o $@ $(APP_OBJS) $(UNIT_OBJS) $(LIBS)

$(O)/store-crash: $(APP_OBJS) $(TOOL_OBJS) $(LIBS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_APP) -o $@ $(APP_OBJS) $(TOOL_OBJS) $(LIBS)

-include $(APP_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJS:.o=.d) $(TOOL_OBJS:.o=.d)

# --- commands of the README -------------------------------------------------
DATA ?= sipbox-data
run: $(O)/sipbox
	$(O)/sipbox --data $(DATA) --log-level info

test: $(HOST_OK)
	@tests/run.sh

unit: $(O)/sipbox-unit
	$(O)/sipbox-unit

size:
	@for b in $(BOARDS); do $(MAKE) --no-print-directory BOARD=$$b build/$$b/sipbox >/dev/null || exit 1; done
	@printf '%-14s %10s\n' board 'stripped bytes'
	@for b in $(BOARDS); do printf '%-14s %10s\n' $$b $$(stat -c %s build/$$b/sipbox); done

# --- fuzzing (clang + libFuzzer, host build) --------------------------------
# make fuzz [FUZZ_SECONDS=60]: every target for that long, on its corpus.
# make test runs each for a bounded number of inputs (FUZZ_RUNS).
FUZZ_TARGETS := rec addr sip_msg sip_uri sip_via sip_nameaddr sip_auth location callerprefs ringplan \
	msgstore
FUZZ_SRCS_rec := core/rec.c core/buf.c core/str.c
FUZZ_SRCS_addr := core/addr.c core/str.c
FUZZ_SRCS_sip_msg := sip/msg.c sip/parse.c core/str.c core/buf.c core/arena.c
FUZZ_SRCS_sip_uri := sip/parse.c core/str.c
FUZZ_SRCS_sip_via := sip/parse.c core/str.c
FUZZ_SRCS_sip_nameaddr := sip/parse.c core/str.c
FUZZ_SRCS_sip_auth := sip/parse.c core/str.c
FUZZ_SRCS_location := sip/location.c core/rec.c core/buf.c core/str.c tests/fuzz/stub_store.c
FUZZ_SRCS_callerprefs := sip/callerprefs.c sip/msg.c sip/parse.c core/str.c core/buf.c core/arena.c
FUZZ_SRCS_ringplan := sip/ringplan.c sip/parse.c core/users.c core/rec.c core/buf.c core/str.c tests/fuzz/stub_store.c
FUZZ_SRCS_msgstore := sip/msgstore.c core/users.c core/rec.c core/buf.c core/str.c tests/fuzz/stub_store.c
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 200000
FUZZ_O := build/fuzz
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. -I$(O)/include

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c $(AUTOCONF) $(wildcard core/*.c core/*.h sip/*.c sip/*.h)
	@mkdir -p $(FUZZ_O)
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) $< $(FUZZ_SRCS_$*) -o $@

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz_%)
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_O)/corpus-$$t; \
		$(FUZZ_O)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(FUZZ_O)/corpus-$$t tests/fuzz/corpus/$$t || exit 1; done

fuzz-check: $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz_%)
	@for t in $(FUZZ_TARGETS); do rm -rf $(FUZZ_O)/check-$$t; mkdir -p $(FUZZ_O)/check-$$t; \
		$(FUZZ_O)/fuzz_$$t -runs=$(FUZZ_RUNS) -seed=1 $(FUZZ_O)/check-$$t tests/fuzz/corpus/$$t || exit 1; \
		echo "ok - fuzz_$$t: $(FUZZ_RUNS) inputs"; done

# board/softfp holds macro tables in glibc's soft-fp shape: not ours to format.
C_FILES = $(shell git ls-files '*.c' '*.h' ':!board/softfp' 2>/dev/null)
format:
	clang-format -i $(C_FILES)
format-check:
	clang-format --dry-run --Werror $(C_FILES)

bench: $(HOST_OK)
	@tests/bench/run.sh

clean:
	rm -rf $(O)/obj $(O)/sipbox $(O)/sipbox-unit $(O)/store-crash $(O)/include

distclean:
	rm -rf build
