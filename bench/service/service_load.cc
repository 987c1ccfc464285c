// Load test of the HTTP service, bounded and loopback only: an in-process service on 127.0.0.1
// (ephemeral port) over a fresh temporary store, driven by concurrent enrol and identify clients.
// `--engine fake` (default) uses the test engine, so it measures HTTP, authentication, SQLite,
// sealing and audit costs, not a matcher; `--engine face` uses the real face engine (detection,
// landmarks, embedding, FAISS gallery) on the ORL faces of the shared data (person i enrols ORL
// image i mod 200; identify probes are other images of preloaded subjects). Reports requests/s and
// p50/p99 latency per operation, then checks that every acknowledged enrolment is stored exactly
// once, nothing else is, and the audit chain is intact.
//
//   service_load [--engine fake|face] [--enrolments N] [--searches N] [--clients N] [--workers N]
//                [--preload N] [--max-seconds S]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../tests/support/test_engine.h"
#include "abis/core/paths.h"
#ifdef ABIS_LOAD_WITH_FACE
#include "abis/face_cli/plugin.h"
#endif
#include "abis/audit/audit_log.h"
#include "abis/service/abis_service.h"
#include "abis/service/osia_mapping.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int enrolments = 400;
  int searches = 400;
  int clients = 8;
  std::size_t workers = 8;
  int preload = 200;
  int max_seconds = 120;
  std::string engine = "fake";
};

// The sample of person `seed`: random bytes for the fake engine, an ORL face for the face engine.
std::vector<std::uint8_t> SampleBytes(const Options& options, std::uint32_t seed) {
  if (options.engine == "fake") return abis::testing::RandomSample(seed, 512);
  std::uint32_t image = seed % 200;  // the shared set holds subjects s1-s20, 10 images each
  auto path = abis::SharedDataDir() / "face" / "orl" / ("s" + std::to_string(image % 20 + 1)) /
              (std::to_string(image / 20 + 1) + ".pgm");
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  std::size_t index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

nlohmann::json Encounter(const Options& options, std::uint32_t seed) {
  return {{"encounterType", "ENROLLMENT"},
          {"galleries", {"register"}},
          {"contextualData", {{"legalBasis", "Load test"}, {"retentionUntil", "2099-01-01"}}},
          {"biometricData", {{{"biometricType", "FACE"}, {"image", abis::service::EncodeBase64(SampleBytes(options, seed))}}}}};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--engine") {
      options.engine = argv[i + 1];
      if (options.engine != "fake" && options.engine != "face") {
        std::cerr << "service_load: --engine must be fake or face\n";
        return 2;
      }
      continue;
    }
    int value = std::atoi(argv[i + 1]);
    if (value < 0 || value > 1000000) {
      std::cerr << "service_load: " << flag << " must be 0-1000000\n";
      return 2;
    }
    if (flag == "--enrolments") options.enrolments = value;
    else if (flag == "--searches") options.searches = value;
    else if (flag == "--clients") options.clients = std::max(2, value);
    else if (flag == "--workers") options.workers = static_cast<std::size_t>(std::max(1, value));
    else if (flag == "--preload") options.preload = value;
    else if (flag == "--max-seconds") options.max_seconds = std::max(1, value);
    else {
      std::cerr << "service_load: unknown option " << flag << "\n";
      return 2;
    }
  }

  abis::testing::TempDir dir;
  std::unique_ptr<abis::ModalityEngine> engine = std::make_unique<abis::testing::TestEngine>();
  if (options.engine == "face") {
#ifdef ABIS_LOAD_WITH_FACE
    if (!std::filesystem::exists(abis::SharedDataDir() / "face" / "orl")) {
      std::cerr << "service_load: --engine face needs the ORL faces in " << (abis::SharedDataDir() / "face" / "orl") << "\n";
      return 2;
    }
    auto face = abis::face::MakePlugin().make_engine({abis::ModelDir(), abis::ResourceDir(), nlohmann::json::object()});
    if (!face.ok()) {
      std::cerr << "service_load: " << face.status().ToString() << "\n";
      return 5;
    }
    engine = std::move(face).value();
#else
    std::cerr << "service_load: built without the face module\n";
    return 2;
#endif
  }
  abis::EngineProvider engines = [&engine](abis::Modality) -> abis::Result<const abis::ModalityEngine*> {
    return static_cast<const abis::ModalityEngine*>(engine.get());
  };
  auto store_dir = dir.path() / "store";
  if (!abis::Store::Create(store_dir).ok()) return 5;
  auto system = abis::AbisSystem::Open(store_dir, engines);
  if (!system.ok()) return 5;
  std::map<std::string, std::string> keys;
  for (auto [name, role] : {std::pair{"root", abis::Role::kAdmin}, std::pair{"eve", abis::Role::kEnroller},
                            std::pair{"ian", abis::Role::kInvestigator}}) {
    auto user = abis::AddUser((*system)->TEST_store(), name, role);
    keys[name] = *abis::IssueApiKey((*system)->TEST_store(), user->id);
  }
  abis::Gallery gallery;
  gallery.name = "register";
  (void)(*system)->CreateGallery(abis::Operator{1, "root", abis::Role::kAdmin}, gallery);

  abis::service::ServiceConfig config;
  config.store_dir = store_dir;
  config.worker_threads = options.workers;
  auto service = abis::service::AbisService::Create(config, engines);
  if (!service.ok()) {
    std::cerr << "service_load: " << service.status().ToString() << "\n";
    return 5;
  }
  int port = *(*service)->Bind();
  std::thread server([&] { (void)(*service)->Run(); });

  auto enrol = [&](httplib::Client& client, std::uint32_t seed) {
    return client.Post("/v1/persons?transactionId=load", {{"Authorization", "Bearer " + keys["eve"]}},
                       Encounter(options, seed).dump(), "application/json");
  };
  {
    httplib::Client client("127.0.0.1", port);
    for (int i = 0; i < options.preload; ++i) (void)enrol(client, static_cast<std::uint32_t>(1000000 + i));
  }

  std::mutex mutex;
  std::vector<double> enrol_ms, search_ms;
  std::multiset<std::string> acknowledged;
  std::map<std::string, int> error_kinds;  // "<operation> <status>: <message>" -> count
  std::atomic<int> enrol_errors{0}, search_errors{0}, next_enrol{0}, next_search{0};
  auto deadline = Clock::now() + std::chrono::seconds(options.max_seconds);
  auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) {
    bool enroller = c % 2 == 0;
    clients.emplace_back([&, enroller] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(std::chrono::seconds(30));
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        if (enroller) {
          int i = next_enrol++;
          if (i >= options.enrolments) break;
          auto response = enrol(client, static_cast<std::uint32_t>(i));
          double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          std::lock_guard lock(mutex);
          if (response && response->status == 200) {
            enrol_ms.push_back(ms);
            acknowledged.insert(nlohmann::json::parse(response->body).at("personId").get<std::string>());
          } else {
            ++enrol_errors;
            ++error_kinds["enrol " + (response ? std::to_string(response->status) + ": " + response->body.substr(0, 200)
                                               : std::string("no answer"))];
          }
        } else {
          int i = next_search++;
          if (i >= options.searches) break;
          // A preloaded person's subject, another image of it for the face engine.
          std::uint32_t preloaded = static_cast<std::uint32_t>(1000000 + i % std::max(1, options.preload));
          nlohmann::json body = Encounter(options, options.engine == "face" ? preloaded + 20 : preloaded);
          body.erase("galleries");
          body.erase("contextualData");
          body.erase("encounterType");
          auto response = client.Post("/v1/identify/register?purpose=criminal_investigation&caseRef=LOAD&maxNbCand=5",
                                      {{"Authorization", "Bearer " + keys["ian"]}}, body.dump(), "application/json");
          double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          std::lock_guard lock(mutex);
          if (response && response->status == 200) {
            search_ms.push_back(ms);
          } else {
            ++search_errors;
            ++error_kinds["identify " + (response ? std::to_string(response->status) + ": " + response->body.substr(0, 200)
                                                  : std::string("no answer"))];
          }
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (*service)->Stop();
  server.join();

  // Afterwards: every acknowledged enrolment is stored exactly once, and nothing else.
  auto persons = (*system)->TEST_store().ListPersons(0, 10000000);
  std::multiset<std::string> stored;
  for (const auto& person : *persons) stored.insert(person.external_id);
  std::size_t lost = 0, duplicated = 0;
  for (const auto& id : acknowledged) {
    if (stored.count(id) == 0) ++lost;
    if (acknowledged.count(id) > 1 || stored.count(id) > 1) ++duplicated;
  }
  std::size_t expected = acknowledged.size() + static_cast<std::size_t>(options.preload);
  auto chain = abis::VerifyAuditChain((*system)->TEST_store());
  bool intact = chain.ok() && chain->intact;

  std::size_t requests = enrol_ms.size() + search_ms.size();
  nlohmann::json report = {
      {"seconds", seconds},
      {"requests_per_second", static_cast<double>(requests) / seconds},
      {"engine", options.engine},
      {"gallery_persons_at_start", options.preload},
      {"clients", options.clients},
      {"workers", options.workers},
      {"enrol", {{"ok", enrol_ms.size()}, {"errors", enrol_errors.load()}, {"p50_ms", Percentile(enrol_ms, 0.5)},
                 {"p99_ms", Percentile(enrol_ms, 0.99)}}},
      {"identify", {{"ok", search_ms.size()}, {"errors", search_errors.load()}, {"p50_ms", Percentile(search_ms, 0.5)},
                    {"p99_ms", Percentile(search_ms, 0.99)}}},
      {"persons_stored", persons->size()},
      {"persons_expected", expected},
      {"lost", lost},
      {"duplicated", duplicated},
      {"audit_chain_intact", intact},
      {"errors", error_kinds}};
  std::cout << report.dump() << "\n";
  bool ok = lost == 0 && duplicated == 0 && persons->size() == expected && intact && enrol_errors == 0 &&
            search_errors == 0;
  return ok ? 0 : 1;
}
