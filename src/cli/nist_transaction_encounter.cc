#include "nist_transaction_encounter.h"

#ifdef ABIS_HAVE_INTEROP
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>

#include "abis/interop/an2k_reader.h"
#include "abis/interop/nist_enrolment_bundle.h"
#ifdef ABIS_HAVE_FINGER
#include "abis/finger/minutiae_record.h"
#endif

namespace abis::cli {
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

const char* MinutiaeBlockName(interop::An2kMinutiaeBlock block) {
  switch (block) {
    case interop::An2kMinutiaeBlock::kLegacyStandard: return "standard-format (9.012)";
    case interop::An2kMinutiaeBlock::kExtendedFeatureSet: return "EFS (9.331)";
    case interop::An2kMinutiaeBlock::kIncits378: return "INCITS 378 (9.137)";
  }
  return "unknown";
}

#ifdef ABIS_HAVE_FINGER
// A Type-9 INCITS 378 minutiae set as an ANSI INCITS 378-2004 minutiae record with one finger
// view, written by the finger module's record writer (the format the finger engine enrols).
// Pixel coordinates come back from 0.01 mm with the block's own scale (exact below 100 pixels/mm,
// see MinutiaeView), angles keep their 2-degree units, types 1/2/other and quality 0-100 carry
// over, the image size and resolution (pixels per cm, rounded) go into the record header.
// A record holds at most 255 minutiae: above that the 255 of highest quality are kept (stable)
// and `note` says how many were left out. Fails, naming the set, for the standard-format and EFS
// blocks (they give no image size or pixel scale, so a record would rest on a guess), an empty
// set, a missing scale or size, and anything the record writer refuses (size above 65535,
// coordinates above 16383).
Result<std::vector<std::uint8_t>> MinutiaeRecordOfType9(const interop::NistMinutiae& set, const std::string& where,
                                                        std::string* note) {
  if (set.block != interop::An2kMinutiaeBlock::kIncits378) {
    return Status::Unimplemented(
        where +
        ": not enrolled: the block gives no image size or pixel scale, which an "
        "ISO/ANSI minutiae record needs; only the INCITS 378 block (9.126-9.150) is converted");
  }
  if (set.minutiae.empty()) return Status::InvalidArgument(where + ": 9.136 NOM is 0: no minutiae to enrol");
  if (set.image_width <= 0 || set.image_height <= 0 || !(set.pixels_per_mm > 0) || !std::isfinite(set.pixels_per_mm)) {
    return Status::InvalidArgument(where + ": no image size (9.128/9.129) or pixel scale (9.130-9.132)");
  }
  finger::MinutiaeTemplate minutiae;
  minutiae.width = set.image_width;
  minutiae.height = set.image_height;
  minutiae.resolution_ppi = set.pixels_per_mm * 25.4;
  minutiae.position = set.position;
  const auto to_pixels = [&](int hundredths_of_mm, int size) {
    const long pixels = std::lround(static_cast<double>(hundredths_of_mm) * set.pixels_per_mm / 100.0);
    return static_cast<int>(std::clamp<long>(pixels, 0, size - 1));
  };
  for (const interop::An2kMinutia& source : set.minutiae) {
    finger::Minutia minutia;
    minutia.x = to_pixels(source.x, set.image_width);
    minutia.y = to_pixels(source.y, set.image_height);
    minutia.angle = static_cast<double>(((source.theta_degrees % 360) + 360) % 360) * std::numbers::pi / 180.0;
    minutia.type = source.type == interop::An2kMinutiaType::kRidgeEnding   ? finger::MinutiaType::kEnding
                   : source.type == interop::An2kMinutiaType::kBifurcation ? finger::MinutiaType::kBifurcation
                                                                           : finger::MinutiaType::kOther;
    minutia.quality = std::clamp(source.quality, 0, 100);
    minutiae.minutiae.push_back(minutia);
  }
  if (minutiae.minutiae.size() > static_cast<std::size_t>(finger::kMaxMinutiaePerView)) {
    std::stable_sort(minutiae.minutiae.begin(), minutiae.minutiae.end(),
                     [](const finger::Minutia& a, const finger::Minutia& b) { return a.quality > b.quality; });
    *note = where + ": " + std::to_string(minutiae.minutiae.size() - finger::kMaxMinutiaePerView) + " of " +
            std::to_string(minutiae.minutiae.size()) +
            " minutiae of lowest quality left out (a minutiae record holds at most 255)";
    minutiae.minutiae.resize(static_cast<std::size_t>(finger::kMaxMinutiaePerView));
  }
  auto bytes =
      finger::WriteMinutiaeRecord(finger::SingleViewRecord(minutiae, finger::MinutiaeRecordFormat::kAnsi378_2004));
  if (!bytes.ok()) return bytes.status().WithContext(where);
  return bytes;
}
#endif

bool HasTransactionExtension(const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".an2" || extension == ".an2k" || extension == ".eft" || extension == ".nist";
}

// Whether the bytes start as a transaction does: the Type-1 LEN field, "1.001:" (or "1.01:",
// "1.1:" as files written before version 0300 have it).
bool StartsLikeTransaction(std::string_view head) {
  if (!head.starts_with("1.")) return false;
  std::size_t i = 2;
  while (i < head.size() && i < 5 && std::isdigit(static_cast<unsigned char>(head[i])) != 0) ++i;
  return i > 2 && i < head.size() && head[i] == ':';
}

Status CheckTransactionFileSize(const std::filesystem::path& file, std::uintmax_t max_bytes) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return Status::InvalidArgument("cannot read " + file.string() + ": " + error.message());
  if (size > max_bytes) {
    return Status::ResourceExhausted(file.string() + " has " + std::to_string(size) + " bytes, more than the " +
                                     std::to_string(max_bytes) + " a transaction may have here");
  }
  return Status::Ok();
}

}  // namespace

std::string PersonIdOfControlNumber(std::string_view control_number) {
  std::string id(control_number);
  std::replace(id.begin(), id.end(), ' ', '-');
  while (!id.empty() && id.front() == '-') id.erase(id.begin());
  return id;
}

Result<TransactionEncounter> TransactionEncounterOf(const interop::An2kTransaction& transaction,
                                                    const std::string& source,
                                                    const TransactionEncounterOptions& options) {
  auto bundle = interop::ExtractEnrolmentBundle(transaction);
  if (!bundle.ok()) return bundle.status().WithContext(source);
  if (bundle->fingers.empty() && bundle->slaps.empty() && bundle->minutiae.empty() && bundle->faces.empty() &&
      bundle->dna.empty()) {
    return Status::InvalidArgument(
        source + ": the transaction holds no fingerprint image, slap, minutiae, face or STR profile to enrol");
  }
  TransactionEncounter out;
  out.control_number = PersonIdOfControlNumber(bundle->transaction_control_number);
  out.originating_agency = bundle->originating_agency;
  auto add = [&](SampleInput sample, TransactionSampleKind kind) {
    out.samples.push_back(std::move(sample));
    out.kinds.push_back(kind);
  };
  // Slaps are cut into fingers before anything is enrolled (docs/SLAPS.md).
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  TransactionSlaps slaps;
  if (!bundle->slaps.empty()) {
    ABIS_ASSIGN_OR_RETURN(slaps, SegmentTransactionSlaps(*bundle, source, options.min_quality));
    out.slap_report = slaps.report;
    out.sequence_errors = slaps.sequence_errors;
    out.slap_segments = slaps.segments;
    for (const std::string& line : slaps.skipped) bundle->skipped.push_back(line);
  }
#else
  for (const auto& slap : bundle->slaps) {
    bundle->skipped.push_back(source + " (IDC " + std::to_string(slap.source_idc) +
                              "): slap not segmented: this build has no fingerprint image module");
  }
#endif
  for (const auto& finger : bundle->fingers) {
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.bytes = finger.bytes;
    sample.position = finger.position;
    sample.format_hint = finger.compression == "WSQ20" ? "wsq" : "";
    sample.source_name = source + " (Type-" + std::to_string(finger.source_record_type) + " IDC " +
                         std::to_string(finger.source_idc) + ")";
    add(std::move(sample), TransactionSampleKind::kFinger);
  }
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  for (auto& slap_finger : slaps.fingers) {
    add(finger::SlapFingerSample(std::move(slap_finger), options.min_quality), TransactionSampleKind::kSlapFinger);
  }
#endif
  for (const auto& face : bundle->faces) {
    SampleInput sample;
    sample.modality = Modality::kFace;
    sample.bytes = face.bytes;
    sample.source_name = source + " (Type-10 IDC " + std::to_string(face.source_idc) + ")";
    add(std::move(sample), TransactionSampleKind::kFace);
  }
  // Type-9 INCITS 378 minutiae become ANSI INCITS 378 records, the finger engine's minutiae
  // format, and are enrolled at their finger position next to any image of the same finger (a
  // search keeps a person's best template per probe sample, so the two never add up). The other
  // blocks, and sets the conversion or the engine refuses, are listed with the reason.
  for (const auto& set : bundle->minutiae) {
    const std::string where = source + " (Type-9 IDC " + std::to_string(set.source_idc) + ", " +
                              std::to_string(set.minutiae.size()) + " " + MinutiaeBlockName(set.block) + " minutiae)";
#ifdef ABIS_HAVE_FINGER
    std::string note;
    auto record = MinutiaeRecordOfType9(set, where, &note);
    if (!record.ok()) {
      bundle->skipped.push_back(record.status().message());
      continue;
    }
    if (!note.empty()) bundle->skipped.push_back(note);
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.bytes = std::move(record).value();
    sample.position = set.position;
    sample.format_hint = std::string(finger::MinutiaeRecordFormatName(finger::MinutiaeRecordFormat::kAnsi378_2004));
    sample.source_name = where;
    add(std::move(sample), TransactionSampleKind::kMinutiae);
#else
    bundle->skipped.push_back(where + ": not enrolled: this build has no finger module");
#endif
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
    sample.source_name = source + " (Type-18)";
    out.dna_loci = static_cast<int>(named_loci.size());
    add(std::move(sample), TransactionSampleKind::kDna);
  }
  out.skipped = std::move(bundle->skipped);
  if (out.samples.empty()) {
    std::string reason = source + ": no sample of the transaction could be converted for enrolment";
    if (!out.skipped.empty()) reason += " (" + out.skipped.front() + ")";
    return Status::InvalidArgument(reason);
  }
  return out;
}

Result<TransactionEncounter> ReadTransactionEncounter(const std::filesystem::path& file,
                                                      const TransactionEncounterOptions& options,
                                                      std::uintmax_t max_bytes) {
  ABIS_RETURN_IF_ERROR(CheckTransactionFileSize(file, max_bytes));
  auto transaction = interop::ReadAn2kFile(file);
  if (!transaction.ok()) return transaction.status().WithContext(file.string());
  return TransactionEncounterOf(*transaction, file.string(), options);
}

Result<std::optional<std::string>> IdentifyTransactionFile(const std::filesystem::path& file,
                                                           std::uintmax_t max_bytes) {
  const bool named_as_one = HasTransactionExtension(file);
  if (!named_as_one) {
    // Only the first bytes are read to tell: a folder may hold large files of other kinds.
    std::ifstream in(file, std::ios::binary);
    std::array<char, 8> head{};
    in.read(head.data(), head.size());
    if (!StartsLikeTransaction(std::string_view(head.data(), static_cast<std::size_t>(in.gcount())))) {
      return std::optional<std::string>();
    }
  }
  ABIS_RETURN_IF_ERROR(CheckTransactionFileSize(file, max_bytes));
  auto transaction = interop::ReadAn2kFile(file);
  if (!transaction.ok()) return transaction.status().WithContext(file.string());
  auto bundle = interop::ExtractEnrolmentBundle(*transaction);
  if (!bundle.ok()) return bundle.status().WithContext(file.string());
  return std::optional<std::string>(PersonIdOfControlNumber(bundle->transaction_control_number));
}

}  // namespace abis::cli
#endif
