# vmlab -- one non-recursive Makefile for every component.
#
#   make            build every program into bin/
#   make check      install missing dependencies, build, run every test suite
#   make demo       install missing dependencies, build, run the workloads
#   make bench      the side-by-side benchmark against the peers
#   make asan       build with ASan + UBSan into build/asan and run the suites
#
# Objects go to $(BUILD)/, programs to $(BINDIR)/.  The sanitizer build is the
# same rules with other BUILD, BINDIR and flags.

CC      ?= gcc
BUILD   ?= build/release
BINDIR  ?= bin
OPT     ?= -O2
SAN     ?=
CFLAGS  ?= -g $(OPT)
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter -Werror=implicit-function-declaration
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

.PHONY: all check demo bench asan clean deps unit golden
all: $(BINDIR)/bvm

# ---- libbvm and bvm ----------------------------------------------------------

BVM_MAIN := bytecode-vm/main.c
BVM_SRC  := $(filter-out $(BVM_MAIN),$(wildcard bytecode-vm/*.c))
BVM_OBJ  := $(BVM_SRC:%.c=$(BUILD)/%.o)
LIBBVM   := $(BUILD)/libbvm.a

$(LIBBVM): $(BVM_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BINDIR)/bvm: $(BUILD)/bytecode-vm/main.o $(LIBBVM)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ibytecode-vm -c -o $@ $<

# ---- tests -------------------------------------------------------------------

# Each tests/unit/test_NAME.c is its own Check program (its own main), so
# suites never share a file: build/.../tests/test_NAME.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBBVM)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Ibytecode-vm -Itests/unit -o $@ $< $(LIBBVM) $(CHECK_LIBS) -lm $(SAN)

unit: $(UNIT_BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf build bin
