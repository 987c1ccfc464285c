// `abis synth finger-templates`: ISO/IEC 19794-2 records of synthetic fingers (one per person) and
// a batch import manifest listing them, for benchmarks of the batch import at the template level
// (bench/import/bench_import.sh). The records are synthetic; the manifest says so in its name.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"
#include "finger_commands.h"

namespace abis::finger::internal {
namespace {

constexpr int kMaxSyntheticPersons = 10'000'000;

struct SynthFingerArguments {
  int count = 1000;
  std::uint64_t seed = 1;
  std::string out;
};

Status WriteSyntheticTemplates(const SynthFingerArguments& arguments) {
  if (arguments.count < 1 || arguments.count > kMaxSyntheticPersons) {
    return Status::InvalidArgument(fmt::format("--count must be 1-{}, not {}", kMaxSyntheticPersons, arguments.count));
  }
  const std::filesystem::path out(arguments.out);
  std::error_code error;
  std::filesystem::create_directories(out / "iso", error);
  if (error) return Status::IoError("cannot create " + (out / "iso").string() + ": " + error.message());
  std::ofstream manifest(out / "manifest.csv", std::ios::binary | std::ios::trunc);
  if (!manifest) return Status::IoError("cannot write " + (out / "manifest.csv").string());
  manifest << "person,category,legal_basis,retention_until,modality,position,file\n";
  for (int i = 0; i < arguments.count; ++i) {
    const std::uint64_t seed = arguments.seed * 1'000'003ULL + static_cast<std::uint64_t>(i);
    ABIS_ASSIGN_OR_RETURN(
        std::vector<std::uint8_t> bytes,
        WriteMinutiaeRecord(SingleViewRecord(SyntheticFinger(seed), MinutiaeRecordFormat::kIso19794_2_2005)));
    const std::string name = fmt::format("iso/synthetic-{:07d}.iso", i);
    std::ofstream file(out / name, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!file) return Status::IoError("cannot write " + (out / name).string());
    manifest << fmt::format("SYN-{:07d},citizen,Synthetic benchmark,2099-12-31,finger,right_index,{}\n", i, name);
  }
  manifest.flush();
  if (!manifest) return Status::IoError("cannot write " + (out / "manifest.csv").string());
  return Status::Ok();
}

}  // namespace

void AddSynthFingerTemplatesCommand(CLI::App& root, CliGlobals& globals) {
  CLI::App* synth = SubcommandOf(root, "synth", "generate synthetic biometric data with ground truth");
  CLI::App* command = synth->add_subcommand(
      "finger-templates", "ISO 19794-2 records of synthetic fingers (one person each) and a batch import manifest");
  auto arguments = std::make_shared<SynthFingerArguments>();
  command->add_option("--count", arguments->count, "persons (one right index record each)")->capture_default_str();
  command->add_option("--seed", arguments->seed, "seed of the synthetic fingers")->capture_default_str();
  command->add_option("--out", arguments->out, "folder: iso/*.iso and manifest.csv are written there")->required();
  command->callback([arguments, &globals] {
    Status written = WriteSyntheticTemplates(*arguments);
    if (!written.ok()) {
      ReportError(globals, written);
      return;
    }
    PrintResult(globals, nlohmann::json{{"persons", arguments->count},
                                        {"manifest", (std::filesystem::path(arguments->out) / "manifest.csv").string()},
                                        {"synthetic", true}});
  });
}

}  // namespace abis::finger::internal
