// libFuzzer target: read_bytes as "page.html" (sniffing may still pick another reader), then chunk_document.
#include "tests/fuzz/ingest_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hayloft::ingest::fuzz::read_and_chunk(data, size, "page.html");
  return 0;
}
