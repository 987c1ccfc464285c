// ExtractEnrolmentBundle: transaction -> neutral bundle.
#include <cstdlib>

#include "abis/interop/an2k_fingerprint_image_view.h"
#include "abis/interop/an2k_type10_view.h"
#include "abis/interop/an2k_type18_view.h"
#include "abis/interop/an2k_type1_view.h"
#include "abis/interop/nist_enrolment_bundle.h"
#include "an2k_text.h"
#include "an2k_view_fields.h"

namespace abis::interop {

namespace {

constexpr int kMaxSingleFingerPosition = 10;
constexpr double kMinimumScanningResolution = 19.69;  // pixels/mm, ISR 0 and the NSR fallback

std::string Where(std::size_t index, int type) { return internal::RecordLabel(index, type); }

// 1.011 NSR in pixels/mm ("19.69"); the standard's minimum when absent or unreadable.
double NativeResolution(const TransactionInformationView& info) {
  char* end = nullptr;
  const double value = std::strtod(info.native_scanning_resolution.c_str(), &end);
  if (end == info.native_scanning_resolution.c_str() || value <= 0) return kMinimumScanningResolution;
  return value;
}

void AddFinger(const FingerprintImageView& view, std::size_t index, NistEnrolmentBundle& bundle) {
  const std::string where = Where(index, view.record_type);
  constexpr int kFirstSlapPosition = 11;  // plain right thumb; 12-15 left thumb, right/left four, both thumbs
  constexpr int kLastSlapPosition = 15;
  if (view.finger_positions.size() == 1 && view.finger_positions.front() >= kFirstSlapPosition &&
      view.finger_positions.front() <= kLastSlapPosition) {
    NistSlapImage slap;
    slap.slap_position = view.finger_positions.front();
    slap.compression = view.compression;
    slap.width = view.width;
    slap.height = view.height;
    slap.pixels_per_mm = view.pixels_per_mm;
    slap.impression_type = view.impression_type;
    slap.source_record_type = view.record_type;
    slap.source_idc = view.idc;
    slap.bytes = view.image;
    slap.segments = view.segments;
    if (!view.segment_problem.empty()) {
      bundle.skipped.push_back(where + ": segment positions not read: " + view.segment_problem);
    }
    slap.amputations = view.amputations;
    if (!view.amputation_problem.empty()) {
      bundle.skipped.push_back(where + ": amputated fingers not read: " + view.amputation_problem);
    }
    bundle.slaps.push_back(std::move(slap));
    return;
  }
  if (view.finger_positions.size() != 1 || view.finger_positions.front() > kMaxSingleFingerPosition) {
    std::string positions;
    for (int position : view.finger_positions) {
      if (!positions.empty()) positions += ',';
      positions += std::to_string(position);
    }
    bundle.skipped.push_back(where + ": finger positions " + positions +
                             " are not one single finger (0-10) nor one plain slap (11-15)");
    return;
  }
  NistFingerImage finger;
  finger.position = *FingerPositionFromCode(view.finger_positions.front());
  finger.compression = view.compression;
  finger.width = view.width;
  finger.height = view.height;
  finger.pixels_per_mm = view.pixels_per_mm;
  finger.impression_type = view.impression_type;
  finger.source_record_type = view.record_type;
  finger.source_idc = view.idc;
  finger.bytes = view.image;
  bundle.fingers.push_back(std::move(finger));
}

// Malformed minutiae are skipped with the reason rather than failing the import: the images and
// profile of the transaction remain usable, and abis extracts its own templates from the images.
void AddMinutiae(const TaggedRecord& record, std::size_t index, NistEnrolmentBundle& bundle) {
  auto read = ReadType9Minutiae(record);
  if (!read.ok()) {
    bundle.skipped.push_back(Where(index, 9) + ": minutiae not read: " + read.status().message());
    return;
  }
  std::optional<MinutiaeView>& view = read.value();
  if (!view) {
    bundle.skipped.push_back(Where(index, 9) + ": no standard (9.012), EFS (9.331) or INCITS 378 (9.137) minutiae");
    return;
  }
  NistMinutiae minutiae;
  minutiae.block = view->block;
  minutiae.source_idc = view->idc;
  if (view->finger_positions.size() == 1 && view->finger_positions.front() <= kMaxSingleFingerPosition) {
    minutiae.position = *FingerPositionFromCode(view->finger_positions.front());
  } else {
    bundle.skipped.push_back(Where(index, 9) + ": minutiae kept with position unknown (record lists " +
                             std::to_string(view->finger_positions.size()) + " positions or a palm)");
  }
  minutiae.minutiae = std::move(view->minutiae);
  minutiae.image_width = view->image_width;
  minutiae.image_height = view->image_height;
  minutiae.pixels_per_mm = view->pixels_per_mm;
  constexpr int kImpressionTypeField = 3;
  constexpr int kMaxImpressionType = 99;
  auto impression = internal::OptionalInteger(record, kImpressionTypeField, 0, kMaxImpressionType, 0);
  if (impression.ok()) {
    minutiae.impression_type = *impression;
  } else {
    bundle.skipped.push_back(Where(index, 9) + ": impression type not read (" + impression.status().message() +
                             "); 0 assumed");
  }
  bundle.minutiae.push_back(std::move(minutiae));
}

Status AddDna(const TaggedRecord& record, std::size_t index, NistEnrolmentBundle& bundle) {
  ABIS_ASSIGN_OR_RETURN(DnaProfileView view, ReadType18DnaProfile(record));
  if (view.loci.empty()) bundle.skipped.push_back(Where(index, 18) + ": no STR profile (18.016)");
  for (const StrLocusCall& call : view.loci) {
    if (call.alleles.empty()) {
      bundle.skipped.push_back(Where(index, 18) + ": locus " + call.locus_name + " has no allele call");
      continue;
    }
    if (!bundle.dna.emplace(call.locus_name, call.alleles).second) {
      return Status::InvalidArgument(Where(index, 18) + ": locus " + call.locus_name +
                                     " is typed twice in the transaction; abis enrols one profile per person");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<NistEnrolmentBundle> ExtractEnrolmentBundle(const An2kTransaction& transaction) {
  const TaggedRecord* type1 = transaction.TransactionInformation();
  if (type1 == nullptr) return Status::InvalidArgument("ANSI/NIST-ITL transaction: the first record must be Type-1");
  ABIS_ASSIGN_OR_RETURN(TransactionInformationView info, ReadTransactionInformation(*type1));
  NistEnrolmentBundle bundle;
  bundle.transaction_control_number = info.control_number;
  bundle.originating_agency = info.originating_agency;
  const double native_resolution = NativeResolution(info);

  for (std::size_t index = 1; index < transaction.records.size(); ++index) {
    const An2kRecord& record = transaction.records[index];
    const int type = RecordType(record);
    if (const auto* image = std::get_if<BinaryImageRecord>(&record); image != nullptr && type == 4) {
      auto view = ReadType4FingerprintImage(*image, native_resolution);
      if (!view.ok()) return view.status().WithContext(Where(index, type));
      AddFinger(*view, index, bundle);
      continue;
    }
    const auto* tagged = std::get_if<TaggedRecord>(&record);
    if (tagged == nullptr) {
      bundle.skipped.push_back(Where(index, type) + ": binary record type not used for enrolment");
      continue;
    }
    switch (type) {
      case 2:
        for (const An2kField& field : tagged->fields) {
          if (field.number != kIdcField) bundle.descriptive_text.push_back(field);
        }
        break;
      case 9:
        AddMinutiae(*tagged, index, bundle);
        break;
      case 10: {
        auto view = ReadType10PhotoImage(*tagged);
        if (!view.ok()) return view.status().WithContext(Where(index, type));
        if (!view->IsFace()) {
          bundle.skipped.push_back(Where(index, type) + ": image type \"" + view->image_type + "\" is not FACE");
          break;
        }
        NistFaceImage face;
        face.format = view->compression;
        face.width = view->width;
        face.height = view->height;
        face.color_space = view->color_space;
        face.source_idc = view->idc;
        face.bytes = std::move(view->image);
        bundle.faces.push_back(std::move(face));
        break;
      }
      case 14: {
        auto view = ReadType14FingerprintImage(*tagged);
        if (!view.ok()) return view.status().WithContext(Where(index, type));
        AddFinger(*view, index, bundle);
        break;
      }
      case 18: {
        Status status = AddDna(*tagged, index, bundle);
        if (!status.ok()) return status;
        break;
      }
      default:
        bundle.skipped.push_back(Where(index, type) + ": record type not used for enrolment");
    }
  }
  return bundle;
}

}  // namespace abis::interop
