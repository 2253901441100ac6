/*
 * A disassembler plug-in for HotSpot's -XX:+PrintAssembly, over the Capstone library, so that
 * C2's code for the kernels can be read on a machine with only Debian's packages:
 *
 *   apt-get install libcapstone-dev
 *   gcc -O2 -shared -fPIC -o hsdis-amd64.so bench/hsdis/hsdis.c -lcapstone
 *   LD_LIBRARY_PATH=$PWD java -XX:+UnlockDiagnosticVMOptions \
 *       -XX:CompileCommand=print,*F16Kernels::rows8Scaled -XX:PrintAssemblyOptions=intel ...
 *
 * HotSpot looks the library up by name and calls decode_instructions_virtual once per code blob;
 * it wants an "insn" event before and an "/insn" event after each instruction. Capstone 4
 * cannot decode some EVEX encodings (AVX-512 loads into zmm16–31 among them): those bytes are
 * printed as ".byte", one at a time, and the listing resynchronizes a few bytes later, so
 * instruction counts taken from it are approximate.
 *
 * For an exact listing, set HSDIS_DUMP_DIR to an existing folder: each code blob is then also
 * written there as raw bytes, named by its start address, and the listing names the file. GNU
 * objdump decodes every AVX-512 form, masked byte permutes included:
 *
 *   HSDIS_DUMP_DIR=/tmp/blobs LD_LIBRARY_PATH=$PWD java ... -XX:CompileCommand=print,... > listing.txt
 *   objdump -D -b binary -m i386:x86-64 -M intel --adjust-vma=0xADDRESS /tmp/blobs/ADDRESS.bin
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <capstone/capstone.h>

typedef void *(*event_callback_t)(void *, const char *, void *);
typedef int (*printf_callback_t)(void *, const char *, ...);

void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer, uintptr_t length,
                                  event_callback_t event, void *event_stream, printf_callback_t print, void *print_stream,
                                  const char *options, int newline) {
    (void) end_va;
    (void) options;
    const char *dump = getenv("HSDIS_DUMP_DIR");
    if (dump != NULL && *dump != '\0') {
        char name[4096];
        snprintf(name, sizeof name, "%s/%lx.bin", dump, (unsigned long) start_va);
        FILE *f = fopen(name, "wb");
        if (f != NULL && fwrite(buffer, 1, length, f) == length && fclose(f) == 0) {
            print(print_stream, "[code blob written to %s]", name);
        } else {
            if (f != NULL) fclose(f);
            print(print_stream, "[could not write the code blob to %s]", name);
        }
        if (newline) print(print_stream, "\n");
    }
    csh handle;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return 0;
    cs_insn *insn = cs_malloc(handle);
    const uint8_t *code = buffer;
    size_t size = length;
    uint64_t address = start_va;
    while (size > 0) {
        event(event_stream, "insn", (void *) (uintptr_t) address);
        if (cs_disasm_iter(handle, &code, &size, &address, insn)) {
            print(print_stream, "%-10s %s", insn->mnemonic, insn->op_str);
        } else {
            print(print_stream, ".byte 0x%02x", *code);
            code++;
            size--;
            address++;
        }
        event(event_stream, "/insn", (void *) (uintptr_t) address);
        if (newline) print(print_stream, "\n");
    }
    cs_free(insn, 1);
    cs_close(&handle);
    return (void *) (uintptr_t) address;
}
