// libFuzzer target: arbitrary bytes as the only segment of a data directory.
// Recovery must refuse or truncate them; it must never crash or read out of
// bounds (built with AddressSanitizer and UBSan by scripts/fuzz-wal).

#include "store/fuzz_entry.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string bytes(reinterpret_cast<const char*>(data), size);
    (void)raftescort::store::recover_segment_bytes_for_fuzzing(bytes);
    return 0;
}
