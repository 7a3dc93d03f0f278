/*
 * The auto list format: every address or CIDR in any text (HTML, CSV,
 * JSON), found by scanning bytes, so it sees anything a server sends.
 * See fuzz_list.h.
 */
#include "fuzz_list.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_list(data, size, LIST_AUTO);
	return 0;
}
