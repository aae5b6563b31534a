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
#   make install    build the release programs, install them with their guests,
#                   workloads, labs, docs and man pages (PREFIX, DESTDIR)
#   make uninstall  remove what make install put there
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

.PHONY: all check test demo bench grade asan debug layer-flags clean deps deps-bench unit tools sandbox-check guests lab-kernel
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

# The layers of bytecode-vm/ (docs/architecture.md), lowest first.  A file
# is compiled with the include path of its own layer, which names the
# folders it may include from; so an include across the rules fails to
# build (tests/e2e/layers.sh checks that it does):
#
#   support    checked allocation, buffers, the arena, the hash map, diagnostics
#   bytecode   the opcode table, modules, the file format, the assembler and
#              disassembler, the verifier                 sees support
#   front      the Vela compiler, and the loader that turns any input file into
#              a verified module                          sees support, bytecode
#   runtime    the interpreter, the heap, values as text  sees support, bytecode
#   jit        the compiler to x86-64 and its runtime     sees support, bytecode, runtime
#
# The front end and the runtime never see each other.  bvm.c (the command)
# and libbvm's users (the debugger's adapter, the tests) see BVM_API_INC.
BVM_LAYERS        := support bytecode front runtime jit
BVM_SEES_support  := support
BVM_SEES_bytecode := support bytecode
BVM_SEES_front    := support bytecode front
BVM_SEES_runtime  := support bytecode runtime
BVM_SEES_jit      := support bytecode runtime jit
bvm_include_path   = $(addprefix -Ibytecode-vm/,$(BVM_SEES_$(1)))
BVM_API_INC       := $(call bvm_include_path,front) -Ibytecode-vm/runtime

BVM_SRC  := $(foreach layer,$(BVM_LAYERS),$(wildcard bytecode-vm/$(layer)/*.c))
BVM_OBJ  := $(BVM_SRC:%.c=$(BUILD)/%.o)
LIBBVM   := $(BUILD)/libbvm.a

# The JIT's --jit-dump disassembles compiled code with Capstone.
define bvm_layer_rule
$$(BUILD)/bytecode-vm/$(1)/%.o: bytecode-vm/$(1)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(call bvm_include_path,$(1)) $(if $(filter jit,$(1)),$$(CAPSTONE_CFLAGS)) -c -o $$@ $$<
endef
$(foreach layer,$(BVM_LAYERS),$(eval $(call bvm_layer_rule,$(layer))))

$(LIBBVM): $(BVM_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bytecode-vm/bvm.o: bytecode-vm/bvm.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BVM_API_INC) -c -o $@ $<

$(BINDIR)/bvm: $(BUILD)/bytecode-vm/bvm.o $(LIBBVM) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPSTONE_LIBS) -lm

# Anything else (common/, tests/tools/) sees only common/ and its own folder.
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# ---- libmhv and mhv ------------------------------------------------------------

# The hypervisor's layers (mini-hypervisor/README.md), each compiled with -I
# for its own folder and the layers below it, so an include across the rule
# does not build:
#
#   abi/           what the guest may see: the memory map, the boot protocol,
#                  the ports and addresses guest and host share
#   devices/       the bus and one file per device (and mhv_assert.h):
#                  devices + abi
#   vmm/           KVM, the machine, the run loop, cpu, paging, images:
#                  vmm + devices + abi
#   debug/         the debug API over the run loop: debug + vmm + devices + abi
#   mhv.c          the command: every layer (MHV_API_INC)
#   guest/flat/    the flat and ELF32 guests: themselves + abi
#   guest/kernel/  the guest kernel: itself + abi + workloads/ (KERNEL_CFLAGS)
#
# MHV_API_INC is what libmhv's users may see: the debugger's adapter
# (debugger/targets/target_mhv.c) and the KVM test suites (tests/kvm/).
MHV             := mini-hypervisor
MHV_ABI_INC     := -I$(MHV)/abi
MHV_DEVICES_INC := -I$(MHV)/devices $(MHV_ABI_INC)
MHV_VMM_INC     := -I$(MHV)/vmm $(MHV_DEVICES_INC)
MHV_DEBUG_INC   := -I$(MHV)/debug $(MHV_VMM_INC)
MHV_API_INC     := $(MHV_DEBUG_INC)
MHV_FLAT_INC    := -I$(MHV)/guest/flat $(MHV_ABI_INC)
MHV_KERNEL_INC  := -I$(MHV)/guest/kernel $(MHV_ABI_INC) -Iworkloads

# The include path of a file in folder $(1) of mini-hypervisor/ -- what the
# rules below compile it with, and what `make layer-flags` can print.
MHV_INC_$(MHV)              = $(MHV_API_INC)
MHV_INC_$(MHV)/devices      = $(MHV_DEVICES_INC)
MHV_INC_$(MHV)/vmm          = $(MHV_VMM_INC)
MHV_INC_$(MHV)/debug        = $(MHV_DEBUG_INC)
MHV_INC_$(MHV)/abi          = $(MHV_ABI_INC)
MHV_INC_$(MHV)/guest/flat   = $(MHV_FLAT_INC)
MHV_INC_$(MHV)/guest/kernel = $(MHV_KERNEL_INC)
mhv_include_path = $(MHV_INC_$(patsubst %/,%,$(1)))

# Every .c of a layer's folder is in libmhv (a new devices/dev_NAME.c needs
# no edit here).
MHV_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(MHV)/devices/*.c $(MHV)/vmm/*.c $(MHV)/debug/*.c))
LIBMHV  := $(BUILD)/libmhv.a

$(BUILD)/$(MHV)/%.o: $(MHV)/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call mhv_include_path,$(dir $<)) -c -o $@ $<

$(LIBMHV): $(MHV_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# mhv names the instruction a crash stopped at with Capstone (vmm/crash.h).
$(BUILD)/$(MHV)/mhv.o: ALL_CFLAGS += $(CAPSTONE_CFLAGS)

$(BINDIR)/mhv: $(BUILD)/$(MHV)/mhv.o $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPSTONE_LIBS)

# ---- libvdb and vdb ------------------------------------------------------------

# The debugger's layers, each a folder of debugger/, lowest first.  A file
# is compiled with the include path of its own layer, which names the
# folders it may include from, so an include across layers fails to build
# (tests/e2e/layers.sh checks that it does):
#
#   targets    target.h, the interface to a VM; sees nothing else of vdb
#   core       the service layer and the command-line parser   sees targets
#   commands   the commands, commands.def, the dispatcher      sees core, targets
#   ui         the TUI                                         sees commands, core, targets
#   gdb        the GDB remote protocol server                  sees targets
#
# vdb.c (the command) sees them all.  Only the adapters (targets/target_bvm.c,
# target_mhv.c) see a VM's headers, each its own VM's (targets/target_remote.c,
# gdb's protocol over a socket, sees none): the rule of target.h
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
VDB_BVM_ADAPTER_INC := $(call vdb_include_path,targets) $(BVM_API_INC)
VDB_MHV_ADAPTER_INC := $(call vdb_include_path,targets) $(MHV_API_INC)

# The DWARF layer (targets/guest_dwarf.c, guest_values.c, target_dwarf.c)
# reads the guest's ELF with elfutils' libdw and libdwfl: those files alone
# get its flags.
LIBDW_CFLAGS := $(shell pkg-config --cflags libdw 2>/dev/null)
LIBDW_LIBS   := $(shell pkg-config --libs libdw 2>/dev/null || echo -ldw -lelf)
VDB_DWARF_FILES := guest_dwarf guest_values guest_symbol_map target_dwarf

NCURSES_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
NCURSES_LIBS   := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
READLINE_LIBS  := -lreadline

# Each object gets its layer's include rule, and the flags of the libraries
# it uses (curses in ui/, Capstone in targets/x86_target.c, the x86
# disassembly of the hypervisor's adapter and of the remote target, libdw in
# the DWARF layer's files): VDB_INC.
$(foreach layer,$(VDB_LAYERS),$(eval $$(BUILD)/debugger/$(layer)/%.o: VDB_INC = $$(call vdb_include_path,$(layer))))
$(BUILD)/debugger/targets/target_bvm.o: VDB_INC = $(VDB_BVM_ADAPTER_INC)
$(BUILD)/debugger/targets/target_mhv.o: VDB_INC = $(VDB_MHV_ADAPTER_INC)
$(BUILD)/debugger/targets/x86_target.o: VDB_INC = $(call vdb_include_path,targets) $(CAPSTONE_CFLAGS)
$(VDB_DWARF_FILES:%=$(BUILD)/debugger/targets/%.o): VDB_INC += $(LIBDW_CFLAGS)
$(BUILD)/debugger/ui/%.o: VDB_INC += $(NCURSES_CFLAGS)
$(BUILD)/debugger/vdb.o: VDB_INC = $(VDB_MAIN_INC)

VDB_MAIN := debugger/vdb.c
VDB_SRC  := $(wildcard debugger/*/*.c)
VDB_OBJ  := $(VDB_SRC:%.c=$(BUILD)/%.o)
LIBVDB   := $(BUILD)/libvdb.a
VDB_LIBS := $(LIBVDB) $(LIBBVM) $(LIBMHV) $(LIBCOMMON) $(CAPSTONE_LIBS) $(LIBDW_LIBS) $(READLINE_LIBS) $(NCURSES_LIBS) -lm

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

# The include path of a folder of debugger/, or of the command or an
# adapter (a file), as the rules above give it: for `make layer-flags`.
vdb_include_path_of = $(if $(filter debugger/targets/target_bvm.c,$(1)),$(VDB_BVM_ADAPTER_INC),$\
                        $(if $(filter debugger/targets/target_mhv.c,$(1)),$(VDB_MHV_ADAPTER_INC),$\
                        $(if $(filter $(VDB_DWARF_FILES:%=debugger/targets/%.c),$(1)),$\
                             $(call vdb_include_path,targets) $(LIBDW_CFLAGS),$\
                        $(if $(filter debugger/vdb.c,$(1)),$(VDB_MAIN_INC),$\
                        $(call vdb_include_path,$(patsubst debugger/%,%,$(1)))))))

# Guest images.  Each mini-hypervisor/guest/flat/NAME.S is a flat binary
# (real-mode code under .code16, or long-mode code under .code64 that mhv
# runs with --mode long): assembled, linked at offset 0 and flattened to
# $(BUILD)/guest/NAME.bin.  The ELF guests are listed apart: hello32 is an
# ELF32 that mhv enters in protected mode; the guest kernel (guest/kernel/)
# an ELF64 entered in long mode.  They see abi/ and their own folder only
# (MHV_FLAT_INC).
GUEST_FLAT_DIR := $(MHV)/guest/flat
GUEST_ELF32 := hello32
GUEST_SRC := $(filter-out $(GUEST_ELF32:%=$(GUEST_FLAT_DIR)/%.S),$(wildcard $(GUEST_FLAT_DIR)/*.S))
GUEST_BIN := $(GUEST_SRC:$(GUEST_FLAT_DIR)/%.S=$(BUILD)/guest/%.bin) \
             $(GUEST_ELF32:%=$(BUILD)/guest/%.elf)
GUEST_ASFLAGS := -m32 $(MHV_FLAT_INC) -MMD -MP

$(BUILD)/guest/%.bin: $(GUEST_FLAT_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_ASFLAGS) -c -o $(BUILD)/guest/$*.o $<
	ld -m elf_i386 -Ttext=0 -e _start -o $(BUILD)/guest/$*.flat.elf $(BUILD)/guest/$*.o
	objcopy -O binary -j .text $(BUILD)/guest/$*.flat.elf $@

$(GUEST_ELF32:%=$(BUILD)/guest/%.elf): $(BUILD)/guest/%.elf: $(GUEST_FLAT_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_ASFLAGS) -c -o $(BUILD)/guest/$*.o $<
	ld -m elf_i386 -n -Ttext=0x100000 -e _start -o $@ $(BUILD)/guest/$*.o

# The guest kernel (guest/kernel/, an ELF64 that mhv boots in long mode)
# with the lab workloads compiled into it from the same C files `make bench`
# runs natively.  Freestanding, with flags of its own: nothing of the host
# build (sanitizers, hosted defines) may reach it, and of mhv it sees abi/
# only (MHV_KERNEL_INC).  The kernel's own files use no SSE registers
# (-mgeneral-regs-only), since its interrupt entry saves only the general
# registers; the workloads use SSE freely.
KERNEL_DIR       := $(MHV)/guest/kernel
KERNEL_WORKLOADS := fib loop sieve matmul trees
KERNEL_OBJ       := $(BUILD)/guest/kernel/entry.o \
                    $(patsubst $(KERNEL_DIR)/%.c,$(BUILD)/guest/kernel/%.o,$(wildcard $(KERNEL_DIR)/*.c)) \
                    $(KERNEL_WORKLOADS:%=$(BUILD)/guest/workloads/%.o)
KERNEL_BASE_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                    -fno-asynchronous-unwind-tables -mno-red-zone -mcmodel=small -g -Wall -Wextra \
                    $(MHV_KERNEL_INC) -MMD -MP
KERNEL_CFLAGS    := $(KERNEL_BASE_CFLAGS) -O2

$(BUILD)/guest/kernel/%.o: $(KERNEL_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -mgeneral-regs-only -c -o $@ $<

$(BUILD)/guest/kernel/entry.o: $(KERNEL_DIR)/entry.S
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

$(BUILD)/guest/workloads/%.o: workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -DWORKLOAD_NO_MAIN -c -o $@ $<

KERNEL_LDFLAGS   := -nostdlib -static -no-pie -Wl,-T,$(KERNEL_DIR)/kernel.ld -Wl,--build-id=none

$(BUILD)/guest/kernel.elf: $(KERNEL_OBJ) $(KERNEL_DIR)/kernel.ld
	$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJ)

GUEST_BIN += $(BUILD)/guest/kernel.elf

# The same kernel for debugging at source level (vdb --hv kernel-debug,
# the labs): the same files at -O0 with frame pointers, so that every line
# has its own code, every variable lives in its frame, and the frame chain
# is there when the call-frame information is not; -g as above (and
# without unwind tables, gcc puts the call-frame information in
# .debug_frame, which kernel.ld keeps).  kernel.elf stays -O2: it is the
# one that is measured.  Objects in $(BUILD)/guest/kernel-debug/.
KERNEL_DEBUG_CFLAGS := $(KERNEL_BASE_CFLAGS) -O0 -fno-omit-frame-pointer
KERNEL_DEBUG_OBJ := $(patsubst $(BUILD)/guest/%,$(BUILD)/guest/kernel-debug/%,$(KERNEL_OBJ))

$(BUILD)/guest/kernel-debug/kernel/%.o: $(KERNEL_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_DEBUG_CFLAGS) -mgeneral-regs-only -c -o $@ $<

$(BUILD)/guest/kernel-debug/kernel/entry.o: $(KERNEL_DIR)/entry.S
	@mkdir -p $(@D)
	$(CC) $(KERNEL_DEBUG_CFLAGS) -c -o $@ $<

$(BUILD)/guest/kernel-debug/workloads/%.o: workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_DEBUG_CFLAGS) -DWORKLOAD_NO_MAIN -c -o $@ $<

$(BUILD)/guest/kernel-debug.elf: $(KERNEL_DEBUG_OBJ) $(KERNEL_DIR)/kernel.ld
	$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_DEBUG_OBJ)

GUEST_BIN += $(BUILD)/guest/kernel-debug.elf

# A lab's kernel: the debug kernel with a lab's own C files,
# labs/NN-name/kernel/*.c, in place of the kernel's files of the same
# names (lab 9's uart.c), at the debug kernel's flags:
# $(BUILD)/labs/NN-name/kernel.elf.  `make` never builds one (the product
# does not depend on labs/); a lab's build.sh asks for it by the lab's
# name, so that it lands in whichever build is in use (make asan's too):
#   make lab-kernel LAB=09-guest-debugging
LAB_KERNEL_SRC := $(wildcard labs/*/kernel/*.c)
lab_kernel_src  = $(filter labs/$(1)/kernel/%,$(LAB_KERNEL_SRC))
lab_kernel_obj  = $(filter-out $(patsubst labs/$(1)/kernel/%.c,$(BUILD)/guest/kernel-debug/kernel/%.o,$(call lab_kernel_src,$(1))),$\
                      $(KERNEL_DEBUG_OBJ)) $(patsubst labs/%.c,$(BUILD)/labs/%.o,$(call lab_kernel_src,$(1)))

$(LAB_KERNEL_SRC:labs/%.c=$(BUILD)/labs/%.o): $(BUILD)/labs/%.o: labs/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_DEBUG_CFLAGS) -mgeneral-regs-only -c -o $@ $<

define lab_kernel_rule
$(BUILD)/labs/$(1)/kernel.elf: $(call lab_kernel_obj,$(1)) $(KERNEL_DIR)/kernel.ld
	$$(CC) $$(KERNEL_LDFLAGS) -o $$@ $(call lab_kernel_obj,$(1))
endef
$(foreach lab,$(sort $(patsubst labs/%/kernel/,%,$(dir $(LAB_KERNEL_SRC)))),$(eval $(call lab_kernel_rule,$(lab))))

lab-kernel:
	@test -n "$(LAB)" && test -n "$(call lab_kernel_src,$(LAB))" || \
	    { echo "make lab-kernel: LAB=NN-name, a lab with a kernel/ folder of C files (labs/*/kernel/)" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(BUILD)/labs/$(LAB)/kernel.elf

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

# Each tests/unit/COMPONENT/test_NAME.c is its own Check program (its own
# main), so suites never share a file: build/.../tests/test_NAME.  A test
# that needs another source file names it as an extra prerequisite below.
# make picks the rule whose source exists, and among those the one with the
# shortest stem.
UNIT_SRC := $(wildcard tests/unit/*/test_*.c tests/unit/test_*.c)
UNIT_BIN := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRC)))

# libbvm's suites test its modules from inside: they see every layer.
BVM_TEST_INC := $(addprefix -Ibytecode-vm/,$(BVM_LAYERS)) -Itests/unit/bvm

$(BUILD)/tests/test_%: tests/unit/bvm/test_%.c $(LIBBVM) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(CAPSTONE_CFLAGS) $(BVM_TEST_INC) -o $@ $(filter %.c,$^) $(LIBBVM) $(LIBCOMMON) $(CHECK_LIBS) $(CAPSTONE_LIBS) -lm $(SAN)

# The golden runner's directive parser, tested on its own.
$(BUILD)/tests/test_golden_spec: tests/unit/tools/test_golden_spec.c tests/tools/golden_spec.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/tools -o $@ $(filter %.c,$^) $(CHECK_LIBS) $(SAN)

# The guest kernel's pure parts (printf engine, command line, allocator),
# compiled hosted and tested on the host (tests/unit/guest/).
$(BUILD)/tests/test_guest_%: tests/unit/guest/test_guest_%.c $(KERNEL_DIR)/kprintf.c $(KERNEL_DIR)/cmdline.c $(KERNEL_DIR)/alloc.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(MHV_KERNEL_INC) -o $@ $(filter %.c,$^) $(CHECK_LIBS) $(SAN)

# The hypervisor's suites (tests/unit/mhv/test_mhv_*.c) link libmhv and see
# what its users see; make picks this rule over the one above because its
# stem is shorter.
$(BUILD)/tests/test_mhv_%: tests/unit/mhv/test_mhv_%.c $(LIBMHV) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(MHV_API_INC) -o $@ $(filter %.c,$^) $(LIBMHV) $(LIBCOMMON) $(CHECK_LIBS) $(SAN)

# The debugger's suites (tests/unit/vdb/test_vdb_*.c) link libvdb and both VMs.
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
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(MHV_API_INC) -o $@ $(filter %.c,$^) $(LIBMHV) $(LIBCOMMON) $(CHECK_LIBS) $(SAN)

# ... and the debugger's hypervisor target alone, through
# debugger/targets/target.h.
$(BUILD)/tests/kvm/test_vdb_mhv: tests/kvm/test_vdb_mhv.c $(BUILD)/debugger/targets/target_mhv.o \
                                 $(BUILD)/debugger/targets/x86_target.o $(LIBMHV) $(LIBCOMMON)
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

$(BUILD)/tests/tools/fuzz.o: tests/tools/fuzz.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BVM_API_INC) -c -o $@ $<

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

# ---- the include rules, as a test sees them ------------------------------------

# `make -s layer-flags DIR=bytecode-vm/runtime` prints the flags a file in
# DIR (a folder, or one of the files with a rule of its own: vdb.c, the
# debugger's adapters) is compiled with -- from the same variables the rules
# above use -- so that tests/e2e/layers.sh can show that an include across a
# rule fails to build.
layer_include_path = $(if $(filter bytecode-vm/%,$(1)),$(call bvm_include_path,$(patsubst bytecode-vm/%,%,$(1))),$\
                     $(if $(filter debugger/%,$(1)),$(call vdb_include_path_of,$(1)),$\
                     $(if $(filter labs/%/kernel,$(1)),$(MHV_KERNEL_INC),$\
                     $(call mhv_include_path,$(1)))))
# The guest kernel is compiled with flags of its own (no common/ either); a
# lab's kernel files with the debug kernel's.
layer_flags = $(if $(filter $(KERNEL_DIR),$(1)),$(filter-out -MMD -MP,$(KERNEL_CFLAGS)),$\
                $(if $(filter labs/%/kernel,$(1)),$(filter-out -MMD -MP,$(KERNEL_DEBUG_CFLAGS)),$\
                $(WARN) -Icommon $(call layer_include_path,$(1))))

layer-flags:
	@test -n "$(strip $(call layer_include_path,$(DIR)))" || { echo "layer-flags: no include rule for DIR=$(DIR)" >&2; exit 2; }
	@echo $(call layer_flags,$(DIR))

# ---- demo and benchmark ------------------------------------------------------

demo: deps
	@$(SUBMAKE) all
	BVM=$(BINDIR)/bvm BINDIR=$(BINDIR) MHV=$(BINDIR)/mhv MHV_GUESTS=$(BUILD)/guest CYCLES=$(CYCLES) bash scripts/demo.sh $(DEMO_FLAGS)

bench: deps-bench
	@$(SUBMAKE) all
	BVM=$(BINDIR)/bvm BINDIR=$(BINDIR) bash scripts/bench.sh
	MHV=$(BINDIR)/mhv MHV_GUESTS=$(BUILD)/guest CYCLES=$(CYCLES) bash scripts/hv-bench.sh
	MHV=$(BINDIR)/mhv bash scripts/linux-bench.sh

# ---- install and uninstall (GNU conventions) -----------------------------------

# make install [PREFIX=/usr/local] [DESTDIR=/scratch]   installs
#
#   $(bindir)                bvm, mhv, vdb
#   $(pkgdatadir)/guests     the guest images: $(BUILD)/guest/*.bin, hello32.elf,
#                            kernel.elf, kernel-debug.elf (mhv run NAME and vdb --hv
#                            NAME find them)
#   $(pkgdatadir)/workloads  workloads/: the Vela, C, Lua and Java programs, their
#                            .expected output, the headers the C needs, README.md
#   $(pkgdatadir)/labs       labs/, less anything built in it
#   $(docdir)                README.md and docs/*.md (as docs/, so links hold)
#   $(man1dir)               man/bvm.1, mhv.1, vdb.1
#
# with the GNU directory variables below, each of which may be set alone
# (make install mandir=/usr/share/man).  make uninstall removes those files
# again, then the vmlab folders that install made if they are left empty;
# nothing else.  DESTDIR stages the tree elsewhere (no root needed); the
# programs find their guests from their own folder, never from a compiled-in
# prefix (common/vmlab_paths.h), so a staged or moved tree works too.
#
# What is installed is the release build, bin/ and build/release/, built
# first: install runs a second make with BUILD, BINDIR and OPT of the
# release build and SAN and ASSERT empty, whatever the make that called it
# had -- `make asan`'s BUILD, BINDIR and SAN reach every make its suites
# start through MAKEFLAGS, and a sanitizer build is never installed.
PREFIX      ?= /usr/local
prefix      ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir      ?= $(exec_prefix)/bin
datarootdir ?= $(prefix)/share
datadir     ?= $(datarootdir)
pkgdatadir  ?= $(datadir)/vmlab
docdir      ?= $(datarootdir)/doc/vmlab
mandir      ?= $(datarootdir)/man
man1dir     ?= $(mandir)/man1
INSTALL         ?= install
INSTALL_PROGRAM ?= $(INSTALL) -m 755
INSTALL_DATA    ?= $(INSTALL) -m 644

INSTALL_BUILD  := build/release
INSTALL_BINDIR := bin
INSTALL_FLAGS   = BUILD=$(INSTALL_BUILD) BINDIR=$(INSTALL_BINDIR) OPT=-O2 SAN= ASSERT=

MAN_PAGES         := man/bvm.1 man/mhv.1 man/vdb.1
INSTALL_PROGRAMS   = $(addprefix $(BINDIR)/,bvm mhv vdb)
INSTALL_GUESTS     = $(filter $(BUILD)/guest/%,$(GUEST_BIN))
INSTALL_WORKLOADS  = workloads/README.md $(sort $(wildcard $(addprefix workloads/*,.vela .c .h .lua .java .expected)))
INSTALL_DOCS       = README.md $(sort $(wildcard docs/*.md))
LAB_BUILT          = %.o %.d %.vbc %.bin %.elf %.a %~ %.swp %.orig %.rej
INSTALL_LABS       = $(filter-out $(LAB_BUILT),$(shell find labs -type f 2>/dev/null | LC_ALL=C sort))
# Every folder under $(pkgdatadir) and $(docdir) that install makes.
INSTALL_VMLAB_DIRS = $(sort $(DESTDIR)$(pkgdatadir) $(DESTDIR)$(pkgdatadir)/guests $(DESTDIR)$(docdir) \
                       $(patsubst %/,%,$(dir $(addprefix $(DESTDIR)$(pkgdatadir)/,$(INSTALL_WORKLOADS) $(INSTALL_LABS)) \
                                            $(addprefix $(DESTDIR)$(docdir)/,$(INSTALL_DOCS)))))

# mhv and vdb look a guest's name up from their own folder
# (common/vmlab_paths.h): in the path from $(bindir) to the installed guests,
# then in the one from $(BINDIR) to this build's $(BUILD)/guest.  Both are
# compiled into vmlab_paths.o, relative; the .where file changes (and the
# object is rebuilt) only when one of them does.
VMLAB_BUILD_GUESTS     := $(shell realpath -m --relative-to=$(BINDIR) $(BUILD)/guest)
VMLAB_INSTALLED_GUESTS := $(shell realpath -m --relative-to=$(bindir) $(pkgdatadir)/guests)

$(BUILD)/common/vmlab_paths.o: ALL_CFLAGS += -DVMLAB_BUILD_GUESTS='"$(VMLAB_BUILD_GUESTS)"' \
                                             -DVMLAB_INSTALLED_GUESTS='"$(VMLAB_INSTALLED_GUESTS)"'
$(BUILD)/common/vmlab_paths.o: $(BUILD)/common/vmlab_paths.where

$(BUILD)/common/vmlab_paths.where: FORCE
	@mkdir -p $(@D)
	@echo "$(VMLAB_BUILD_GUESTS) $(VMLAB_INSTALLED_GUESTS)" | cmp -s - $@ || \
	    echo "$(VMLAB_BUILD_GUESTS) $(VMLAB_INSTALLED_GUESTS)" >$@
FORCE:

# common/'s unit tests (tests/unit/common/test_vmlab_*.c): the guest lookup,
# the command-line helpers.
$(BUILD)/tests/test_vmlab_%: tests/unit/common/test_vmlab_%.c $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(LIBCOMMON) $(CHECK_LIBS) $(SAN)

.PHONY: install install-files uninstall
install:
	@$(SUBMAKE) $(INSTALL_FLAGS) install-files

# The files themselves, from the build this make was given (install passes
# the release build's).
install-files: $(INSTALL_PROGRAMS) $(INSTALL_GUESTS) $(MAN_PAGES)
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) $(DESTDIR)$(pkgdatadir)/guests $(DESTDIR)$(docdir)/docs
	$(INSTALL_PROGRAM) $(INSTALL_PROGRAMS) $(DESTDIR)$(bindir)
	$(INSTALL_DATA) $(INSTALL_GUESTS) $(DESTDIR)$(pkgdatadir)/guests
	$(INSTALL_DATA) $(MAN_PAGES) $(DESTDIR)$(man1dir)
	$(INSTALL_DATA) README.md $(DESTDIR)$(docdir)
	$(INSTALL_DATA) $(filter docs/%,$(INSTALL_DOCS)) $(DESTDIR)$(docdir)/docs
	@echo "install: workloads/ and labs/ (their scripts executable) into $(DESTDIR)$(pkgdatadir)"
	@set -e; for f in $(INSTALL_WORKLOADS) $(INSTALL_LABS); do \
	    if [ -x "$$f" ]; then mode=755; else mode=644; fi; \
	    $(INSTALL) -D -m $$mode "$$f" "$(DESTDIR)$(pkgdatadir)/$$f"; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,bvm mhv vdb)
	rm -f $(addprefix $(DESTDIR)$(man1dir)/,$(notdir $(MAN_PAGES)))
	rm -f $(addprefix $(DESTDIR)$(pkgdatadir)/guests/,$(notdir $(INSTALL_GUESTS)))
	rm -f $(addprefix $(DESTDIR)$(docdir)/,$(INSTALL_DOCS))
	@echo "uninstall: workloads/ and labs/ from $(DESTDIR)$(pkgdatadir)"
	@rm -f $(addprefix $(DESTDIR)$(pkgdatadir)/,$(INSTALL_WORKLOADS) $(INSTALL_LABS))
	@for d in $$(printf '%s\n' $(INSTALL_VMLAB_DIRS) | LC_ALL=C sort -r); do \
	    if [ -d "$$d" ]; then rmdir --ignore-fail-on-non-empty "$$d"; fi; \
	done

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
# the sandbox in one more boot; tests/hv/gdb.sh has the real gdb debug
# guests through vdb's server, and tests/hv/remote.sh vdb's TUI and batch
# mode through its remote target, the guest in the sandbox (three boots);
# tests/hv/linux.sh boots Debian's Linux on mhv (one sandbox boot, six
# Linux boots inside it).
# At first use the sandbox also downloads its kernel into build/sandbox/.
sandbox-check:
	@bash scripts/deps.sh build hypervisor
	@$(SUBMAKE) all $(KVM_TEST_BIN)
	@$(TEST_ENV) bash tests/hv/sandbox.sh
	@$(TEST_ENV) bash tests/hv/mhv.sh
	@$(TEST_ENV) bash tests/hv/gdb.sh
	@$(TEST_ENV) bash tests/hv/remote.sh
	@$(TEST_ENV) bash tests/hv/linux.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf build bin
