# uniproc: the monitor (host), the library OS (guest), tests and benchmarks.
CC ?= gcc
B := build
CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
GUEST_CFLAGS := -O2 -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fcf-protection=none -I$(B)/guest
MONITOR_LIBS := -lcapstone -ljansson -lcap

GUEST_SRC := $(wildcard guest/*.c) guest/entry.S
GUEST_OBJ := $(patsubst guest/%,$(B)/guest/%.o,$(GUEST_SRC))
MONITOR_SRC := $(wildcard monitor/*.c)
MONITOR_OBJ := $(patsubst monitor/%.c,$(B)/monitor/%.o,$(MONITOR_SRC)) $(B)/monitor/libos_image.o
HEADERS := include/uniproc/abi.h monitor/monitor.h monitor/hsys.h guest/libos.h monitor/oci.h

all: $(B)/uniproc

$(B)/guest/syscall_names.h: guest/gen-names.sh
	@mkdir -p $(@D)
	sh $< > $@

$(B)/guest/%.c.o: guest/%.c $(HEADERS) $(B)/guest/syscall_names.h
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guest/%.S.o: guest/%.S include/uniproc/abi.h
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

$(B)/guest/libos.elf: $(GUEST_OBJ) guest/libos.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,guest/libos.ld -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments $(GUEST_OBJ) -o $@

$(B)/guest/libos.bin: $(B)/guest/libos.elf
	objcopy -O binary $< $@

$(B)/monitor/%.o: monitor/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# The monitor's seccomp programs, made by libseccomp from the one list of
# host calls (monitor/sandbox/list.c) when uniproc is built.
$(B)/sandbox-list: monitor/sandbox/list.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lseccomp

$(B)/monitor/sandbox_bpf.h: $(B)/sandbox-list
	@mkdir -p $(@D)
	$< > $@.tmp && mv $@.tmp $@

# The sandbox names the calls its filter refuses with the guest's table.
$(B)/monitor/sandbox.o: monitor/sandbox.c $(HEADERS) $(B)/guest/syscall_names.h $(B)/monitor/sandbox_bpf.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(B)/guest -I$(B)/monitor -c $< -o $@

$(B)/monitor/libos_image.o: monitor/libos_image.S $(B)/guest/libos.bin
	@mkdir -p $(@D)
	$(CC) -c -DLIBOS_BIN='"$(B)/guest/libos.bin"' $< -o $@

$(B)/uniproc: $(MONITOR_OBJ)
	$(CC) $(CFLAGS) -static $^ -o $@ $(MONITOR_LIBS)

clean:
	rm -rf $(B)

.PHONY: all clean
