#include "abis/service/service_metrics.h"

#include <sstream>

namespace abis::service {
namespace {

// Prometheus label values: escape backslash, quote and newline.
std::string LabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void ServiceMetrics::RecordRequest(const std::string& route, const std::string& method, int http_status,
                                   double seconds) {
  std::lock_guard lock(mutex_);
  ++counts_[{route, method, http_status}];
  Histogram& histogram = latencies_[{route, method}];
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
    if (seconds <= kBucketBounds[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::uint64_t ServiceMetrics::total_requests() const {
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [key, count] : counts_) total += count;
  return total;
}

std::string ServiceMetrics::Render(const std::vector<GallerySize>& galleries, const std::string& extra) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP abis_http_requests_total HTTP requests served, by route pattern, method and status.\n"
      << "# TYPE abis_http_requests_total counter\n";
  for (const auto& [key, count] : counts_) {
    const auto& [route, method, status] = key;
    out << "abis_http_requests_total{route=\"" << LabelValue(route) << "\",method=\"" << method << "\",status=\""
        << status << "\"} " << count << '\n';
  }
  out << "# HELP abis_http_request_duration_seconds Time from routing to response, by route pattern.\n"
      << "# TYPE abis_http_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : latencies_) {
    std::string labels = "route=\"" + LabelValue(key.first) + "\",method=\"" + key.second + "\"";
    for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
      out << "abis_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBucketBounds[i] << "\"} "
          << histogram.buckets[i] << '\n';
    }
    out << "abis_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << histogram.count << '\n'
        << "abis_http_request_duration_seconds_sum{" << labels << "} " << histogram.sum << '\n'
        << "abis_http_request_duration_seconds_count{" << labels << "} " << histogram.count << '\n';
  }
  out << "# HELP abis_gallery_members Persons in each gallery.\n# TYPE abis_gallery_members gauge\n";
  for (const auto& gallery : galleries) {
    out << "abis_gallery_members{gallery=\"" << LabelValue(gallery.name) << "\",kind=\"" << LabelValue(gallery.kind)
        << "\"} " << gallery.members << '\n';
  }
  out << extra;
  return out.str();
}

}  // namespace abis::service
