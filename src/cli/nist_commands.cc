// `abis import nist` and `abis export nist`: a person to and from an ANSI/NIST-ITL 1-2011
// transaction (Type-14/4 fingerprints, Type-9 INCITS 378 minutiae, Type-10 face, Type-18 STR
// profile).
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <sstream>
#include <tuple>

#include "abis/core/time.h"
#include "abis/core/text_validation.h"
#include "abis/store/crypto.h"
#include "cli_context.h"

#ifdef ABIS_HAVE_INTEROP
#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_type18_view.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"
#endif
#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER)
#include "abis/finger/minutiae_record.h"
#endif
#include "nist_slaps.h"
#include "nist_transaction_encounter.h"

namespace abis::cli {

#ifdef ABIS_HAVE_INTEROP
namespace {

// Reads the DNA engine's CSV (locus,allele1,allele2[,allele3], as `abis import nist` writes it)
// back into locus -> alleles.
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

#ifdef ABIS_HAVE_FINGER
// The finger views of a stored ISO/IEC 19794-2 or ANSI INCITS 378 record as minutiae sets for a
// Type-9 INCITS 378 block: pixel coordinates to 0.01 mm with the record's resolution (pixels per
// cm), the image size and impression type of the record, the view's finger position (the stored
// sample's when the view says unknown). Fails, naming the sample, when the record does not read,
// states no image size, or has different horizontal and vertical resolutions (9.131 = 9.132).
Result<std::vector<interop::NistMinutiae>> Type9SetsOfRecord(const StoredSample& sample) {
  const std::string where = "sample " + std::to_string(sample.sample_id) + " (minutiae record)";
  ABIS_ASSIGN_OR_RETURN(finger::MinutiaeRecord record, finger::ReadMinutiaeRecord(sample.bytes, where));
  if (record.width <= 0 || record.height <= 0) {
    return Status::InvalidArgument(where + ": the record states no image size, which 9.128/9.129 need");
  }
  if (record.x_resolution_ppcm != record.y_resolution_ppcm) {
    return Status::InvalidArgument(where + ": horizontal and vertical resolutions differ (" +
                                   std::to_string(record.x_resolution_ppcm) + " and " +
                                   std::to_string(record.y_resolution_ppcm) + " pixels/cm)");
  }
  const double pixels_per_mm = record.x_resolution_ppcm / 10.0;
  std::vector<interop::NistMinutiae> sets;
  for (const finger::FingerView& view : record.views) {
    interop::NistMinutiae set;
    set.block = interop::An2kMinutiaeBlock::kIncits378;
    set.position = view.minutiae.position != FingerPosition::kUnknown ? view.minutiae.position : sample.position;
    set.image_width = record.width;
    set.image_height = record.height;
    set.pixels_per_mm = pixels_per_mm;
    set.impression_type = view.impression_type;
    for (const finger::Minutia& minutia : view.minutiae.minutiae) {
      interop::An2kMinutia out;
      out.x = static_cast<int>(std::lround(minutia.x * 100.0 / pixels_per_mm));
      out.y = static_cast<int>(std::lround(minutia.y * 100.0 / pixels_per_mm));
      out.theta_degrees = static_cast<int>(std::lround(minutia.angle * 180.0 / std::numbers::pi)) % 360;
      out.type = minutia.type == finger::MinutiaType::kEnding        ? interop::An2kMinutiaType::kRidgeEnding
                 : minutia.type == finger::MinutiaType::kBifurcation ? interop::An2kMinutiaType::kBifurcation
                                                                     : interop::An2kMinutiaType::kUndetermined;
      out.quality = minutia.quality;
      set.minutiae.push_back(out);
    }
    sets.push_back(std::move(set));
  }
  return sets;
}
#endif

std::string TenYearsFromToday() {
  std::string today = TodayUtc();
  return std::to_string(std::stoi(today.substr(0, 4)) + 10) + today.substr(4);
}

struct ImportOptions {
  std::string file, person, category = "unknown", legal_basis, retention_until, purpose, case_ref;
  std::vector<std::string> galleries;
  int min_quality = 20;  // the print-quality floor for slap fingers (finger::kDefaultMinPrintQuality)
  std::string annotated_out;  // write the transaction back with 14.021 SEG / 14.025 ASEG here
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
  // The samples, slaps cut into fingers (one code path with `abis import batch --nist-folder`).
  TransactionEncounterOptions conversion;
  conversion.min_quality = options.min_quality;
  auto converted = TransactionEncounterOf(*transaction, options.file, conversion);
  if (context.Failed(converted.status())) return;
  TransactionEncounter& encounter = *converted;
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  if (!options.annotated_out.empty()) {
    // The transaction as read, with each Type-14 slap's segments written into it.
    interop::An2kTransaction annotated = *transaction;
    const auto [written, refused] = AnnotateSlapSegments(annotated, encounter.slap_segments);
    if (refused > 0) {
      encounter.skipped.push_back(std::to_string(refused) +
                                  " Type-4 slaps: segment positions not written to --annotated-out (Type-4 has no "
                                  "field for them)");
    }
    if (context.Failed(interop::WriteAn2kFile(annotated, options.annotated_out))) return;
    std::error_code ignored;
    std::filesystem::permissions(options.annotated_out,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ignored);
    (void)written;
  }
#endif
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  auto [system, op] = *session;

  // The person's id: --person, else the transaction control number (1.009) with its spaces
  // turned into '-' (an id a shell user can type unquoted), else one derived from the file.
  Person person;
  person.external_id = !options.person.empty()                ? options.person
                       : !encounter.control_number.empty() ? encounter.control_number
                                                           : "nist-" + Sha256Hex(options.file).substr(0, 12);
  person.category = *category;
  person.legal_basis = !options.legal_basis.empty()
                           ? options.legal_basis
                           : "ANSI/NIST-ITL import for " + options.purpose + ", case " + options.case_ref;
  person.retention_until = options.retention_until.empty() ? TenYearsFromToday() : options.retention_until;
  // Every sample of the transaction goes into one encounter (a booking), created with the person
  // in one transaction; samples an engine rejects are listed, and when none is left nothing is
  // created.
  EncounterEnrolment request;
  request.person = person.external_id;
  request.new_person = person;
  request.encounter_kind = "booking";
  request.source_agency = encounter.originating_agency;
  request.galleries = options.galleries;
  request.case_ref = options.case_ref;
  request.rejected_samples = EncounterEnrolment::RejectedSamples::kSkip;
  request.samples = encounter.samples;
  auto enrolled = system->EnrolEncounter(op, request);
  if (context.Failed(enrolled.status().WithContext(options.file))) return;
  if (enrolled->samples.empty()) {
    const SampleRejection& first = enrolled->rejected.front();
    context.Failed(Status::InvalidArgument(options.file + ": every sample was rejected, nothing was created; " +
                                           request.samples[first.index].source_name + ": " + first.status.message()));
    return;
  }

  nlohmann::json failures = nlohmann::json::array();
  std::vector<bool> stored(request.samples.size(), true);
  for (const SampleRejection& rejection : enrolled->rejected) {
    stored[rejection.index] = false;
    failures.push_back({{"item", request.samples[rejection.index].source_name}, {"error", rejection.status.ToString()}});
  }
  int fingers = 0, slap_fingers = 0, minutiae_sets = 0, faces = 0, dna_loci = 0;
  for (std::size_t i = 0; i < encounter.kinds.size(); ++i) {
    if (!stored[i]) continue;
    switch (encounter.kinds[i]) {
      case TransactionSampleKind::kFinger: ++fingers; break;
      case TransactionSampleKind::kSlapFinger: ++slap_fingers; break;
      case TransactionSampleKind::kMinutiae: ++minutiae_sets; break;
      case TransactionSampleKind::kFace: ++faces; break;
      case TransactionSampleKind::kDna: dna_loci = encounter.dna_loci; break;
    }
  }
  const int sequence_errors = encounter.sequence_errors;
  nlohmann::json out = {{"person", person.external_id},
                        {"person_id", enrolled->person_id},
                        {"encounter", enrolled->encounter_external_id},
                        {"fingers", fingers + slap_fingers},
                        {"slap_fingers", slap_fingers},
                        {"slaps", encounter.slap_report},
                        {"sequence_errors", sequence_errors},
                        {"minutiae_sets", minutiae_sets},
                        {"faces", faces},
                        {"dna_loci", dna_loci},
                        {"failed", failures},
                        {"skipped", encounter.skipped},
                        {"deviations", deviations}};
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << "imported '" << EscapeForDisplay(person.external_id) << "' (encounter " << enrolled->encounter_external_id
      << "): " << fingers + slap_fingers << " fingers (" << slap_fingers << " from slaps), " << minutiae_sets
      << " minutiae sets, " << faces << " faces, " << dna_loci << " DNA loci\n";
    for (const auto& failure : failures) s << "  not enrolled: " << failure["item"].get<std::string>() << ": "
                                           << failure["error"].get<std::string>() << "\n";
    for (const auto& skipped : encounter.skipped) s << "  skipped: " << skipped << "\n";
    if (sequence_errors > 0) {
      s << "  WARNING: " << sequence_errors
        << " slap fingers match another position's rolled print (finger or hand swap); not enrolled\n";
    }
  });
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
  static constexpr std::uint8_t kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  const auto is_png = [](const std::vector<std::uint8_t>& bytes) {
    return bytes.size() > sizeof kPngSignature && std::equal(std::begin(kPngSignature), std::end(kPngSignature), bytes.begin());
  };
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  // Fingers cut from a slap (their kept option "slap") go back as that slap, one Type-14 per
  // slap of an encounter, with 14.021 SEG / 14.025 ASEG (docs/SLAPS.md).
  std::map<std::tuple<std::int64_t, int, int>, std::vector<SlapCropForExport>> slaps;
#endif
  for (const StoredSample& sample : *samples) {
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
    if (sample.modality == Modality::kFinger && is_png(sample.bytes) && sample.options.is_object() &&
        sample.options.contains("slap") && sample.options["slap"].is_object()) {
      const nlohmann::json& slap = sample.options["slap"];
      const auto number = [&](const char* key) {
        return slap.contains(key) && slap[key].is_number_integer() ? slap[key].get<int>() : 0;
      };
      slaps[{sample.encounter_id, number("position"), number("idc")}].push_back(
          {static_cast<int>(sample.position), slap, sample.bytes});
      continue;
    }
#endif
    if (sample.modality == Modality::kFinger && sample.bytes.size() > 2 && sample.bytes[0] == 0xFF &&
        sample.bytes[1] == 0xA0) {
      interop::NistFingerImage finger;
      finger.position = sample.position;
      finger.compression = "WSQ20";
      finger.bytes = sample.bytes;
      bundle.fingers.push_back(std::move(finger));
    } else if (sample.modality == Modality::kFinger && is_png(sample.bytes)) {
      interop::NistFingerImage finger;
      finger.position = sample.position;
      finger.compression = "PNG";
      if (sample.options.is_object() && sample.options.contains("resolution_ppi") &&
          sample.options["resolution_ppi"].is_number()) {
        finger.pixels_per_mm = sample.options["resolution_ppi"].get<double>() / 25.4;
      }
      finger.bytes = sample.bytes;
      bundle.fingers.push_back(std::move(finger));
    } else if (sample.modality == Modality::kFace && sample.bytes.size() > 3 && sample.bytes[0] == 0xFF &&
               sample.bytes[1] == 0xD8) {
      interop::NistFaceImage face;
      face.format = "JPEGB";
      face.bytes = sample.bytes;
      bundle.faces.push_back(std::move(face));
#ifdef ABIS_HAVE_FINGER
    } else if (sample.modality == Modality::kFinger && finger::LooksLikeMinutiaeRecord(sample.bytes)) {
      auto sets = Type9SetsOfRecord(sample);
      if (sets.ok()) {
        for (auto& set : *sets) bundle.minutiae.push_back(std::move(set));
      } else {
        bundle.skipped.push_back(sets.status().message());
      }
#endif
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
                               "): only WSQ and PNG fingerprints, ISO/ANSI minutiae records, JPEG faces and STR "
                               "profiles are exported");
    }
  }
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  for (const auto& [key, crops] : slaps) {
    auto slap = ReassembleSlap(crops);
    if (slap.ok()) {
      bundle.slaps.push_back(std::move(slap).value());
    } else {
      bundle.skipped.push_back("slap FGP " + std::to_string(std::get<1>(key)) + " of encounter " +
                               std::to_string(std::get<0>(key)) + ": not exported: " + slap.status().message());
    }
  }
#endif
  auto transaction = interop::BuildTransactionFromBundle(bundle);
  if (context.Failed(transaction.status())) return;
  if (context.Failed(interop::WriteAn2kFile(*transaction, options.out))) return;
  // The file holds biometric data: readable by its owner only.
  std::error_code ignored;
  std::filesystem::permissions(options.out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ignored);
  nlohmann::json out = {{"person", options.person},
                        {"out", options.out},
                        {"fingers", bundle.fingers.size()},
                        {"slaps", bundle.slaps.size()},
                        {"minutiae_sets", bundle.minutiae.size()},
                        {"faces", bundle.faces.size()},
                        {"dna_loci", bundle.dna.size()},
                        {"skipped", bundle.skipped}};
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << "wrote " << options.out << ": " << bundle.fingers.size() << " fingers, " << bundle.slaps.size()
      << " slaps (14.021 SEG, 14.025 ASEG), " << bundle.minutiae.size()
      << " minutiae sets, " << bundle.faces.size() << " faces, " << bundle.dna.size() << " DNA loci\n";
    for (const auto& skipped : bundle.skipped) s << "  skipped: " << skipped << "\n";
  });
}

}  // namespace
#endif

void AddNistCommands(CLI::App& root, CliContext& context) {
#ifdef ABIS_HAVE_INTEROP
  CLI::App* import = root.get_subcommand("import");
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
  nist->add_option("--annotated-out", import_options->annotated_out,
                   "also write the transaction with each Type-14 slap's finger segments (14.021 SEG, 14.025 ASEG)");
  nist->add_option("--min-quality", import_options->min_quality,
                   "print-quality floor (0-100) for the fingers cut from slaps; 0 = none")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
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
