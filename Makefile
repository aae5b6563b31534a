# vmlab -- one non-recursive Makefile for every component.
#
#   make            build every program into bin/
#   make check      install missing dependencies, build, run every test suite
#   make demo       install missing dependencies, build, run the workloads
#   make bench      the side-by-side benchmark against the peers
#   make grade LAB=N  build, then run lab N's checker (labs/NN-*/check.sh)
#   make asan       build with ASan + UBSan into build/asan and run the suites
#   make debug      build unoptimized, assertions on, into build/debug
#   make test       run the suites without the dependency check (after make check)
#   make sandbox-check  only the hypervisor suite (tests/hv/): mhv on KVM, in
#                       the nested-KVM sandbox (tests/sandbox/) without /dev/kvm
#   make clean      remove build/ and bin/
#
# Objects go to $(BUILD)/, programs to $(BINDIR)/.  The sanitizer build is the
# same rules with other BUILD, BINDIR and flags, so the suites always test the
# programs of the build they belong to: they take every path from variables.
#
# `check`, `asan`, `demo` and `bench` first run scripts/deps.sh (one
# dpkg-query call when nothing is missing), then build and run in a second
# make, so that pkg-config is asked about Check only after Check is there.

CC      ?= gcc
BUILD   ?= build/release
BINDIR  ?= bin
OPT     ?= -O2
SAN     ?=
ASSERT  ?=
CFLAGS  ?= -g $(OPT)
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter -Werror=implicit-function-declaration
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) $(ASSERT) -Icommon -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
CAPSTONE_CFLAGS := $(shell pkg-config --cflags capstone 2>/dev/null)
CAPSTONE_LIBS   := $(shell pkg-config --libs capstone 2>/dev/null)

# Sanitizer build: ASan + UBSan, every UBSan finding fatal.  It and the
# debug build check the invariants the headers state (BVM_ASSERT, MHV_ASSERT,
# VDB_ASSERT: common/vmlab_assert.h); the release build compiles them out.
ASAN_BUILD  ?= build/asan
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
DEBUG_BUILD ?= build/debug
ASSERT_FLAGS := -DVMLAB_ASSERTIONS

# How many bytecode mutants the fuzz check runs (make check FUZZ_COUNT=100000
# for a longer session) and from which seed.
FUZZ_COUNT  ?= 10000
FUZZ_SEED   ?= 1

# The second make of `check` builds in parallel unless told -j already.
NPROC       := $(shell nproc 2>/dev/null || echo 2)
SUBMAKE      = $(MAKE) --no-print-directory $(if $(findstring -j,$(MAKEFLAGS)),,-j$(NPROC))

.PHONY: all check test demo bench grade asan debug clean deps deps-bench unit tools sandbox-check guests
all: $(BINDIR)/bvm $(BINDIR)/mhv $(BINDIR)/vdb guests

# ---- dependencies --------------------------------------------------------------

# `make check` also needs the nested-KVM sandbox's packages (QEMU, busybox):
# the hypervisor suite runs there when this machine has no /dev/kvm; and
# gnuplot, which `make demo` draws its chart with (its test checks it).
deps:
	@bash scripts/deps.sh build hypervisor demo

deps-bench:
	@bash scripts/deps.sh build bench hypervisor demo

# ---- common: what the three commands and libraries share -------------------------

# Exit statuses, the command-line helpers and the assertion handler
# (common/*.h); every program links it, after its own libraries.
COMMON_SRC := $(wildcard common/*.c)
LIBCOMMON  := $(BUILD)/libvmlab_common.a

$(LIBCOMMON): $(COMMON_SRC:%.c=$(BUILD)/%.o)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# ---- libbvm and bvm ----------------------------------------------------------

BVM_MAIN := bytecode-vm/main.c
BVM_SRC  := $(filter-out $(BVM_MAIN),$(wildcard bytecode-vm/*.c))
BVM_OBJ  := $(BVM_SRC:%.c=$(BUILD)/%.o)
LIBBVM   := $(BUILD)/libbvm.a

$(LIBBVM): $(BVM_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BINDIR)/bvm: $(BUILD)/bytecode-vm/main.o $(LIBBVM) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPSTONE_LIBS) -lm

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ibytecode-vm -c -o $@ $<

# --jit-dump disassembles compiled code with Capstone.
$(BUILD)/bytecode-vm/jit_dump.o: bytecode-vm/jit_dump.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CAPSTONE_CFLAGS) -Ibytecode-vm -c -o $@ $<

# ---- libmhv and mhv ------------------------------------------------------------

MHV_MAIN := mini-hypervisor/main.c
MHV_SRC  := $(filter-out $(MHV_MAIN),$(wildcard mini-hypervisor/*.c))
MHV_OBJ  := $(MHV_SRC:%.c=$(BUILD)/%.o)
LIBMHV   := $(BUILD)/libmhv.a

$(BUILD)/mini-hypervisor/%.o: mini-hypervisor/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Imini-hypervisor -c -o $@ $<

$(LIBMHV): $(MHV_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BINDIR)/mhv: $(BUILD)/mini-hypervisor/main.o $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# ---- libvdb and vdb ------------------------------------------------------------

# The debugger's layers, each a folder of debugger/, lowest first.  A file
# is compiled with the include path of its own layer, which names the
# folders it may include from, so an include across layers fails to build
# (tests/vdb/layers.sh checks that it does):
#
#   targets    target.h, the interface to a VM; sees nothing else of vdb
#   core       the service layer and the command-line parser   sees targets
#   commands   the commands, commands.def, the dispatcher      sees core, targets
#   ui         the TUI                                         sees commands, core, targets
#   gdb        the GDB remote protocol server                  sees targets
#
# vdb.c (the command) sees them all.  Only the adapters (targets/target_bvm.c,
# target_mhv.c) see a VM's headers, each its own VM's: the rule of target.h
# -- the front end never includes a VM's own headers -- is checked by the
# compiler.  (Their VM folders are the ones the libraries' users are to get
# from BVM_API_INC and MHV_API_INC.)
VDB_LAYERS         := targets core commands ui gdb
VDB_SEES_targets   := targets
VDB_SEES_core      := core targets
VDB_SEES_commands  := commands core targets
VDB_SEES_ui        := ui commands core targets
VDB_SEES_gdb       := gdb targets
vdb_include_path    = $(addprefix -Idebugger/,$(VDB_SEES_$(1)))
VDB_MAIN_INC       := $(call vdb_include_path,ui) -Idebugger/gdb
VDB_BVM_ADAPTER_INC := $(call vdb_include_path,targets) -Ibytecode-vm
VDB_MHV_ADAPTER_INC := $(call vdb_include_path,targets) -Imini-hypervisor

NCURSES_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
NCURSES_LIBS   := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
READLINE_LIBS  := -lreadline

# Each object gets its layer's include rule, and the flags of the libraries
# it uses (curses in ui/, Capstone in the hypervisor's adapter): VDB_INC.
$(foreach layer,$(VDB_LAYERS),$(eval $$(BUILD)/debugger/$(layer)/%.o: VDB_INC = $$(call vdb_include_path,$(layer))))
$(BUILD)/debugger/targets/target_bvm.o: VDB_INC = $(VDB_BVM_ADAPTER_INC)
$(BUILD)/debugger/targets/target_mhv.o: VDB_INC = $(VDB_MHV_ADAPTER_INC) $(CAPSTONE_CFLAGS)
$(BUILD)/debugger/ui/%.o: VDB_INC += $(NCURSES_CFLAGS)
$(BUILD)/debugger/vdb.o: VDB_INC = $(VDB_MAIN_INC)

VDB_MAIN := debugger/vdb.c
VDB_SRC  := $(wildcard debugger/*/*.c)
VDB_OBJ  := $(VDB_SRC:%.c=$(BUILD)/%.o)
LIBVDB   := $(BUILD)/libvdb.a
VDB_LIBS := $(LIBVDB) $(LIBBVM) $(LIBMHV) $(LIBCOMMON) $(CAPSTONE_LIBS) $(READLINE_LIBS) $(NCURSES_LIBS) -lm

$(BUILD)/debugger/%.o: debugger/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VDB_INC) -c -o $@ $<

$(LIBVDB): $(VDB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BINDIR)/vdb: $(BUILD)/debugger/vdb.o $(LIBVDB) $(LIBBVM) $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BUILD)/debugger/vdb.o $(VDB_LIBS)

# The include rule of each layer, one a line: tests/vdb/layers.sh checks
# with them that an include across layers does not build.
.PHONY: vdb-include-rules
vdb-include-rules:
	@$(foreach layer,$(VDB_LAYERS),printf '%s %s\n' $(layer) '$(call vdb_include_path,$(layer))';) \
	    printf '%s %s\n' bvm-adapter '$(VDB_BVM_ADAPTER_INC)' mhv-adapter '$(VDB_MHV_ADAPTER_INC)'

# Guest images.  Each mini-hypervisor/guest/NAME.S is a flat binary (real-
# mode code under .code16, or long-mode code under .code64 that mhv runs
# with --mode long): assembled, linked at offset 0 and flattened to
# $(BUILD)/guest/NAME.bin.  The ELF guests are listed apart: hello32 is an
# ELF32 that mhv enters in protected mode; the guest kernel (guest/kernel/)
# an ELF64 entered in long mode.
GUEST_ELF32 := hello32
GUEST_SRC := $(filter-out $(GUEST_ELF32:%=mini-hypervisor/guest/%.S),$(wildcard mini-hypervisor/guest/*.S))
GUEST_BIN := $(GUEST_SRC:mini-hypervisor/guest/%.S=$(BUILD)/guest/%.bin) \
             $(GUEST_ELF32:%=$(BUILD)/guest/%.elf)

$(BUILD)/guest/%.bin: mini-hypervisor/guest/%.S
	@mkdir -p $(@D)
	$(CC) -m32 -c -o $(BUILD)/guest/$*.o $<
	ld -m elf_i386 -Ttext=0 -e _start -o $(BUILD)/guest/$*.flat.elf $(BUILD)/guest/$*.o
	objcopy -O binary -j .text $(BUILD)/guest/$*.flat.elf $@

$(GUEST_ELF32:%=$(BUILD)/guest/%.elf): $(BUILD)/guest/%.elf: mini-hypervisor/guest/%.S
	@mkdir -p $(@D)
	$(CC) -m32 -c -o $(BUILD)/guest/$*.o $<
	ld -m elf_i386 -n -Ttext=0x100000 -e _start -o $@ $(BUILD)/guest/$*.o

# The guest kernel (guest/kernel/, an ELF64 that mhv boots in long mode)
# with the lab workloads compiled into it from the same C files `make bench`
# runs natively.  Freestanding, with flags of its own: nothing of the host
# build (sanitizers, hosted defines) may reach it.  The kernel's own files
# use no SSE registers (-mgeneral-regs-only), since its interrupt entry
# saves only the general registers; the workloads use SSE freely.
KERNEL_DIR       := mini-hypervisor/guest/kernel
KERNEL_WORKLOADS := fib loop sieve matmul trees
KERNEL_OBJ       := $(BUILD)/guest/kernel/entry.o \
                    $(patsubst $(KERNEL_DIR)/%.c,$(BUILD)/guest/kernel/%.o,$(wildcard $(KERNEL_DIR)/*.c)) \
                    $(KERNEL_WORKLOADS:%=$(BUILD)/guest/workloads/%.o)
KERNEL_CFLAGS    := -std=c11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                    -fno-asynchronous-unwind-tables -mno-red-zone -mcmodel=small -O2 -g -Wall -Wextra \
                    -Imini-hypervisor -I$(KERNEL_DIR) -Iworkloads -MMD -MP

$(BUILD)/guest/kernel/%.o: $(KERNEL_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -mgeneral-regs-only -c -o $@ $<

$(BUILD)/guest/kernel/entry.o: $(KERNEL_DIR)/entry.S
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

$(BUILD)/guest/workloads/%.o: workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -DWORKLOAD_NO_MAIN -c -o $@ $<

$(BUILD)/guest/kernel.elf: $(KERNEL_OBJ) $(KERNEL_DIR)/kernel.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,$(KERNEL_DIR)/kernel.ld -Wl,--build-id=none -o $@ $(KERNEL_OBJ)

GUEST_BIN += $(BUILD)/guest/kernel.elf

# The same workloads natively, printing the guest kernel's lines with
# native cycle counts (workloads/cycles.c): what a guest's count is
# compared with, by the tests and the labs.
CYCLES := $(BUILD)/workloads/cycles

$(BUILD)/workloads/%.o: workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DWORKLOAD_NO_MAIN -Iworkloads -c -o $@ $<

$(CYCLES): $(BUILD)/workloads/cycles.o $(KERNEL_WORKLOADS:%=$(BUILD)/workloads/%.o)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

GUEST_BIN += $(CYCLES)

guests: $(GUEST_BIN)

# ---- tests -------------------------------------------------------------------

# Each tests/unit/test_NAME.c is its own Check program (its own main), so
# suites never share a file: build/.../tests/test_NAME.  A test that needs
# another source file names it as an extra prerequisite below.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBBVM) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Ibytecode-vm -Itests/unit -o $@ $(filter %.c,$^) $(LIBBVM) $(LIBCOMMON) $(CHECK_LIBS) $(CAPSTONE_LIBS) -lm $(SAN)

$(BUILD)/tests/test_golden_spec: tests/tools/golden_spec.c

# The x86-64 encoder's tests decode every instruction form with Capstone.
$(BUILD)/tests/test_x64: tests/unit/test_x64.c $(LIBBVM) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(CAPSTONE_CFLAGS) -Ibytecode-vm -Itests/unit -o $@ $(filter %.c,$^) $(LIBBVM) $(LIBCOMMON) $(CHECK_LIBS) $(CAPSTONE_LIBS) -lm $(SAN)

# The guest kernel's pure parts (printf engine, command line, allocator),
# compiled hosted and tested on the host.
$(BUILD)/tests/test_guest_%: tests/unit/test_guest_%.c $(KERNEL_DIR)/format.c $(KERNEL_DIR)/cmdline.c $(KERNEL_DIR)/alloc.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Imini-hypervisor -I$(KERNEL_DIR) -Iworkloads -Itests/unit -o $@ $(filter %.c,$^) $(CHECK_LIBS) $(SAN)

# The hypervisor's suites (tests/unit/test_mhv_*.c) link libmhv instead;
# make picks this rule over the one above because its stem is shorter.
$(BUILD)/tests/test_mhv_%: tests/unit/test_mhv_%.c $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Imini-hypervisor -Itests/unit -o $@ $(filter %.c,$^) $(LIBMHV) $(LIBCOMMON) $(CHECK_LIBS) $(SAN)

# The debugger's suites (tests/unit/vdb/test_vdb_*.c) link libvdb and both VMs.
VDB_UNIT_SRC := $(wildcard tests/unit/vdb/test_vdb_*.c)
UNIT_BIN     += $(VDB_UNIT_SRC:tests/unit/vdb/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/test_vdb_%: tests/unit/vdb/test_vdb_%.c $(LIBVDB) $(LIBBVM) $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(call vdb_include_path,ui) -Itests/unit -o $@ $(filter %.c,$^) $(VDB_LIBS) $(CHECK_LIBS) $(SAN)

# Check suites that need /dev/kvm (tests/kvm/test_*.c): built here like the
# others, run on real KVM by tests/hv/mhv.sh -- directly, or inside the
# nested-KVM sandbox in the same boot as the guest checks.
KVM_TEST_SRC := $(wildcard tests/kvm/test_*.c)
KVM_TEST_BIN := $(KVM_TEST_SRC:tests/kvm/%.c=$(BUILD)/tests/kvm/%)

$(BUILD)/tests/kvm/test_%: tests/kvm/test_%.c $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Imini-hypervisor -Itests/unit -o $@ $(filter %.c,$^) $(LIBMHV) $(LIBCOMMON) $(CHECK_LIBS) $(SAN)

# ... and the debugger's hypervisor target alone, through
# debugger/targets/target.h.
$(BUILD)/tests/kvm/test_vdb_mhv: tests/kvm/test_vdb_mhv.c $(BUILD)/debugger/targets/target_mhv.o $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(call vdb_include_path,targets) -Itests/unit -o $@ $(filter-out %.h,$^) $(CAPSTONE_LIBS) $(CHECK_LIBS) $(SAN)

unit: $(UNIT_BIN) $(KVM_TEST_BIN)

# The golden-test runner (needs nothing of libbvm: it only runs bvm) and the
# bytecode fuzzer (runs mutated modules inside its own process).
GOLDEN_RUNNER := $(BUILD)/tests/golden-runner
FUZZER        := $(BUILD)/tests/bytecode-fuzz

$(GOLDEN_RUNNER): $(BUILD)/tests/tools/golden.o $(BUILD)/tests/tools/golden_spec.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(FUZZER): $(BUILD)/tests/tools/fuzz.o $(LIBBVM) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPSTONE_LIBS) -lm

tools: $(GOLDEN_RUNNER) $(FUZZER)

# Everything the suites run, handed to the aggregator by path.
TEST_ENV = BVM=$(BINDIR)/bvm MHV=$(BINDIR)/mhv VDB=$(BINDIR)/vdb MHV_GUESTS=$(BUILD)/guest CYCLES=$(CYCLES) GOLDEN_RUNNER=$(GOLDEN_RUNNER) FUZZER=$(FUZZER) \
           UNIT_TESTS="$(UNIT_BIN)" KVM_TESTS="$(KVM_TEST_BIN)" SANDBOX=tests/sandbox/kvm-sandbox.sh \
           FUZZ_COUNT=$(FUZZ_COUNT) FUZZ_SEED=$(FUZZ_SEED) \
           LAB_BUILD=$(BUILD) LAB_BINDIR=$(BINDIR) LAB_OPT="$(OPT)" LAB_SAN="$(SAN)" \
           SANITIZED=$(if $(SAN),1,0)

test: all unit tools
	@$(TEST_ENV) bash tests/run-tests.sh

check: deps
	@$(SUBMAKE) test

asan: deps
	@$(SUBMAKE) BUILD=$(ASAN_BUILD) BINDIR=$(ASAN_BUILD)/bin OPT=-O1 SAN="$(ASAN_FLAGS)" ASSERT=$(ASSERT_FLAGS) test

# Unoptimized, with the invariants checked, for stepping through in gdb:
# build/debug/bin/{bvm,mhv,vdb}.
debug:
	@$(SUBMAKE) BUILD=$(DEBUG_BUILD) BINDIR=$(DEBUG_BUILD)/bin OPT=-O0 ASSERT=$(ASSERT_FLAGS) all

# ---- demo and benchmark ------------------------------------------------------

demo: deps
	@$(SUBMAKE) all
	BVM=$(BINDIR)/bvm BINDIR=$(BINDIR) MHV=$(BINDIR)/mhv MHV_GUESTS=$(BUILD)/guest CYCLES=$(CYCLES) bash scripts/demo.sh $(DEMO_FLAGS)

bench: deps-bench
	@$(SUBMAKE) all
	BVM=$(BINDIR)/bvm BINDIR=$(BINDIR) bash scripts/bench.sh
	MHV=$(BINDIR)/mhv MHV_GUESTS=$(BUILD)/guest CYCLES=$(CYCLES) bash scripts/hv-bench.sh

# The labs (labs/README.md): a student's `make grade LAB=2` builds this tree
# and runs lab 2's checker on it.
grade:
	@test -n "$(LAB)" || { echo "make grade: say which lab, e.g. make grade LAB=1 (labs/grade --list)" >&2; exit 2; }
	@$(SUBMAKE) all
	@LAB_BUILD=$(BUILD) LAB_BINDIR=$(BINDIR) bash labs/grade $(LAB)

# ---- the nested-KVM sandbox -------------------------------------------------

# The hypervisor suite alone (make check runs it too): tests/hv/sandbox.sh
# tests the sandbox runner in three short boots, then tests/hv/mhv.sh runs
# every guest and KVM Check suite on KVM -- /dev/kvm if there is one, else
# the sandbox in one more boot.  At first use the sandbox also downloads
# its kernel into build/sandbox/.
sandbox-check:
	@bash scripts/deps.sh build hypervisor
	@$(SUBMAKE) all $(KVM_TEST_BIN)
	@$(TEST_ENV) bash tests/hv/sandbox.sh
	@$(TEST_ENV) bash tests/hv/mhv.sh
	@$(TEST_ENV) bash tests/hv/gdb.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf build bin
