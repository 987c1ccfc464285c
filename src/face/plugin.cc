#include "abis/face_cli/plugin.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include <omp.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/core/paths.h"
#include "abis/face/alignment.h"
#include "abis/face/evaluation.h"
#include "abis/face/face_engine.h"

namespace abis::face {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Rounds to the nearest multiple of `unit` (a power of ten below 1), exactly representable.
double Round(double value, double unit) {
  const double inverse = std::round(1.0 / unit);
  return std::round(value * inverse) / inverse;
}

Result<std::unique_ptr<ModalityEngine>> MakeEngine(const EngineConfig& config) {
  ABIS_ASSIGN_OR_RETURN(const FaceEngineOptions options, FaceEngineOptions::FromSettings(config.model_dir, config.settings));
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<FaceEngine> engine, FaceEngine::Create(options));
  return std::unique_ptr<ModalityEngine>(std::move(engine));
}

Result<std::unique_ptr<FaceEngine>> EngineFor(const std::string& front_end, bool liveness) {
  nlohmann::json settings = {{"front_end", front_end}, {"liveness", liveness}};
  ABIS_ASSIGN_OR_RETURN(const FaceEngineOptions options, FaceEngineOptions::FromSettings(ModelDir(), settings));
  return FaceEngine::Create(options);
}

struct EvalFlags {
  std::string dir;
  std::string pairs_csv;
  std::string plot;
  std::string histogram;
  std::string front_end = "onnx";
  std::string calibration_out;
  std::size_t max_impostors = 200'000;
  std::uint64_t seed = 20240601;
};

void RunEval(const EvalFlags& flags, CliGlobals& globals) {
  Result<std::unique_ptr<FaceEngine>> engine = EngineFor(flags.front_end, /*liveness=*/false);
  if (!engine.ok()) return ReportError(globals, engine.status());
  EvaluationOptions options;
  options.dir = flags.dir;
  options.pairs_csv = flags.pairs_csv;
  options.max_impostor_pairs = flags.max_impostors;
  options.seed = flags.seed;
  Result<EvaluationResult> result = EvaluateFolder(**engine, options);
  if (!result.ok()) return ReportError(globals, result.status());
  nlohmann::json summary = result->summary;
  const std::string described = (*engine)->algorithm() + " (" + flags.front_end + "), " + flags.dir;
  if (!flags.plot.empty()) {
    Result<std::string> svg = DetCurveSvg(result->genuine, result->impostor, "DET, " + described);
    if (!svg.ok()) return ReportError(globals, svg.status());
    std::ofstream out(flags.plot);
    out << *svg;
    if (!out) return ReportError(globals, Status::IoError("cannot write DET plot " + flags.plot));
    summary["plot"] = flags.plot;
  }
  if (!flags.histogram.empty()) {
    Result<std::string> svg = ScoreHistogramSvg(result->genuine, result->impostor, "Score histograms, " + described);
    if (!svg.ok()) return ReportError(globals, svg.status());
    std::ofstream out(flags.histogram);
    out << *svg;
    if (!out) return ReportError(globals, Status::IoError("cannot write score histogram " + flags.histogram));
    summary["histogram"] = flags.histogram;
  }
  if (!flags.calibration_out.empty()) {
    Result<ScoreCalibration> calibration =
        ScoreCalibration::FromScores((*engine)->algorithm(), flags.dir, result->genuine, result->impostor);
    if (!calibration.ok()) return ReportError(globals, calibration.status());
    std::ofstream out(flags.calibration_out);
    out << calibration->ToJson().dump(1) << "\n";
    if (!out) return ReportError(globals, Status::IoError("cannot write " + flags.calibration_out));
    summary["calibration_out"] = flags.calibration_out;
  }
  // Rates: fractions in the JSON, percentages in the text (as `eval finger` prints them).
  auto percent = [&](const char* key) {
    if (!summary.contains(key) || !summary[key].is_number()) return std::string("n/a");
    std::ostringstream text;
    text.setf(std::ios::fixed);
    text.precision(2);
    text << summary[key].get<double>() * 100 << "%";
    return text.str();
  };
  PrintResult(globals, summary, [&](std::ostream& os) {
    os << "model " << summary["model"].get<std::string>() << " (" << flags.front_end << ")\n"
       << "genuine pairs " << summary["genuine"] << ", impostor pairs " << summary["impostor"]
       << ", failures to enrol " << summary["failures_to_enrol"] << "\n"
       << "EER " << percent("eer") << ", TAR@FAR1e-3 " << percent("tar_at_far_1e-3") << "\n";
    if (summary.contains("accuracy")) os << "accuracy " << percent("accuracy") << "\n";
  });
}

struct BenchFlags {
  std::string front_end = "onnx";
  std::vector<std::size_t> sizes = {100'000, 1'000'000};
  std::size_t queries = 200;
  std::size_t enrol_repeats = 5;
  std::uint64_t seed = 7;
  int hnsw_neighbours = FaissGalleryOptions{}.hnsw_neighbours;
  int ef_construction = FaissGalleryOptions{}.hnsw_ef_construction;
  std::vector<int> ef_search = {FaissGalleryOptions{}.hnsw_ef_search};
  int build_threads = 0;
};

// CPU time consumed by the calling thread, in ms: unlike wall time it barely moves when other
// processes compete for the cores, so both are reported.
double ThreadCpuMilliseconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

// The 1-minute load average (/proc/loadavg), recorded with every timing; -1 when unreadable.
double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = -1.0;
  in >> load;
  return in ? load : -1.0;
}

// Wall and thread-CPU median of `repeats` calls of `run`.
template <typename Run>
Result<nlohmann::json> TimeCalls(std::size_t repeats, Run run) {
  std::vector<double> wall;
  std::vector<double> cpu;
  for (std::size_t i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    const double cpu_start = ThreadCpuMilliseconds();
    ABIS_RETURN_IF_ERROR(run(i));
    cpu.push_back(ThreadCpuMilliseconds() - cpu_start);
    wall.push_back(MillisecondsSince(start));
  }
  return nlohmann::json{{"wall_ms_median", Round(Median(wall), 0.01)}, {"cpu_ms_median", Round(Median(cpu), 0.01)}};
}

// Enrol time per 640x480 image: each sample photo letterboxed to 640x480 and JPEG-encoded in
// memory, then Extract() (decode + detect + landmarks + align + quality + embed), without and
// with the stored liveness score, plus the decode and embedding stages alone. Every figure is
// on the OpenCV thread count in force (1 under `taskset -c 0`).
Result<nlohmann::json> BenchEnrolment(const BenchFlags& flags) {
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<FaceEngine> engine, EngineFor(flags.front_end, /*liveness=*/false));
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<FaceEngine> engine_liveness, EngineFor(flags.front_end, /*liveness=*/true));
  const fs::path samples = SharedDataDir() / "face" / "samples" / "knn_examples" / "train";
  std::vector<std::vector<std::uint8_t>> jpegs;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(samples, ec)) {
    if (!entry.is_regular_file()) continue;
    const cv::Mat image = cv::imread(entry.path().string(), cv::IMREAD_COLOR);
    if (image.empty()) continue;
    const double scale = std::min(640.0 / image.cols, 480.0 / image.rows);
    cv::Mat resized;
    cv::resize(image, resized, cv::Size(), scale, scale, cv::INTER_AREA);
    cv::Mat canvas(480, 640, CV_8UC3, cv::Scalar(90, 90, 90));
    resized.copyTo(canvas(cv::Rect((640 - resized.cols) / 2, (480 - resized.rows) / 2, resized.cols, resized.rows)));
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", canvas, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    jpegs.push_back(std::move(jpeg));
  }
  if (jpegs.empty()) return Status::NotFound("no sample photos under " + samples.string());
  const std::size_t calls = flags.enrol_repeats * jpegs.size();
  std::size_t failures = 0;
  auto enrol_with = [&](const FaceEngine& with) {
    return [&](std::size_t i) -> Status {
      SampleInput sample;
      sample.bytes = jpegs[i % jpegs.size()];
      sample.source_name = "bench 640x480";
      sample.options = {{"face_index", "largest"}};
      failures += with.Extract(sample).ok() ? 0 : 1;
      return Status::Ok();
    };
  };
  const double load_before = LoadAverage();
  ABIS_ASSIGN_OR_RETURN(const nlohmann::json enrol, TimeCalls(calls, enrol_with(*engine)));
  ABIS_ASSIGN_OR_RETURN(const nlohmann::json enrol_liveness, TimeCalls(calls, enrol_with(*engine_liveness)));
  ABIS_ASSIGN_OR_RETURN(const nlohmann::json decode, TimeCalls(calls, [&](std::size_t i) -> Status {
                          return DecodeFaceImage(jpegs[i % jpegs.size()], "bench").status();
                        }));
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<FaceEmbedder> embedder, FaceEmbedder::Load(engine->model(), ModelDir()));
  const cv::Mat aligned(112, 112, CV_8UC3, cv::Scalar(120, 130, 140));
  ABIS_ASSIGN_OR_RETURN(const nlohmann::json embed, TimeCalls(60, [&](std::size_t) -> Status {
                          return embedder->Embed(aligned).status();
                        }));
  return nlohmann::json{{"front_end", flags.front_end},
                        {"images", jpegs.size()},
                        {"repeats", flags.enrol_repeats},
                        {"enrol_failures", failures},
                        {"opencv_threads", cv::getNumThreads()},
                        {"load_average_1min", {load_before, LoadAverage()}},
                        {"enrol_640x480", enrol},
                        {"enrol_640x480_with_liveness", enrol_liveness},
                        {"decode_640x480", decode},
                        {"embedding", embed}};
}

std::vector<float> RandomUnitVectors(std::size_t count, int dimension, std::mt19937_64& random) {
  std::normal_distribution<float> normal;
  std::vector<float> vectors(count * static_cast<std::size_t>(dimension));
  for (std::size_t i = 0; i < count; ++i) {
    float* row = vectors.data() + i * static_cast<std::size_t>(dimension);
    double norm = 0.0;
    for (int d = 0; d < dimension; ++d) {
      row[d] = normal(random);
      norm += static_cast<double>(row[d]) * row[d];
    }
    const auto inverse = static_cast<float>(1.0 / std::sqrt(norm));
    for (int d = 0; d < dimension; ++d) row[d] *= inverse;
  }
  return vectors;
}

double Percentile95(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, values.size() * 95 / 100)];
}

// 1:N over `size` random unit vectors: exact search time, HNSW build time, and for each efSearch
// the HNSW search time and its recall against exact search. Probes are mated (a gallery vector
// plus noise, cosine ~0.6 to its mate, like a genuine face comparison). recall_at_1: HNSW's best
// candidate is exact search's best; recall_at_10: share of exact top-10 that HNSW returns (on
// random vectors ranks 2-10 are near-ties around cosine 0, the hardest case for a graph index).
nlohmann::json BenchSearch(std::size_t size, const BenchFlags& flags, int dimension) {
  std::mt19937_64 random(flags.seed + size);
  std::vector<float> vectors = RandomUnitVectors(size, dimension, random);
  std::vector<std::int64_t> ids(size);
  std::iota(ids.begin(), ids.end(), 0);
  FaissGalleryOptions options;
  options.exact_search_max = 0;  // force HNSW; exact search stays available for the comparison
  // `abis bench face` sweeps HNSW's efSearch; the default large-gallery method (sign scan) is
  // measured by bench/face/abis_face_search_bench --method sign-scan.
  options.large_gallery_method = LargeGalleryMethod::kHnsw;
  options.hnsw_neighbours = flags.hnsw_neighbours;
  options.hnsw_ef_construction = flags.ef_construction;
  options.build_threads = flags.build_threads;
  FaissFaceGallery gallery("bench", dimension, options, nullptr);
  const double load_before_build = LoadAverage();
  const auto build_start = Clock::now();
  const Status added = gallery.AddVectors(ids, vectors);
  const double build_seconds = MillisecondsSince(build_start) / 1000.0;
  if (!added.ok()) return {{"size", size}, {"error", added.ToString()}};
  const double load_after_build = LoadAverage();

  constexpr std::size_t kTop = 10;
  std::uniform_int_distribution<std::size_t> pick(0, size - 1);
  std::normal_distribution<float> noise(0.0f, 1.0f / std::sqrt(static_cast<float>(dimension)) * 1.3f);
  std::vector<std::vector<float>> probes;
  std::vector<std::size_t> mates;
  std::vector<std::vector<std::pair<std::int64_t, float>>> exact;
  std::vector<double> exact_ms;
  std::size_t mate_found_exact = 0;
  for (std::size_t q = 0; q < flags.queries; ++q) {
    const std::size_t mate = pick(random);
    std::vector<float> probe(vectors.begin() + static_cast<std::ptrdiff_t>(mate * dimension),
                             vectors.begin() + static_cast<std::ptrdiff_t>((mate + 1) * dimension));
    double norm = 0.0;
    for (float& v : probe) {
      v += noise(random);
      norm += static_cast<double>(v) * v;
    }
    for (float& v : probe) v = static_cast<float>(v / std::sqrt(norm));
    const auto start = Clock::now();
    exact.push_back(gallery.SearchVectorExact(probe, kTop));
    exact_ms.push_back(MillisecondsSince(start));
    if (!exact.back().empty() && exact.back()[0].first == static_cast<std::int64_t>(mate)) ++mate_found_exact;
    probes.push_back(std::move(probe));
    mates.push_back(mate);
  }
  const double q = static_cast<double>(flags.queries);
  nlohmann::json sweep = nlohmann::json::array();
  for (int ef : flags.ef_search) {
    std::vector<double> hnsw_ms;
    std::size_t mate_found = 0;
    std::size_t top1_agrees = 0;
    std::size_t overlap = 0;
    const double load = LoadAverage();
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const auto start = Clock::now();
      const auto approximate = gallery.SearchVector(probes[i], kTop, ef);
      hnsw_ms.push_back(MillisecondsSince(start));
      if (approximate.empty()) continue;
      if (approximate[0].first == static_cast<std::int64_t>(mates[i])) ++mate_found;
      if (!exact[i].empty() && approximate[0].first == exact[i][0].first) ++top1_agrees;
      for (const auto& e : exact[i]) {
        for (const auto& a : approximate) overlap += a.first == e.first ? 1 : 0;
      }
    }
    sweep.push_back({{"ef_search", ef},
                     {"hnsw_ms_median", Round(Median(hnsw_ms), 0.001)},
                     {"hnsw_ms_p95", Round(Percentile95(hnsw_ms), 0.001)},
                     {"recall_at_1_vs_exact", Round(top1_agrees / q, 1e-4)},
                     {"recall_at_10_vs_exact", Round(static_cast<double>(overlap) / (q * kTop), 1e-4)},
                     {"mate_rank1_rate", Round(mate_found / q, 1e-4)},
                     {"load_average_1min", load}});
  }
  return {{"size", size},
          {"dimension", dimension},
          {"build_seconds", Round(build_seconds, 0.01)},
          {"build_threads", flags.build_threads > 0 ? flags.build_threads : omp_get_max_threads()},
          {"load_average_1min_build", {load_before_build, load_after_build}},
          {"exact_ms_median", Round(Median(exact_ms), 0.001)},
          {"exact_mate_rank1_rate", Round(mate_found_exact / q, 1e-4)},
          {"queries", flags.queries},
          {"search_threads", 1},
          {"hnsw", {{"M", options.hnsw_neighbours}, {"ef_construction", options.hnsw_ef_construction}}},
          {"ef_search_sweep", sweep}};
}

void RunBench(const BenchFlags& flags, bool skip_enrolment, CliGlobals& globals) {
  for (std::size_t size : flags.sizes) {
    if (size == 0) return ReportError(globals, Status::InvalidArgument("bench face: --sizes entries must be >= 1"));
  }
  for (int ef : flags.ef_search) {
    if (ef < 1) return ReportError(globals, Status::InvalidArgument("bench face: --ef-search entries must be >= 1"));
  }
  if (flags.queries == 0 || flags.hnsw_neighbours < 2 || flags.ef_construction < 1 || flags.build_threads < 0) {
    return ReportError(globals, Status::InvalidArgument(
                                    "bench face: need --queries >= 1, --hnsw-m >= 2, --ef-construction >= 1, "
                                    "--build-threads >= 0"));
  }
  nlohmann::json summary = {{"modality", "face"}};
  if (!skip_enrolment) {
    Result<nlohmann::json> enrolment = BenchEnrolment(flags);
    if (!enrolment.ok()) return ReportError(globals, enrolment.status());
    summary["enrolment"] = *enrolment;
  }
  nlohmann::json search = nlohmann::json::array();
  for (std::size_t size : flags.sizes) {
    // Flat copy + HNSW copy of 512 floats, plus the graph (~2 x M x 4 bytes per vector at level 0).
    const double gigabytes =
        static_cast<double>(size) * (512.0 * 4 * 2 + 2.0 * flags.hnsw_neighbours * 4 * 1.1) / 1e9;
    if (gigabytes > 16.0) {
      search.push_back({{"size", size}, {"skipped", "needs about " + std::to_string(static_cast<int>(gigabytes)) +
                                                        " GB of memory for flat + HNSW copies"}});
      continue;
    }
    search.push_back(BenchSearch(size, flags, 512));
  }
  summary["search"] = search;
  PrintResult(globals, summary);
}

}  // namespace

ModalityPlugin MakePlugin() {
  ModalityPlugin plugin;
  plugin.modality = Modality::kFace;
  plugin.make_engine = MakeEngine;
  plugin.add_commands = [](CLI::App& root, CliGlobals& globals) {
    CLI::App* eval = root.get_subcommand("eval");
    auto eval_flags = std::make_shared<EvalFlags>();
    CLI::App* eval_face = eval->add_subcommand("face", "Face accuracy over a folder-per-identity image set");
    eval_face->add_option("--dir", eval_flags->dir, "Folder with one sub-folder per identity")->required();
    eval_face->add_option("--pairs-csv", eval_flags->pairs_csv, "Only these pairs (header a,b,same)");
    eval_face->add_option("--plot", eval_flags->plot, "Write the DET curve as SVG");
    eval_face->add_option("--histogram", eval_flags->histogram,
                          "Write the genuine and impostor score histograms as SVG");
    eval_face->add_option("--front-end", eval_flags->front_end, "onnx (default) or dlib");
    eval_face->add_option("--impostors", eval_flags->max_impostors, "Maximum impostor pairs (seeded sample)");
    eval_face->add_option("--seed", eval_flags->seed, "Seed of the impostor sample");
    eval_face->add_option("--calibration-out", eval_flags->calibration_out,
                          "Write a score calibration table from these scores");
    eval_face->callback([eval_flags, &globals] { RunEval(*eval_flags, globals); });

    CLI::App* bench = root.get_subcommand("bench");
    auto bench_flags = std::make_shared<BenchFlags>();
    auto skip_enrolment = std::make_shared<bool>(false);
    CLI::App* bench_face = bench->add_subcommand("face", "Face enrolment time and 1:N search over random vectors");
    bench_face->add_option("--front-end", bench_flags->front_end, "onnx (default) or dlib");
    bench_face->add_option("--sizes", bench_flags->sizes, "Gallery sizes (random unit vectors)")->delimiter(',');
    bench_face->add_option("--queries", bench_flags->queries, "Probes per gallery size");
    bench_face->add_flag("--skip-enrolment", *skip_enrolment, "Only the 1:N part");
    bench_face->add_option("--hnsw-m", bench_flags->hnsw_neighbours, "HNSW M (neighbours per node)");
    bench_face->add_option("--ef-construction", bench_flags->ef_construction, "HNSW efConstruction");
    bench_face->add_option("--ef-search", bench_flags->ef_search, "HNSW efSearch values to sweep")->delimiter(',');
    bench_face->add_option("--build-threads", bench_flags->build_threads,
                           "OpenMP threads for the HNSW build (0: default)");
    bench_face->callback([bench_flags, skip_enrolment, &globals] { RunBench(*bench_flags, *skip_enrolment, globals); });
  };
  plugin.make_demo_subjects = MakeDemoSubjects;
  return plugin;
}

}  // namespace abis::face
