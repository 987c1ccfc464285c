// `abis bench store`: a scale run of the store through the real path, on synthetic templates
// (docs/SEARCH.md "Store scale", docs/notes/store_scale_2026-12-07.md). A new store gets N finger
// persons by the batch import (synthetic ISO/IEC 19794-2 records, extracted by the finger engine)
// and N face persons whose samples are synthetic unit-norm embeddings enrolled at the template
// level (AbisSystem::PrepareNewPersonWithTemplates, then the ordinary sealed and audited batch
// commit); mated probes (another impression of the finger, a noisy copy of the embedding) are
// persons of a "probes" gallery, and every search is an ordinary audited AbisSystem::Search with
// a stored probe person. Measured: import rates and cores, the first search of a new process
// without a snapshot (index build) and with one (load), snapshot write time and size, warm
// search latency and rank-1, index bytes per template and the process's memory.
// Every report says "synthetic": these are not biometric accuracy figures.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "abis/system/batch_enrolment.h"
#include "abis/system/batch_import.h"
#include "abis/system/gallery_index_cache.h"
#include "cli_context.h"

#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FACE)
#include "abis/face/face_template.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"
#define ABIS_BENCH_STORE 1
#endif

namespace abis::cli {
namespace {

struct BenchStoreOptions {
  int persons = 1000;  // per modality
  int probes = 50;     // mated probes per modality
  int workers = 0;
  std::string dir;
  std::uint64_t seed = 1;
  bool no_face = false;
  bool no_finger = false;
};

#ifdef ABIS_BENCH_STORE

constexpr int kMaxBenchPersons = 10'000'000;
constexpr int kFaceDimension = 512;
constexpr char kRegister[] = "register";
constexpr char kProbes[] = "probes";
constexpr char kCase[] = "BENCH-STORE";

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// VmRSS and VmHWM of this process in bytes (0 when /proc is not there).
std::pair<std::uint64_t, std::uint64_t> ProcessMemory() {
  std::ifstream status("/proc/self/status");
  std::string line;
  std::uint64_t rss = 0, peak = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stoull(line.substr(6)) * 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stoull(line.substr(6)) * 1024;
  }
  return {rss, peak};
}

nlohmann::json MemoryJson() {
  auto [rss, peak] = ProcessMemory();
  return {{"rss_mb", std::round(static_cast<double>(rss) / 1e5) / 10},
          {"peak_rss_mb", std::round(static_cast<double>(peak) / 1e5) / 10}};
}

std::uint64_t FingerSeed(std::uint64_t seed, int person) {
  return seed * 1'000'003ULL + static_cast<std::uint64_t>(person);
}

std::string FingerPerson(int i) { return fmt::format("SYN-F-{:07d}", i); }
std::string FacePerson(int i) { return fmt::format("SYN-FACE-{:07d}", i); }
std::string FingerProbe(int i) { return fmt::format("PROBE-F-{:07d}", i); }
std::string FaceProbe(int i) { return fmt::format("PROBE-FACE-{:07d}", i); }

Person NewPerson(const std::string& id) {
  Person person;
  person.external_id = id;
  person.category = PersonCategory::kCitizen;
  person.legal_basis = "Synthetic benchmark";
  person.retention_until = "2099-12-31";
  return person;
}

Result<std::vector<std::uint8_t>> FingerRecord(const finger::MinutiaeTemplate& minutiae) {
  return finger::WriteMinutiaeRecord(
      finger::SingleViewRecord(minutiae, finger::MinutiaeRecordFormat::kIso19794_2_2005));
}

// A unit-norm embedding of person `i`, and with `noise` > 0 a mated copy at cosine about
// 1/sqrt(1 + noise^2) from it.
std::vector<float> FaceEmbedding(std::uint64_t seed, int i, double noise) {
  std::mt19937_64 random(seed * 7'919ULL + static_cast<std::uint64_t>(i));
  std::normal_distribution<double> normal;
  std::vector<double> values(kFaceDimension);
  for (double& v : values) v = normal(random) / std::sqrt(static_cast<double>(kFaceDimension));
  if (noise > 0) {
    std::mt19937_64 noisy(seed * 104'729ULL + static_cast<std::uint64_t>(i));
    for (double& v : values) v += noise * normal(noisy) / std::sqrt(static_cast<double>(kFaceDimension));
  }
  double norm = 0;
  for (double v : values) norm += v * v;
  norm = std::sqrt(norm);
  std::vector<float> out(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) out[k] = static_cast<float>(values[k] / norm);
  return out;
}

// One face person's encounter whose sample is its synthetic template.
Result<PreparedPerson> PrepareFacePerson(AbisSystem& system, const Operator& op, const std::string& algorithm,
                                         const std::string& id, std::vector<float> embedding) {
  BiometricTemplate biometric_template;
  biometric_template.modality = Modality::kFace;
  biometric_template.algorithm = algorithm;
  biometric_template.data = face::SerializeFaceEmbedding({algorithm, std::move(embedding)});
  biometric_template.quality = {{"synthetic", true}};
  EncounterEnrolment request;
  request.person = id;
  request.new_person = NewPerson(id);
  SampleInput sample;
  sample.modality = Modality::kFace;
  sample.bytes = biometric_template.data;
  sample.format_hint = "abis-face-template";
  sample.source_name = "synthetic embedding";
  request.samples.push_back(std::move(sample));
  std::vector<BiometricTemplate> templates;
  templates.push_back(std::move(biometric_template));
  return system.PrepareNewPersonWithTemplates(op, std::move(request), std::move(templates));
}

Result<PreparedPerson> PrepareFingerProbe(AbisSystem& system, const Operator& op, std::uint64_t seed, int i) {
  const std::uint64_t probe_seed = FingerSeed(seed, i) ^ 0x5bd1e995ULL;
  const finger::MinutiaeTemplate impression = finger::SyntheticImpression(
      finger::SyntheticFinger(FingerSeed(seed, i)), probe_seed, finger::TypicalImpressionOptions(probe_seed));
  ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, FingerRecord(impression));
  EncounterEnrolment request;
  request.person = FingerProbe(i);
  request.new_person = NewPerson(request.person);
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.position = FingerPosition::kRightIndex;
  sample.format_hint = "iso19794-2";
  sample.bytes = std::move(bytes);
  sample.source_name = "synthetic impression";
  request.samples.push_back(std::move(sample));
  return system.PrepareNewPerson(op, std::move(request));
}

// Commits prepared persons in batches of 256 (one transaction and audit entry each).
class BatchCommitter {
 public:
  BatchCommitter(AbisSystem& system, const Operator& op, std::string gallery)
      : system_(system), op_(op), gallery_(std::move(gallery)) {}
  Status Add(PreparedPerson person) {
    pending_.push_back(std::move(person));
    return pending_.size() >= 256 ? Flush() : Status::Ok();
  }
  Status Flush() {
    if (pending_.empty()) return Status::Ok();
    NewPersonsBatch batch;
    batch.gallery = gallery_;
    batch.case_ref = kCase;
    ABIS_ASSIGN_OR_RETURN(NewPersonsCommit commit, system_.CommitNewPersons(op_, pending_, batch));
    for (const Status& outcome : commit.outcomes) ABIS_RETURN_IF_ERROR(outcome);
    committed_ += pending_.size();
    pending_.clear();
    return Status::Ok();
  }
  std::size_t committed() const { return committed_; }

 private:
  AbisSystem& system_;
  const Operator& op_;
  std::string gallery_;
  std::vector<PreparedPerson> pending_;
  std::size_t committed_ = 0;
};

nlohmann::json RateJson(std::size_t persons, double seconds, double cpu_seconds) {
  return {{"persons", persons},
          {"seconds", std::round(seconds * 1000) / 1000},
          {"persons_per_second", std::round(static_cast<double>(persons) / std::max(seconds, 1e-9) * 10) / 10},
          {"cores_average", std::round(cpu_seconds / std::max(seconds, 1e-9) * 100) / 100}};
}

Result<nlohmann::json> ImportFingers(CliContext& context, const BenchStoreOptions& options, const Operator& op,
                                     const std::filesystem::path& store_dir) {
  const std::filesystem::path data = std::filesystem::path(options.dir) / "finger-data";
  std::filesystem::create_directories(data / "iso");
  {
    std::ofstream manifest(data / "manifest.csv", std::ios::binary | std::ios::trunc);
    manifest << "person,category,legal_basis,retention_until,modality,position,file\n";
    for (int i = 0; i < options.persons; ++i) {
      ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes,
                            FingerRecord(finger::SyntheticFinger(FingerSeed(options.seed, i))));
      const std::string name = fmt::format("iso/{}.iso", FingerPerson(i));
      std::ofstream file(data / name, std::ios::binary | std::ios::trunc);
      file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!file) return Status::IoError("cannot write " + (data / name).string());
      manifest << FingerPerson(i) << ",citizen,Synthetic benchmark,2099-12-31,finger,right_index," << name << "\n";
    }
    if (!manifest.flush()) return Status::IoError("cannot write " + (data / "manifest.csv").string());
  }
  BatchImportRequest request;
  request.manifest = data / "manifest.csv";
  request.gallery = kRegister;
  request.case_ref = kCase;
  request.workers = options.workers;
  request.refresh_indexes = false;  // the bench times the first search's build and the snapshot itself
  auto last = std::make_shared<Clock::time_point>(Clock::now());
  request.progress = [last](const BatchImportProgress& p) {
    if (p.rows_done < p.rows && Clock::now() - *last < std::chrono::seconds(10)) return;
    *last = Clock::now();
    std::cerr << fmt::format("bench store: fingers {}/{} ({:.0f}/s)\n", p.rows_done, p.rows,
                             static_cast<double>(p.rows_done) / std::max(p.seconds, 1e-9));
  };
  const double cpu = CpuSeconds();
  const auto start = Clock::now();
  ABIS_ASSIGN_OR_RETURN(
      BatchImportReport report,
      RunBatchImport(
          [&]() { return AbisSystem::Open(store_dir, [&context](Modality m) { return context.Engine(m); }); }, op,
          request));
  const double seconds = SecondsSince(start);
  if (report.enrolled != static_cast<std::size_t>(options.persons)) {
    return Status::Internal(fmt::format("the finger import enrolled {} of {} persons (errors: {})", report.enrolled,
                                        options.persons, report.errors_file.string()));
  }
  nlohmann::json out = RateJson(report.enrolled, seconds, CpuSeconds() - cpu);
  out["path"] = "abis import batch (RunBatchImport) of synthetic ISO 19794-2 records";
  out["batches"] = report.batches;
  return out;
}

Result<nlohmann::json> ImportFaces(AbisSystem& system, const BenchStoreOptions& options, const Operator& op,
                                   const std::string& algorithm) {
  BatchCommitter committer(system, op, kRegister);
  const double cpu = CpuSeconds();
  const auto start = Clock::now();
  auto last = Clock::now();
  for (int i = 0; i < options.persons; ++i) {
    ABIS_ASSIGN_OR_RETURN(PreparedPerson prepared,
                          PrepareFacePerson(system, op, algorithm, FacePerson(i), FaceEmbedding(options.seed, i, 0)));
    ABIS_RETURN_IF_ERROR(committer.Add(std::move(prepared)));
    if (Clock::now() - last > std::chrono::seconds(10)) {
      last = Clock::now();
      std::cerr << fmt::format("bench store: faces {}/{}\n", i + 1, options.persons);
    }
  }
  ABIS_RETURN_IF_ERROR(committer.Flush());
  nlohmann::json out = RateJson(committer.committed(), SecondsSince(start), CpuSeconds() - cpu);
  out["path"] = "PrepareNewPersonWithTemplates + CommitNewPersons (batches of 256) of synthetic 512-d embeddings";
  return out;
}

struct ModalityRun {
  Modality modality;
  std::function<std::string(int)> probe, mate;
};

Result<SearchResult> SearchWith(AbisSystem& system, const Operator& op, const ModalityRun& run, int i) {
  SearchRequest request;
  request.purpose = Purpose::kIdentityVerification;
  request.case_ref = kCase;
  request.gallery = kRegister;
  request.probe_person = run.probe(i);
  request.probe_modalities = {run.modality};
  return system.Search(op, request);
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t index = std::min(values.size() - 1, static_cast<std::size_t>(std::ceil(q * values.size())) - 1);
  return values[index];
}

double Ms(double seconds) { return std::round(seconds * 1e4) / 10; }

Result<nlohmann::json> RunBenchStore(CliContext& context, const BenchStoreOptions& options) {
  if (options.persons < 1 || options.persons > kMaxBenchPersons) {
    return Status::InvalidArgument(fmt::format("--persons must be 1-{}, not {}", kMaxBenchPersons, options.persons));
  }
  if (options.probes < 1 || options.probes > options.persons || options.probes > 100000) {
    return Status::InvalidArgument(fmt::format("--probes must be 1-min(--persons, 100000), not {}", options.probes));
  }
  if (options.no_face && options.no_finger) return Status::InvalidArgument("--no-face and --no-finger leave nothing");
  const std::filesystem::path store_dir = std::filesystem::path(options.dir) / "store";
  if (std::filesystem::exists(store_dir)) {
    return Status::AlreadyExists("the benchmark makes a new store and " + store_dir.string() + " exists");
  }
  std::filesystem::create_directories(options.dir);
  const EngineProvider engines = [&context](Modality m) { return context.Engine(m); };

  nlohmann::json out = {{"synthetic", true}, {"persons_per_modality", options.persons}, {"probes", options.probes}};
  ABIS_ASSIGN_OR_RETURN(InitializedStore initialized,
                        AbisSystem::Initialize(store_dir, "bench-admin", {{"synthetic_benchmark", true}}));
  Operator op;
  std::int64_t register_id = 0;
  {
    ABIS_ASSIGN_OR_RETURN(auto system, AbisSystem::Open(store_dir, engines));
    for (const char* name : {kRegister, kProbes}) {
      Gallery gallery;
      gallery.name = name;
      ABIS_ASSIGN_OR_RETURN(Gallery created, system->CreateGallery(initialized.admin, gallery));
      if (gallery.name == kRegister) register_id = created.id;
    }
    ABIS_ASSIGN_OR_RETURN(auto user, system->AddUser(initialized.admin, "bench", Role::kEnroller));
    op = Operator{user.first.id, "bench", Role::kEnroller};
    std::ofstream key(std::filesystem::path(options.dir) / "bench.key", std::ios::trunc);
    key << user.second << "\n";
    std::filesystem::permissions(std::filesystem::path(options.dir) / "bench.key",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  std::vector<ModalityRun> runs;
  if (!options.no_finger) {
    ABIS_ASSIGN_OR_RETURN(out["finger_import"], ImportFingers(context, options, op, store_dir));
    runs.push_back({Modality::kFinger, FingerProbe, FingerPerson});
  }
  std::string face_algorithm;
  if (!options.no_face) {
    ABIS_ASSIGN_OR_RETURN(const ModalityEngine* face_engine, context.Engine(Modality::kFace));
    face_algorithm = face_engine->algorithm();
    ABIS_ASSIGN_OR_RETURN(auto system, AbisSystem::Open(store_dir, engines));
    ABIS_ASSIGN_OR_RETURN(out["face_import"], ImportFaces(*system, options, op, face_algorithm));
    runs.push_back({Modality::kFace, FaceProbe, FacePerson});
  }
  {  // the mated probes, persons of their own gallery
    ABIS_ASSIGN_OR_RETURN(auto system, AbisSystem::Open(store_dir, engines));
    BatchCommitter committer(*system, op, kProbes);
    for (int i = 0; i < options.probes; ++i) {
      if (!options.no_finger) {
        ABIS_ASSIGN_OR_RETURN(PreparedPerson probe, PrepareFingerProbe(*system, op, options.seed, i));
        ABIS_RETURN_IF_ERROR(committer.Add(std::move(probe)));
      }
      if (!options.no_face) {
        ABIS_ASSIGN_OR_RETURN(PreparedPerson probe, PrepareFacePerson(*system, op, face_algorithm, FaceProbe(i),
                                                                      FaceEmbedding(options.seed, i, 0.9)));
        ABIS_RETURN_IF_ERROR(committer.Add(std::move(probe)));
      }
    }
    ABIS_RETURN_IF_ERROR(committer.Flush());
  }
  out["memory_after_import"] = MemoryJson();

  // A new process's first search, without a snapshot: every template decrypted and prepared.
  nlohmann::json per_modality = nlohmann::json::object();
  SnapshotSaveReport saved;
  std::vector<GalleryIndexMemory> memory;
  {
    ABIS_ASSIGN_OR_RETURN(auto system, AbisSystem::Open(store_dir, engines, std::make_shared<GalleryIndexCache>()));
    for (const ModalityRun& run : runs) {
      const auto start = Clock::now();
      ABIS_ASSIGN_OR_RETURN(SearchResult result, SearchWith(*system, op, run, 0));
      per_modality[std::string(ModalityName(run.modality))]["first_search_without_snapshot_s"] =
          std::round(SecondsSince(start) * 1000) / 1000;
      per_modality[std::string(ModalityName(run.modality))]["gallery_templates"] = result.gallery_size;
    }
    out["memory_after_build"] = MemoryJson();
    saved = system->SaveIndexSnapshots();
    if (!saved.errors.empty()) return Status::Internal("snapshot not written: " + saved.errors.front());
    memory = system->IndexMemory();
  }
  out["snapshot_write"] = {
      {"written", saved.written}, {"bytes", saved.bytes}, {"seconds", std::round(saved.seconds * 1000) / 1000}};
  for (const GalleryIndexMemory& index : memory) {
    if (index.key.gallery_id != register_id) continue;
    nlohmann::json& entry = per_modality[std::string(ModalityName(index.key.modality))];
    entry["index_bytes"] = index.bytes;
    entry["index_templates"] = index.templates;
    entry["index_bytes_per_template"] =
        index.templates == 0 ? 0.0 : std::round(static_cast<double>(index.bytes) / index.templates * 10) / 10;
  }

  // A new process with the snapshots: the first search loads them; then warm searches.
  auto cache = std::make_shared<GalleryIndexCache>();
  ABIS_ASSIGN_OR_RETURN(auto system, AbisSystem::Open(store_dir, engines, cache));
  for (const ModalityRun& run : runs) {
    nlohmann::json& entry = per_modality[std::string(ModalityName(run.modality))];
    const auto start = Clock::now();
    ABIS_RETURN_IF_ERROR(SearchWith(*system, op, run, 0).status());
    entry["first_search_with_snapshot_s"] = std::round(SecondsSince(start) * 1000) / 1000;
    std::vector<double> latencies;
    int rank1 = 0;
    for (int i = 0; i < options.probes; ++i) {
      const auto one = Clock::now();
      ABIS_ASSIGN_OR_RETURN(SearchResult result, SearchWith(*system, op, run, i));
      latencies.push_back(SecondsSince(one));
      if (!result.candidates.empty() && result.candidates.front().external_id == run.mate(i)) ++rank1;
    }
    entry["warm_search_p50_ms"] = Ms(Percentile(latencies, 0.5));
    entry["warm_search_p95_ms"] = Ms(Percentile(latencies, 0.95));
    entry["rank1"] = std::round(1000.0 * rank1 / options.probes) / 1000;
  }
  out["snapshots_loaded"] = cache->stats().snapshots_loaded;
  out["memory_after_searches"] = MemoryJson();
  out["modalities"] = per_modality;
  out["store"] = store_dir.string();
  out["api_key_file"] = (std::filesystem::path(options.dir) / "bench.key").string();
  return out;
}

void PrintTable(std::ostream& s, const nlohmann::json& r) {
  s << fmt::format("abis bench store (SYNTHETIC templates), {} persons per modality, {} mated probes\n",
                   r["persons_per_modality"].get<int>(), r["probes"].get<int>());
  for (const char* import : {"finger_import", "face_import"}) {
    if (!r.contains(import)) continue;
    const nlohmann::json& i = r[import];
    s << fmt::format("  {:<14} {:>9.1f} persons/s  {:>5.2f} cores  ({:.1f} s)\n", import,
                     i["persons_per_second"].get<double>(), i["cores_average"].get<double>(),
                     i["seconds"].get<double>());
  }
  s << fmt::format("  snapshots      {} written, {:.1f} MB in {:.2f} s\n", r["snapshot_write"]["written"].get<int>(),
                   r["snapshot_write"]["bytes"].get<double>() / 1e6, r["snapshot_write"]["seconds"].get<double>());
  s << fmt::format("  {:<8} {:>10} {:>12} {:>11} {:>9} {:>9} {:>7} {:>10}\n", "modality", "templates", "first(build)",
                   "first(load)", "p50 ms", "p95 ms", "rank-1", "bytes/tpl");
  for (const auto& [name, m] : r["modalities"].items()) {
    s << fmt::format("  {:<8} {:>10} {:>11.2f}s {:>10.2f}s {:>9.1f} {:>9.1f} {:>7.3f} {:>10.1f}\n", name,
                     m.value("index_templates", 0), m.value("first_search_without_snapshot_s", 0.0),
                     m.value("first_search_with_snapshot_s", 0.0), m.value("warm_search_p50_ms", 0.0),
                     m.value("warm_search_p95_ms", 0.0), m.value("rank1", 0.0),
                     m.value("index_bytes_per_template", 0.0));
  }
  s << fmt::format("  memory: {} MB RSS after searches, {} MB peak\n",
                   r["memory_after_searches"]["rss_mb"].get<double>(),
                   r["memory_after_searches"]["peak_rss_mb"].get<double>());
}

#endif  // ABIS_BENCH_STORE

}  // namespace

void AddBenchStoreCommand(CLI::App& root, CliContext& context) {
  CLI::App* bench = root.get_subcommand("bench");
  CLI::App* command = bench->add_subcommand(
      "store", "scale run of a new store on SYNTHETIC templates: import, index build, snapshots, search");
  auto options = std::make_shared<BenchStoreOptions>();
  command->add_option("--persons", options->persons, "persons per modality (finger and face)")->capture_default_str();
  command->add_option("--probes", options->probes, "mated probes per modality (warm searches)")->capture_default_str();
  command->add_option("--dir", options->dir, "work folder: the new store, the synthetic ISO records, bench.key")
      ->required();
  command->add_option("--workers", options->workers, "extraction threads of the finger import (0: one per core)")
      ->check(CLI::Range(0, 256));
  command->add_option("--seed", options->seed, "seed of the synthetic templates")->capture_default_str();
  command->add_flag("--no-face", options->no_face, "fingers only");
  command->add_flag("--no-finger", options->no_finger, "faces only");
  command->callback([&context, options] {
#ifdef ABIS_BENCH_STORE
    Result<nlohmann::json> result = RunBenchStore(context, *options);
    if (context.Failed(result.status())) return;
    PrintResult(context.globals(), *result, [&](std::ostream& s) { PrintTable(s, *result); });
#else
    context.Failed(Status::Unimplemented("abis bench store needs the finger and face modules in this build"));
#endif
  });
}

}  // namespace abis::cli
