// fuzz-target-library: abis_interop
// libFuzzer target for the ANSI/NIST-ITL reader: any input must either be rejected with a
// message or parse into a transaction that writes, re-reads identically and yields a bundle.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace abis::interop;
  std::vector<std::string> deviations;
  auto parsed = ParseAn2kTransaction(std::span<const std::uint8_t>(data, size), &deviations);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) std::abort();
    return 0;
  }
  auto written = SerializeAn2kTransaction(*parsed);
  if (!written.ok()) std::abort();  // whatever the reader accepts, the writer must write
  auto again = ParseAn2kTransaction(*written);
  if (!again.ok() || !(*again == *parsed)) std::abort();
  (void)ExtractEnrolmentBundle(*parsed);
  return 0;
}
