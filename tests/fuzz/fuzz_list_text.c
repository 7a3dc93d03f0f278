/* The text list format: one entry a line, '#' comments.  See fuzz_list.h. */
#include "fuzz_list.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_list(data, size, LIST_TEXT);
	return 0;
}
