// `abis import nist` and `abis export nist`: a person to and from an ANSI/NIST-ITL 1-2011
// transaction (Type-14/4 fingerprints, Type-10 face, Type-18 STR profile).
#include <iostream>
#include <sstream>

#include "abis/core/time.h"
#include "cli_context.h"

#ifdef ABIS_HAVE_INTEROP
#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_type18_view.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"
#endif

namespace abis::cli {

#ifdef ABIS_HAVE_INTEROP
namespace {

// The STR profile as the DNA engine's CSV (locus,allele1,allele2[,allele3]).
std::vector<std::uint8_t> DnaCsv(const std::map<std::string, std::vector<std::string>>& loci) {
  std::size_t widest = 2;
  for (const auto& [locus, alleles] : loci) widest = std::max(widest, alleles.size());
  std::string csv = "locus,allele1,allele2";
  if (widest > 2) csv += ",allele3";
  csv += "\n";
  for (const auto& [locus, alleles] : loci) {
    csv += locus;
    for (std::size_t i = 0; i < widest; ++i) csv += "," + (i < alleles.size() ? alleles[i] : std::string());
    csv += "\n";
  }
  return {csv.begin(), csv.end()};
}

// Reads the CSV written above (and by `abis dna` users) back into locus -> alleles.
std::map<std::string, std::vector<std::string>> ParseDnaCsv(const std::vector<std::uint8_t>& bytes) {
  std::map<std::string, std::vector<std::string>> loci;
  std::istringstream lines(std::string(bytes.begin(), bytes.end()));
  std::string line;
  bool header = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (header) {
      header = false;
      if (line.rfind("locus", 0) == 0) continue;
    }
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() < 2) continue;
    std::vector<std::string> alleles;
    for (std::size_t i = 1; i < cells.size(); ++i) {
      if (!cells[i].empty()) alleles.push_back(cells[i]);
    }
    loci[cells[0]] = alleles;
  }
  return loci;
}

std::string TenYearsFromToday() {
  std::string today = TodayUtc();
  return std::to_string(std::stoi(today.substr(0, 4)) + 10) + today.substr(4);
}

struct ImportOptions {
  std::string file, person, category = "unknown", legal_basis, retention_until, purpose, case_ref;
  std::vector<std::string> galleries;
};

void RunImport(CliContext& context, const ImportOptions& options) {
  auto purpose = ParsePurpose(options.purpose);
  if (context.Failed(purpose.status())) return;
  if (options.case_ref.empty()) {
    context.Failed(Status::InvalidArgument("--case must not be empty"));
    return;
  }
  auto category = ParsePersonCategory(options.category);
  if (context.Failed(category.status())) return;
  std::vector<std::string> deviations;
  auto transaction = interop::ReadAn2kFile(options.file, &deviations);
  if (context.Failed(transaction.status().WithContext(options.file))) return;
  auto bundle = interop::ExtractEnrolmentBundle(*transaction);
  if (context.Failed(bundle.status().WithContext(options.file))) return;
  if (bundle->fingers.empty() && bundle->faces.empty() && bundle->dna.empty()) {
    context.Failed(Status::InvalidArgument(options.file + ": the transaction holds no fingerprint image, face or STR profile to enrol"));
    return;
  }
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  auto [system, op] = *session;

  Person person;
  person.external_id = !options.person.empty() ? options.person
                       : !bundle->transaction_control_number.empty() ? bundle->transaction_control_number
                                                                     : "nist-" + Sha256Hex(options.file).substr(0, 12);
  person.category = *category;
  person.legal_basis = !options.legal_basis.empty()
                           ? options.legal_basis
                           : "ANSI/NIST-ITL import for " + options.purpose + ", case " + options.case_ref;
  person.retention_until = options.retention_until.empty() ? TenYearsFromToday() : options.retention_until;
  auto added = system->AddPerson(op, person);
  if (context.Failed(added.status())) return;

  nlohmann::json failures = nlohmann::json::array();
  int fingers = 0, faces = 0, dna_loci = 0;
  auto enrol = [&](SampleInput sample, const std::string& what) -> bool {
    EnrolRequest request;
    request.person = added->external_id;
    request.sample = std::move(sample);
    request.encounter_kind = "booking";
    request.source_agency = bundle->originating_agency;
    request.galleries = options.galleries;
    auto result = system->Enrol(op, request);
    if (!result.ok()) failures.push_back({{"item", what}, {"error", result.status().ToString()}});
    return result.ok();
  };
  for (const auto& finger : bundle->fingers) {
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.bytes = finger.bytes;
    sample.position = finger.position;
    sample.format_hint = finger.compression == "WSQ20" ? "wsq" : "";
    sample.source_name = options.file + " (Type-" + std::to_string(finger.source_record_type) + " IDC " +
                         std::to_string(finger.source_idc) + ")";
    if (enrol(sample, sample.source_name)) ++fingers;
  }
  for (const auto& face : bundle->faces) {
    SampleInput sample;
    sample.modality = Modality::kFace;
    sample.bytes = face.bytes;
    sample.source_name = options.file + " (Type-10 IDC " + std::to_string(face.source_idc) + ")";
    if (enrol(sample, sample.source_name)) ++faces;
  }
  // Type-9 minutiae are read (legacy, EFS and INCITS 378 blocks) but not enrolled: the finger
  // engine takes ISO/IEC 19794-2 / ANSI INCITS 378 records, and converting a Type-9 block into one
  // (with the image size and resolution it needs) is not written yet. Say so for each set.
  for (const auto& set : bundle->minutiae) {
    const char* block = set.block == interop::An2kMinutiaeBlock::kLegacyStandard       ? "standard (9.012)"
                        : set.block == interop::An2kMinutiaeBlock::kExtendedFeatureSet ? "EFS (9.331)"
                                                                                        : "INCITS 378 (9.137)";
    bundle->skipped.push_back("Type-9 IDC " + std::to_string(set.source_idc) + ": " +
                              std::to_string(set.minutiae.size()) + " " + block +
                              " minutiae read but not enrolled (no conversion to an ISO/ANSI minutiae record yet)");
  }
  // Loci the interop layer could not name (ANSI/NIST locus numbers it does not know) are listed,
  // not guessed.
  std::map<std::string, std::vector<std::string>> named_loci;
  for (const auto& [locus, alleles] : bundle->dna) {
    if (locus.rfind("DLR-", 0) == 0) {
      bundle->skipped.push_back("Type-18 locus " + locus + ": no locus name known for this reference number");
    } else {
      named_loci[locus] = alleles;
    }
  }
  if (!named_loci.empty()) {
    SampleInput sample;
    sample.modality = Modality::kDna;
    sample.format_hint = "csv";
    sample.bytes = DnaCsv(named_loci);
    sample.source_name = options.file + " (Type-18)";
    if (enrol(sample, sample.source_name)) dna_loci = static_cast<int>(named_loci.size());
  }
  nlohmann::json out = {{"person", added->external_id}, {"person_id", added->id}, {"fingers", fingers},
                        {"faces", faces},                 {"dna_loci", dna_loci},   {"failed", failures},
                        {"skipped", bundle->skipped},     {"deviations", deviations}};
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << "imported '" << added->external_id << "': " << fingers << " fingers, " << faces << " faces, " << dna_loci
      << " DNA loci\n";
    for (const auto& failure : failures) s << "  not enrolled: " << failure["item"].get<std::string>() << ": "
                                           << failure["error"].get<std::string>() << "\n";
    for (const auto& skipped : bundle->skipped) s << "  skipped: " << skipped << "\n";
  });
  if (fingers + faces + dna_loci == 0) context.globals().exit_code = 2;
}

struct ExportOptions {
  std::string person, out, purpose, case_ref;
};

void RunExport(CliContext& context, const ExportOptions& options) {
  auto purpose = ParsePurpose(options.purpose);
  if (context.Failed(purpose.status())) return;
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  auto [system, op] = *session;
  auto samples = system->ExportSamples(op, options.person, *purpose, options.case_ref, options.out);
  if (context.Failed(samples.status())) return;
  interop::NistEnrolmentBundle bundle;
  bundle.transaction_control_number = options.person;
  for (const StoredSample& sample : *samples) {
    if (sample.modality == Modality::kFinger && sample.bytes.size() > 2 && sample.bytes[0] == 0xFF &&
        sample.bytes[1] == 0xA0) {
      interop::NistFingerImage finger;
      finger.position = sample.position;
      finger.compression = "WSQ20";
      finger.bytes = sample.bytes;
      bundle.fingers.push_back(std::move(finger));
    } else if (sample.modality == Modality::kFace && sample.bytes.size() > 3 && sample.bytes[0] == 0xFF &&
               sample.bytes[1] == 0xD8) {
      interop::NistFaceImage face;
      face.format = "JPEGB";
      face.bytes = sample.bytes;
      bundle.faces.push_back(std::move(face));
    } else if (sample.modality == Modality::kDna) {
      for (auto& [locus, alleles] : ParseDnaCsv(sample.bytes)) {
        if (interop::LocusReferenceForName(locus)) {
          bundle.dna[locus] = alleles;
        } else {
          bundle.skipped.push_back("DNA locus " + locus + ": no ANSI/NIST-ITL Type-18 locus number known");
        }
      }
    } else {
      bundle.skipped.push_back("sample " + std::to_string(sample.sample_id) + " (" +
                               std::string(ModalityName(sample.modality)) +
                               "): only WSQ fingerprints, JPEG faces and STR profiles are exported");
    }
  }
  auto transaction = interop::BuildTransactionFromBundle(bundle);
  if (context.Failed(transaction.status())) return;
  if (context.Failed(interop::WriteAn2kFile(*transaction, options.out))) return;
  // The file holds biometric data: readable by its owner only.
  std::error_code ignored;
  std::filesystem::permissions(options.out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ignored);
  nlohmann::json out = {{"person", options.person}, {"out", options.out}, {"fingers", bundle.fingers.size()},
                        {"faces", bundle.faces.size()}, {"dna_loci", bundle.dna.size()}, {"skipped", bundle.skipped}};
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << "wrote " << options.out << ": " << bundle.fingers.size() << " fingers, " << bundle.faces.size() << " faces, "
      << bundle.dna.size() << " DNA loci\n";
    for (const auto& skipped : bundle.skipped) s << "  skipped: " << skipped << "\n";
  });
}

}  // namespace
#endif

void AddNistCommands(CLI::App& root, CliContext& context) {
#ifdef ABIS_HAVE_INTEROP
  CLI::App* import = root.add_subcommand("import", "enrol from a standard container")->require_subcommand(1);
  auto import_options = std::make_shared<ImportOptions>();
  CLI::App* nist = import->add_subcommand("nist", "enrol a person from an ANSI/NIST-ITL 1-2011 transaction");
  nist->add_option("file", import_options->file, "the transaction (.an2, .eft, ...)")->required();
  nist->add_option("--purpose", import_options->purpose, "why the transaction is enrolled")->required();
  nist->add_option("--case", import_options->case_ref, "case reference")->required();
  nist->add_option("--person", import_options->person, "external id (default: the transaction control number 1.009)");
  nist->add_option("--category", import_options->category, "person category")->capture_default_str();
  nist->add_option("--legal-basis", import_options->legal_basis, "default: the purpose and case");
  nist->add_option("--retention-until", import_options->retention_until, "YYYY-MM-DD (default: ten years)");
  nist->add_option("--gallery", import_options->galleries, "also add the person to this gallery (repeatable)");
  nist->callback([&context, import_options] { RunImport(context, *import_options); });

  CLI::App* exporter = root.add_subcommand("export", "write a person to a standard container")->require_subcommand(1);
  auto export_options = std::make_shared<ExportOptions>();
  CLI::App* nist_out = exporter->add_subcommand("nist", "write a person's samples as an ANSI/NIST-ITL transaction");
  nist_out->add_option("person", export_options->person, "external id")->required();
  nist_out->add_option("--out", export_options->out, "output file")->required();
  nist_out->add_option("--purpose", export_options->purpose, "why the data leaves the system")->required();
  nist_out->add_option("--case", export_options->case_ref, "case reference")->required();
  nist_out->callback([&context, export_options] { RunExport(context, *export_options); });
#else
  (void)root;
  (void)context;
#endif
}

}  // namespace abis::cli
