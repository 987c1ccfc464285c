// The image-side fingerprint commands of the `abis` CLI:
//   abis synth fingers --out DIR [--fingers N] [--impressions K] [--seed S] [--width W] [--height H]
//   abis finger extract --image F [--debug-dir D] [--iso OUT]
//   abis finger render --image F [--template T] --out OUT.svg|OUT.png
//                      [--second-image G [--second-template U] --pairs 0:3,5:7]
// Output contracts (JSON fields) are in docs/EXTRACTOR.md. Exit codes: 0 ok, 2 bad input.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "abis/cli/plugin.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

// Template codecs this library cannot link (they live in abis_finger, which links us). The
// finger plugin passes them in; without them --iso and --template are refused as unimplemented.
struct FingerImageCommandHooks {
  // Encodes one template as an ISO/IEC 19794-2:2005 record.
  std::function<Result<std::vector<std::uint8_t>>(const MinutiaeTemplate&)> write_iso_record;
  // Decodes a minutiae record (ISO or ANSI; first view) named `source` for display.
  std::function<Result<MinutiaeTemplate>(std::span<const std::uint8_t> bytes, const std::string& source)> read_record;
};

// Adds `synth fingers` under root's "synth" subcommand (created when missing) and `finger
// extract` / `finger render` under "finger" (looked up first: the finger plugin adds to it too).
void AddFingerImageCommands(CLI::App& root, CliGlobals& globals);
void AddFingerImageCommands(CLI::App& root, CliGlobals& globals, FingerImageCommandHooks hooks);

// `finger segment IMAGE --slap K [--out-dir D] [--overlay F.png] [--min-quality Q]` under `finger`
// (added by AddFingerImageCommands). JSON: SlapSegmentationJson plus `crop` paths and `overlay`.
void AddSlapSegmentCommand(CLI::App& finger, CliGlobals& globals);

}  // namespace abis::finger
