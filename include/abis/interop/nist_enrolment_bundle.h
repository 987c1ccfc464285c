// The neutral enrolment bundle: what an ANSI/NIST-ITL transaction offers for enrolling one
// person (fingerprint images with positions, face images, the STR profile, minutiae, Type-2
// text), as plain bytes and values. The store and the modality engines never see records.
// Thread-safety: plain values; the functions share no state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/interop/an2k_fingerprint_image_view.h"
#include "abis/interop/an2k_record.h"
#include "abis/interop/an2k_type9_view.h"

namespace abis::interop {

struct NistFingerImage {
  FingerPosition position = FingerPosition::kUnknown;
  std::string compression;       // Table 15 name: "WSQ20", "NONE", "JPEGB", "JP2", "PNG", ...
  int width = 0;                 // pixels; 0 lets the writer read it from a WSQ/JPEG/PNG header
  int height = 0;
  double pixels_per_mm = 0;      // 0 = not stated (the writer then states 500 ppi)
  int impression_type = 0;       // Table 7 IMP: 0 live-scan plain, 1 live-scan rolled, ...
  int source_record_type = 0;    // 4 or 14 when read from a transaction
  int source_idc = 0;
  std::vector<std::uint8_t> bytes;  // the encoded image exactly as in the record
};

// A plain multi-finger or plain thumb image (FGP 11-15), to be segmented into fingers.
struct NistSlapImage {
  int slap_position = 0;         // Table 8: 11 right thumb, 12 left thumb, 13 right four, 14 left four, 15 both thumbs
  std::string compression;       // Table 15 name
  int width = 0;                 // pixels; 0 lets the writer read it from a WSQ/JPEG/PNG header
  int height = 0;
  double pixels_per_mm = 0;      // 0 = not stated
  int impression_type = 0;
  int source_record_type = 0;    // 4 or 14 when read from a transaction
  int source_idc = 0;
  std::vector<std::uint8_t> bytes;
  // 14.021 SEG / 14.025 ASEG: read when the record has them; written on export.
  std::vector<FingerSegmentPosition> segments;
  // 14.018 AMP: fingers of the slap that are not in its image (amputated, unable to print); read
  // from Type-14 slaps, written on export.
  std::vector<FingerAmputation> amputations;
};

struct NistFaceImage {
  std::string format;            // 10.011 CGA: "JPEGB", "JP2", "PNG", "NONE", ...
  int width = 0;                 // 0 lets the writer read it from a JPEG/PNG header
  int height = 0;
  std::string color_space;       // 10.012 CSP ("" = "UNK")
  int source_idc = 0;
  std::vector<std::uint8_t> bytes;
};

struct NistMinutiae {
  FingerPosition position = FingerPosition::kUnknown;
  An2kMinutiaeBlock block = An2kMinutiaeBlock::kLegacyStandard;
  int source_idc = 0;
  std::vector<An2kMinutia> minutiae;  // coordinates in 0.01 mm
  // INCITS 378 block only (0 otherwise): image size in pixels and scale, as in MinutiaeView.
  int image_width = 0;
  int image_height = 0;
  double pixels_per_mm = 0;
  int impression_type = 0;  // 9.003 IMP (Table 7); 0 when absent
};

struct NistEnrolmentBundle {
  std::string transaction_control_number;   // 1.009 TCN
  std::string originating_agency;           // 1.008 ORI
  std::vector<An2kField> descriptive_text;  // Type-2 fields other than IDC, in record order
  std::vector<NistFingerImage> fingers;     // single-finger images only (positions 0-10)
  std::vector<NistSlapImage> slaps;         // plain slaps and plain thumbs (positions 11-15)
  std::vector<NistFaceImage> faces;         // Type-10 records with IMT "FACE"
  std::map<std::string, std::vector<std::string>> dna;  // locus name -> allele calls as text
  std::vector<NistMinutiae> minutiae;
  std::vector<std::string> skipped;  // one line per record or item not carried over, with why
};

// Builds the bundle from a parsed transaction. Plain slaps and plain thumbs (FGP 11-15, one
// position) go to `slaps`. Records that are well formed but not usable for enrolment (other
// multi-position images, latents, palms, non-face Type-10, Type-9 without standard
// minutiae) are listed in `skipped`, and so is a Type-9 whose minutiae are malformed (with the
// error). Any other malformed record of a type the bundle reads is an error naming it. A DNA locus seen twice is an error (two profiles in one transaction).
Result<NistEnrolmentBundle> ExtractEnrolmentBundle(const An2kTransaction& transaction);

// Header values of a transaction written from a bundle.
struct NistTransactionOptions {
  std::string version = "0502";                 // 1.002 VER
  std::string transaction_type = "ABIS";        // 1.004 TOT (user-defined in the standard)
  std::string destination_agency = "UNKNOWN";  // 1.007 DAI
  std::string originating_agency = "ABIS";      // 1.008 ORI, also the SRC of each record
  std::string control_number;                   // 1.009 TCN ("" = bundle's, else "ABIS")
  std::string timestamp_utc;                    // "YYYYMMDDhhmmss"; "" = now
};

// Writes Type-1, Type-2 (descriptive_text), one Type-14 per finger, one Type-14 per slap (FGP
// 11-15, with 14.021 SEG for the segments with a box and 14.025 ASEG for those with a polygon),
// one Type-9 per minutiae set,
// one Type-10 per face and one Type-18 when dna is not empty, in that order, with IDCs 0, 1, 2, ...
// and 1.003 CNT listing them. A minutiae set is written as the INCITS 378 block (9.003 IMP, 9.004
// FMT "U", 9.128-9.132, 9.134 FGP, 9.136 NOM, 9.137 FMD; SLC 1 when the scale is a whole number
// of pixels per inch, else SLC 2 pixels per cm) and needs its image size and scale. Fails, naming
// the item, on a finger without bytes, a compression name outside Table 15, unknown dimensions
// that cannot be read from the image header, a minutiae set without image size or scale or with
// a minutia outside the image, a slap position outside 11-15, a segment position outside 1-10,
// a segment box or polygon point outside the image or a polygon of other than 3-99 points, a DNA locus without an ANSI/NIST-ITL reference number (see
// LocusReferenceForName), more than three alleles, or text holding separator characters. The
// result serialises with SerializeAn2kTransaction.
Result<An2kTransaction> BuildTransactionFromBundle(const NistEnrolmentBundle& bundle,
                                                   const NistTransactionOptions& options = {});

}  // namespace abis::interop
