// Finger positions from hand geometry (slap_internal.h), and the slap kinds and their codes.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "slap/slap_internal.h"

namespace abis::finger {

namespace {
constexpr double kPi = 3.14159265358979323846;
// Fingertip drop below the highest tip, in finger widths, per slot of a right four-finger slap in
// image order (index, middle, ring, little); a left slap mirrors it. Round values from hand
// proportions (the little finger ends about one distal phalanx below the middle finger).
constexpr double kRightTipDrop[4] = {0.35, 0.0, 0.2, 0.85};
constexpr double kTipDropSigma = 0.25;    // finger widths
constexpr double kPitchPerWidth = 1.1;    // centre spacing of touching fingers / finger width
constexpr double kSpacingSigma = 0.3;     // finger pitches
constexpr double kImagePlaceSigma = 0.8;  // slots
}  // namespace

std::string_view SlapKindName(SlapKind kind) {
  switch (kind) {
    case SlapKind::kRightFour: return "right";
    case SlapKind::kLeftFour: return "left";
    case SlapKind::kBothThumbs: return "thumbs";
    case SlapKind::kRightThumb: return "right_thumb";
    case SlapKind::kLeftThumb: return "left_thumb";
  }
  return "unknown";
}

Result<SlapKind> ParseSlapKind(std::string_view name) {
  for (SlapKind kind : {SlapKind::kRightFour, SlapKind::kLeftFour, SlapKind::kBothThumbs, SlapKind::kRightThumb,
                        SlapKind::kLeftThumb}) {
    if (name == SlapKindName(kind)) return kind;
  }
  return Status::InvalidArgument("slap kind '" + std::string(name) +
                                 "' is not one of right, left, thumbs, right_thumb, left_thumb");
}

Result<SlapKind> SlapKindFromFingerPosition(int fgp) {
  switch (fgp) {
    case 11: return SlapKind::kRightThumb;
    case 12: return SlapKind::kLeftThumb;
    case 13: return SlapKind::kRightFour;
    case 14: return SlapKind::kLeftFour;
    case 15: return SlapKind::kBothThumbs;
    default: break;
  }
  return Status::InvalidArgument("finger position " + std::to_string(fgp) +
                                 " is not a plain slap (11 right thumb, 12 left thumb, 13 right four, 14 left four, "
                                 "15 both thumbs)");
}

int SlapKindFingerPosition(SlapKind kind) {
  switch (kind) {
    case SlapKind::kRightThumb: return 11;
    case SlapKind::kLeftThumb: return 12;
    case SlapKind::kRightFour: return 13;
    case SlapKind::kLeftFour: return 14;
    case SlapKind::kBothThumbs: return 15;
  }
  return 0;
}

std::vector<int> SlapPositions(SlapKind kind) {
  switch (kind) {
    case SlapKind::kRightFour: return {2, 3, 4, 5};
    case SlapKind::kLeftFour: return {10, 9, 8, 7};
    case SlapKind::kBothThumbs: return {6, 1};
    case SlapKind::kRightThumb: return {1};
    case SlapKind::kLeftThumb: return {6};
  }
  return {};
}

namespace internal {

double FingerLeanDegrees(int position) {
  // Right hand as imaged (index left of the middle finger): index leans left (counter-clockwise).
  switch (position) {
    case 2: return 5;
    case 4: return -4;
    case 5: return -10;
    case 7: return -5;
    case 9: return 4;
    case 10: return 10;
    default: return 0;
  }
}

Result<PositionAssignment> AssignPositions(const std::vector<FingerFound>& fingers, SlapKind kind,
                                           double hand_angle_degrees, int image_width, int /*image_height*/) {
  if (fingers.empty() || image_width <= 0) return Status::InvalidArgument("no finger to place");
  const std::vector<int> slots_positions = SlapPositions(kind);
  const int slots = static_cast<int>(slots_positions.size());
  PositionAssignment out;
  out.positions.assign(fingers.size(), 0);

  // Keep the largest `slots` fingers.
  std::vector<std::size_t> kept(fingers.size());
  std::iota(kept.begin(), kept.end(), 0);
  if (static_cast<int>(kept.size()) > slots) {
    std::stable_sort(kept.begin(), kept.end(),
                     [&](std::size_t a, std::size_t b) { return fingers[a].mass > fingers[b].mass; });
    out.notes.push_back(std::to_string(kept.size()) + " ridge areas found where the slap holds " +
                        std::to_string(slots) + " fingers: the " + std::to_string(kept.size() - slots) +
                        " smallest left out");
    kept.resize(static_cast<std::size_t>(slots));
  }
  // Hand frame: across (left to right when the hand is upright) and along (towards the tips).
  const double a = hand_angle_degrees * kPi / 180.0;
  const double tx = -std::sin(a), ty = -std::cos(a), nx = std::cos(a), ny = -std::sin(a);
  struct Place {
    std::size_t finger;
    double across, tip;
  };
  std::vector<Place> places;
  double width = 0;
  for (std::size_t index : kept) {
    const RotatedBox& box = fingers[index].box;
    const double fa = box.angle_degrees * kPi / 180.0;
    const double tip_x = box.centre_x - std::sin(fa) * box.height / 2;
    const double tip_y = box.centre_y - std::cos(fa) * box.height / 2;
    places.push_back({index, box.centre_x * nx + box.centre_y * ny, tip_x * tx + tip_y * ty});
    width += box.width;
  }
  width /= static_cast<double>(places.size());
  std::sort(places.begin(), places.end(), [](const Place& p, const Place& q) { return p.across < q.across; });
  const int found = static_cast<int>(places.size());

  std::vector<int> best_slots;
  if (found == slots) {
    best_slots.resize(static_cast<std::size_t>(slots));
    std::iota(best_slots.begin(), best_slots.end(), 0);
  } else if (kind == SlapKind::kBothThumbs) {
    // One thumb: its side of the image.
    const RotatedBox& box = fingers[places.front().finger].box;
    best_slots = {box.centre_x < image_width / 2.0 ? 0 : 1};
  } else {
    const bool right = kind == SlapKind::kRightFour;
    double best_cost = 1e300;
    const double pitch = kPitchPerWidth * width;
    // Every order-keeping choice of `found` slots out of `slots`.
    std::vector<bool> pick(static_cast<std::size_t>(slots), false);
    std::fill(pick.begin(), pick.begin() + found, true);
    do {
      std::vector<int> chosen;
      for (int s = 0; s < slots; ++s) {
        if (pick[static_cast<std::size_t>(s)]) chosen.push_back(s);
      }
      double highest = -1e300;
      for (const Place& p : places) highest = std::max(highest, p.tip);
      std::vector<double> drop_residual, spacing_residual;
      double place_cost = 0;
      for (int i = 0; i < found; ++i) {
        const Place& p = places[static_cast<std::size_t>(i)];
        const int slot = chosen[static_cast<std::size_t>(i)];
        const double prior = right ? kRightTipDrop[slot] : kRightTipDrop[slots - 1 - slot];
        drop_residual.push_back((highest - p.tip) / width - prior);
        spacing_residual.push_back(p.across / pitch - slot);
        const RotatedBox& box = fingers[p.finger].box;
        const double expected_slot = box.centre_x / image_width * slots - 0.5;
        place_cost += std::pow((slot - expected_slot) / kImagePlaceSigma, 2);
      }
      auto spread = [](const std::vector<double>& v, double sigma) {
        const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
        double sum = 0;
        for (double x : v) sum += std::pow((x - mean) / sigma, 2);
        return sum;
      };
      const double cost = spread(drop_residual, kTipDropSigma) + spread(spacing_residual, kSpacingSigma) + place_cost;
      if (cost < best_cost) {
        best_cost = cost;
        best_slots = chosen;
      }
    } while (std::prev_permutation(pick.begin(), pick.end()));
  }
  std::vector<bool> used(static_cast<std::size_t>(slots), false);
  for (int i = 0; i < found; ++i) {
    const int slot = best_slots[static_cast<std::size_t>(i)];
    out.positions[places[static_cast<std::size_t>(i)].finger] = slots_positions[static_cast<std::size_t>(slot)];
    used[static_cast<std::size_t>(slot)] = true;
  }
  for (int s = 0; s < slots; ++s) {
    if (!used[static_cast<std::size_t>(s)])
      out.missing_positions.push_back(slots_positions[static_cast<std::size_t>(s)]);
  }
  std::sort(out.missing_positions.begin(), out.missing_positions.end());
  if (!out.missing_positions.empty()) {
    out.notes.push_back(std::to_string(found) + " of " + std::to_string(slots) + " fingers found");
  }
  return out;
}

}  // namespace internal
}  // namespace abis::finger
