// libFuzzer's driver, for a program that keeps its own main (quarry-fuzz). Only declared: the symbol
// exists when the program is linked with -sanitize=fuzzer, and only such builds (QUARRY_LIBFUZZER) call it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
