// Request counters and latency histograms of the HTTP service, rendered in the Prometheus text
// exposition format. Labels are the route pattern (never the concrete path, which may hold a
// person id), the method and the status class; nothing secret or personal is recorded.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace abis::service {

struct GallerySize {
  std::string name;
  std::string kind;
  std::int64_t members = 0;
};

class ServiceMetrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets.
  static constexpr std::array<double, 12> kBucketBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

  void RecordRequest(const std::string& route, const std::string& method, int http_status, double seconds);
  // Prometheus text: abis_http_requests_total, abis_http_request_duration_seconds (histogram),
  // abis_gallery_members, plus `extra` lines given by the caller (already formatted).
  std::string Render(const std::vector<GallerySize>& galleries, const std::string& extra = "") const;
  std::uint64_t total_requests() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBucketBounds.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0.0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> counts_;  // route, method, status
  std::map<std::pair<std::string, std::string>, Histogram> latencies_;        // route, method
};

}  // namespace abis::service
