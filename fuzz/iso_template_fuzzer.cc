// fuzz-target-library: abis_finger
// Feeds arbitrary bytes to the ISO/IEC 19794-2:2005 reader (and format detection); every record
// that parses must re-serialise and parse again to the same number of views and minutiae.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "abis/finger/minutiae_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)abis::finger::DetectMinutiaeRecordFormat(bytes, "fuzz");
  auto record = abis::finger::ReadMinutiaeRecord(bytes, abis::finger::MinutiaeRecordFormat::kIso19794_2_2005, "fuzz");
  if (!record.ok()) return 0;
  auto written = abis::finger::WriteMinutiaeRecord(record.value());
  if (!written.ok()) std::abort();
  auto again = abis::finger::ReadMinutiaeRecord(written.value(), "fuzz-rewritten");
  if (!again.ok() || again->views.size() != record->views.size()) std::abort();
  for (std::size_t v = 0; v < record->views.size(); ++v) {
    if (again->views[v].minutiae.minutiae.size() != record->views[v].minutiae.minutiae.size()) std::abort();
  }
  return 0;
}
