// fuzz-target-library: abis_finger
// Feeds arbitrary bytes to the ANSI INCITS 378-2004 reader and to abis's own finger template
// decoder; a parsed ANSI record must round-trip through the writer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "abis/finger/finger_template_format.h"
#include "abis/finger/minutiae_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)abis::finger::DecodeFingerTemplate(bytes, "fuzz");
  auto record = abis::finger::ReadMinutiaeRecord(bytes, abis::finger::MinutiaeRecordFormat::kAnsi378_2004, "fuzz");
  if (!record.ok()) return 0;
  auto written = abis::finger::WriteMinutiaeRecord(record.value());
  if (!written.ok()) std::abort();
  auto again = abis::finger::ReadMinutiaeRecord(written.value(), abis::finger::MinutiaeRecordFormat::kAnsi378_2004,
                                                "fuzz-rewritten");
  if (!again.ok() || again->views.size() != record->views.size()) std::abort();
  return 0;
}
