// Slap segmentation: a plain four-finger (right or left) or two-thumb image, as captured for 4-4-2
// bookings and border enrolment, cut into one upright image per finger with its finger position
// (ANSI/NIST-ITL Table 8), a rotated box in the slap, a print quality, and the positions that
// left no print (amputated or unprinted fingers are reported, never filled by shifting the others).
// Method and measured accuracy: docs/SLAPS.md. Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/print_quality.h"

namespace abis::finger {

// What a slap image holds. The single plain thumbs (FGP 11, 12) are segmented like a slap of one.
enum class SlapKind : std::uint8_t { kRightFour, kLeftFour, kBothThumbs, kRightThumb, kLeftThumb };

// "right", "left", "thumbs", "right_thumb", "left_thumb".
std::string_view SlapKindName(SlapKind kind);
// The names above; kInvalidArgument naming the accepted ones otherwise.
Result<SlapKind> ParseSlapKind(std::string_view name);
// ANSI/NIST-ITL Table 8 plain codes: 11 right thumb, 12 left thumb, 13 right four, 14 left four,
// 15 both thumbs. kInvalidArgument for any other code, naming it.
Result<SlapKind> SlapKindFromFingerPosition(int fgp);
int SlapKindFingerPosition(SlapKind kind);
// The finger positions (1-10) of a complete slap in image order, left to right, as ANSI/NIST-ITL
// images are laid out (the impression seen as on an inked card): right four 2 3 4 5 (index to
// little), left four 10 9 8 7 (little to index), both thumbs 6 1 (left thumb left).
std::vector<int> SlapPositions(SlapKind kind);

// A box in slap pixel coordinates (x right, y down). angle_degrees turns the upright box
// counter-clockwise as seen on screen; 0 = the finger points straight up.
struct RotatedBox {
  double centre_x = 0;
  double centre_y = 0;
  double width = 0;   // across the finger
  double height = 0;  // along the finger, fingertip to the distal crease
  double angle_degrees = 0;
  // Corners in order top-left, top-right, bottom-right, bottom-left of the upright box, turned.
  std::array<std::array<double, 2>, 4> Corners() const;
  // The axis-aligned box holding the corners, clipped to a width x height image:
  // {left, top, right, bottom}, right and bottom exclusive (as ANSI/NIST-ITL 14.021 SEG).
  std::array<int, 4> Bounds(int image_width, int image_height) const;
};

struct SlapSegment {
  int position = 0;  // FGP 1-10
  RotatedBox box;
  GrayImage crop;    // the box's content, turned upright, 500 ppi
  int quality = -1;  // print quality 0-100 of the crop (MeasurePrintQuality); -1 when not measured
  // Why the crop fails the print-quality gate (CheckPrintQuality), empty when it passes or was not
  // measured.
  std::string quality_problem;
};

struct SlapSegmentation {
  SlapKind kind = SlapKind::kRightFour;
  double hand_angle_degrees = 0;       // the hand's turn, as RotatedBox::angle_degrees
  std::vector<SlapSegment> segments;   // in image order, left to right
  std::vector<int> missing_positions;  // positions of the slap with no finger found, ascending
  std::vector<std::string> notes;      // what was ambiguous (extra blobs dropped, ...)
  int fingers_found = 0;               // finger-shaped regions found, before any beyond the slap were left out
};

struct SlapSegmenterOptions {
  bool measure_quality = true;                // run the extractor on each crop for its quality
  int min_quality = kDefaultMinPrintQuality;  // the gate's floor for quality_problem (0 = none)
};

// Segments `image` (resampled to 500 ppi when its resolution is known and differs). Fails with
// kInvalidArgument naming `source` when the image is empty or inconsistent (pixels != width x
// height), smaller than 64 pixels per side, or holds no finger at all.
Result<SlapSegmentation> SegmentSlap(const GrayImage& image, SlapKind kind, const std::string& source,
                                     const SlapSegmenterOptions& options = {});

// A segmentation as JSON: slap, fgp, hand_angle_degrees, segments (position, centre_x, centre_y,
// width, height, angle_degrees, corners, quality, quality_problem), missing_positions, notes.
nlohmann::json SlapSegmentationJson(const SlapSegmentation& segmentation);

// The slap with each segment's box drawn (green when its quality passes, red when not) and its
// position written beside it, as a colour PNG at `path`. kIoError when it cannot be written.
Status WriteSlapOverlayPng(const GrayImage& image, const SlapSegmentation& segmentation, const std::string& path);

}  // namespace abis::finger
