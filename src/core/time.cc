#include "abis/core/time.h"

#include <chrono>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

namespace abis {

std::string NowUtcIso8601() {
  if (const char* fake = std::getenv("ABIS_FAKE_NOW"); fake != nullptr && *fake != '\0') return fake;
  auto now = std::chrono::system_clock::now();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::string TodayUtc() { return NowUtcIso8601().substr(0, 10); }

}  // namespace abis
