#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <numbers>
#include <optional>

#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "abis/system/alerts.h"
#include "abis/system/candidate_review.h"
#include "abis/system/dvi_job.h"
#include "abis/system/each_face_search.h"
#include "abis/system/kinship_search.h"
#include "cli_context.h"
#include "slap_enrol.h"

namespace abis::cli {
namespace {

// How a sample is named on the command line.
struct SampleOptions {
  std::string modality;
  std::string file;
  std::string format;
  std::string finger;
  std::vector<std::string> options;  // key=value, value parsed as JSON when it is JSON
  double ppi = 0;                    // a fingerprint image's scan resolution (engine option resolution_ppi)

  void AddTo(CLI::App* command, bool required) {
    auto* m = command->add_option("--modality", modality, "face, finger or dna");
    auto* f = command->add_option("--file", file, "the sample file (image, WSQ, ISO/ANSI template, STR profile)");
    if (required) {
      m->required();
      f->required();
    }
    command->add_option("--format", format, "format hint (default: detect by content)");
    command->add_option("--finger", finger, "finger position 0-10 or name (right_index, ...)");
    command->add_option("--sample-option", options,
                        "engine option key=value (e.g. face_index=0); applies to --probe samples too");
    command
        ->add_option("--ppi", ppi,
                     "scan resolution of a fingerprint image that does not declare one (the same as "
                     "--sample-option resolution_ppi=N; applies to --probe samples too)")
        ->check(CLI::Range(100.0, 5000.0));
  }

  Result<SampleInput> Build() const {
    SampleInput sample;
    ABIS_ASSIGN_OR_RETURN(sample.modality, ParseModality(modality));
    sample.format_hint = format;
    sample.source_name = file;
    if (!finger.empty()) {
      ABIS_ASSIGN_OR_RETURN(sample.position, ParseFingerPosition(finger));
    }
    for (const std::string& option : options) {
      auto equals = option.find('=');
      if (equals == std::string::npos || equals == 0) {
        return Status::InvalidArgument("sample option '" + option + "' is not key=value");
      }
      std::string value = option.substr(equals + 1);
      auto parsed = nlohmann::json::parse(value, nullptr, false);
      sample.options[option.substr(0, equals)] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
    }
    if (ppi > 0) sample.options["resolution_ppi"] = ppi;
    ABIS_ASSIGN_OR_RETURN(sample.bytes, ReadFileBytes(file));
    return sample;
  }
};

// "--probe face:photo.jpg" or "--probe finger:right_index:print.wsq"; the command's
// --sample-option and --ppi apply to it as to --file.
Result<SampleInput> ParseProbe(const std::string& text, const SampleOptions& command_options) {
  auto first = text.find(':');
  if (first == std::string::npos) {
    return Status::InvalidArgument("probe '" + text + "' is not MODALITY:FILE or finger:POSITION:FILE");
  }
  SampleOptions options;
  options.options = command_options.options;
  options.ppi = command_options.ppi;
  options.modality = text.substr(0, first);
  std::string rest = text.substr(first + 1);
  if (options.modality == "finger" || options.modality == "fingerprint") {
    auto second = rest.find(':');
    if (second != std::string::npos && ParseFingerPosition(rest.substr(0, second)).ok()) {
      options.finger = rest.substr(0, second);
      rest = rest.substr(second + 1);
    }
  }
  options.file = rest;
  return options.Build();
}

// The candidate table of one search, its alerts and how to review it.
void PrintCandidates(std::ostream& s, const SearchResult& result) {
  s << "rank  person                    fused ln-LR  per probe (rank in its own list, ln-LR)   decision\n";
  for (std::size_t i = 0; i < result.candidates.size(); ++i) {
    const auto& c = result.candidates[i];
    // "p1 #1 +9.2": probe 1 ranked the person first; "#-" not in its list (compared exactly).
    std::string per_probe;
    for (const ProbeEvidence& e : c.per_probe) {
      per_probe += fmt::format("{}p{} {}{} {:+.1f}", per_probe.empty() ? "" : ", ", e.probe, e.rank > 0 ? "#" : "#-",
                               e.rank > 0 ? std::to_string(e.rank) : "", e.log_lr);
      // DNA evidence is reported in log10 as forensic practice does (the fusion adds natural logs).
      if (e.modality == Modality::kDna) per_probe += fmt::format(" (log10 {:+.1f})", e.log_lr / std::numbers::ln10);
    }
    s << fmt::format("{:>4}  {:<24} {:>12.2f}  {:<40}  {}{}\n", i + 1, c.external_id, c.fused_log_lr, per_probe,
                     c.hit ? "HIT (investigative lead: needs examiner review)" : "-",
                     c.watchlist.empty() ? "" : "  WATCHLIST ALERT");
  }
  for (const WatchlistAlert& alert : result.alerts) {
    s << fmt::format("ALERT {}: {} on watchlist '{}' ({}: {})\n", alert.id, alert.external_id, alert.gallery,
                     alert.authority_reference, alert.reason);
  }
  if (!result.candidates.empty()) s << "review candidates with: abis review search " << result.audit_seq << "\n";
}

// "face 1 at 120,40 88x88 (inter-eye 41.2 px, sharpness 95.1)".
std::string DescribeFace(const SubjectInSample& face) {
  std::string text = fmt::format("face {}", face.index);
  if (face.region) {
    text += fmt::format(" at {:.0f},{:.0f} {:.0f}x{:.0f}", face.region->x, face.region->y, face.region->width,
                        face.region->height);
  }
  if (face.quality.contains("inter_eye_distance_px") && face.quality.contains("sharpness")) {
    text += fmt::format(" (inter-eye {:.1f} px, sharpness {:.1f})", face.quality["inter_eye_distance_px"].get<double>(),
                        face.quality["sharpness"].get<double>());
  }
  return text;
}

struct PurposeOptions {
  std::string purpose;
  std::string case_ref;
  double fmr = 1e-4;
  void AddTo(CLI::App* command) {
    command
        ->add_option("--purpose", purpose,
                     "identity_verification, deduplication, criminal_investigation, missing_person, "
                     "unidentified_remains or border_control")
        ->required();
    command->add_option("--case", case_ref, "case reference")->required();
    command->add_option("--fmr", fmr, "target false match rate of the decision")->capture_default_str();
  }
};

// After an enrolment: `abis search --person` in `gallery` (purpose deduplication), hits recorded
// as leads for the two-person review; adds possible_duplicates and dedup_search_seq to `out`.
Result<SearchResult> SearchDuplicates(AbisSystem& system, const Operator& op, const std::string& person,
                                      const std::string& gallery, const std::string& case_ref, double fmr,
                                      nlohmann::json& out) {
  SearchRequest search;
  search.purpose = Purpose::kDeduplication;
  search.case_ref = case_ref;
  search.gallery = gallery;
  search.probe_person = person;
  search.target_false_match_rate = fmr;
  search.hits_only = true;
  auto found = system.Search(op, search);
  if (!found.ok()) return found.status().WithContext("enrolled; the deduplication search failed");
  SaveIndexSnapshotsQuietly(system);
  nlohmann::json list = nlohmann::json::array();
  for (const CandidateResult& c : found->candidates) {
    list.push_back({{"external_id", c.external_id}, {"fused_ln_lr", c.fused_log_lr}, {"review_id", c.review_id}});
  }
  out["possible_duplicates"] = list;
  out["dedup_search_seq"] = found->audit_seq;
  return found;
}

void PrintDuplicates(std::ostream& s, const SearchResult& duplicates, const std::string& gallery) {
  s << duplicates.candidates.size() << " possible duplicate(s) in '" << gallery << "' (search " << duplicates.audit_seq
    << "; review with abis review search --search " << duplicates.audit_seq << ")\n";
  for (const CandidateResult& c : duplicates.candidates) {
    s << "  " << EscapeForDisplay(c.external_id) << "  fused ln-LR " << c.fused_log_lr << "\n";
  }
}

// What `abis enrol` is told.
struct EnrolOptions {
  std::string person, encounter = "enrollment", agency;
  std::vector<std::string> galleries;
  SampleOptions sample;
  std::string dedup_gallery, dedup_case;  // deduplication after the enrolment
  double dedup_fmr = 1e-4;
  SlapEnrolOptions slap;  // --slap: the file is a slap, cut into fingers (one encounter)
};

// `abis enrol --slap K --file SLAP`: every finger cut from the slap in one encounter, all or
// nothing (a finger its engine rejects refuses the encounter unless partial slaps are accepted).
void EnrolSlap(CliContext& context, const EnrolOptions& options) {
  const SampleOptions& sample = options.sample;
  const SlapEnrolOptions& slap = options.slap;
  const std::string& person = options.person;
  if (!sample.finger.empty()) {
    context.Failed(
        Status::InvalidArgument("--finger and --slap exclude each other: a slap's finger positions come "
                                "from its hand geometry"));
    return;
  }
  auto modality = ParseModality(sample.modality);
  if (context.Failed(modality.status())) return;
  if (*modality != Modality::kFinger) {
    context.Failed(Status::InvalidArgument("--slap needs --modality finger, not " + sample.modality));
    return;
  }
  auto cut = SlapSamplesFromImage(sample.file, sample.ppi, slap);
  if (context.Failed(cut.status())) return;
  EncounterEnrolment request;
  request.person = person;
  request.samples = std::move(cut->samples);
  request.encounter_kind = options.encounter;
  request.source_agency = options.agency;
  request.galleries = options.galleries;
  request.rejected_samples = slap.accept_partial ? EncounterEnrolment::RejectedSamples::kSkip
                                                 : EncounterEnrolment::RejectedSamples::kRefuseAll;
  // The slap's fingers are checked against the finger templates the person already holds.
  auto engine = context.Engine(Modality::kFinger);
  if (context.Failed(engine.status())) return;
  request.check_against_stored =
      SlapSequenceCheckAgainstStored(**engine, sample.file + " (" + slap.slap + " slap)", slap.accept_partial);
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  auto [system, op] = *session;
  auto result = system->EnrolEncounter(op, request);
  if (context.Failed(result.status())) return;
  std::vector<std::string> skipped = cut->skipped;
  for (const SampleRejection& rejection : result->rejected) skipped.push_back(rejection.status.message());
  if (result->samples.empty()) {
    context.Failed(Status::FailedPrecondition(sample.file + ": every finger of the slap was rejected; nothing stored"));
    return;
  }
  nlohmann::json fingers = nlohmann::json::array();
  for (const EnrolResult& enrolled : result->samples) {
    fingers.push_back({{"position", FingerPositionName(enrolled.biometric_template.position)},
                       {"fgp", static_cast<int>(enrolled.biometric_template.position)},
                       {"sample_id", enrolled.sample_id},
                       {"template_id", enrolled.template_id},
                       {"quality", enrolled.biometric_template.quality}});
  }
  nlohmann::json out = {{"person", person},
                        {"person_id", result->person_id},
                        {"encounter", result->encounter_external_id},
                        {"slap", slap.slap},
                        {"fingers", fingers},
                        {"missing_positions", cut->missing_positions},
                        {"skipped", skipped},
                        {"segmentation", cut->report}};
  std::optional<SearchResult> duplicates;
  if (!options.dedup_gallery.empty()) {
    auto found =
        SearchDuplicates(*system, op, person, options.dedup_gallery, options.dedup_case, options.dedup_fmr, out);
    if (context.Failed(found.status())) return;
    duplicates = std::move(found).value();
  }
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << "enrolled " << fingers.size() << " finger(s) of the " << slap.slap << " slap for '" << person
      << "' in encounter " << result->encounter_external_id << "\n";
    for (const auto& finger : fingers) {
      s << "  finger " << finger["fgp"].get<int>() << " (" << finger["position"].get<std::string>() << ") template "
        << finger["template_id"].get<std::int64_t>() << "\n";
    }
    for (const std::string& line : skipped) s << "  not enrolled: " << line << "\n";
    if (duplicates) PrintDuplicates(s, *duplicates, options.dedup_gallery);
  });
}

void AddEnrol(CLI::App& root, CliContext& context) {
  auto options = std::make_shared<EnrolOptions>();
  CLI::App* enrol = root.add_subcommand("enrol", "capture a sample for a person: extract, seal and store its template");
  enrol->alias("enroll");
  enrol->add_option("--person", options->person, "external id")->required();
  options->sample.AddTo(enrol, /*required=*/true);
  enrol
      ->add_option("--encounter", options->encounter,
                   "enrollment, border, booking, latent, body_recovery or reference_sample")
      ->capture_default_str();
  enrol->add_option("--agency", options->agency, "source agency");
  enrol->add_option("--gallery", options->galleries, "also add the person to this gallery (repeatable)");
  enrol->add_option("--dedup", options->dedup_gallery,
                    "then search this gallery with the person (purpose deduplication): hits become review leads");
  enrol->add_option("--case", options->dedup_case, "case reference of the deduplication search (with --dedup)");
  enrol->add_option("--fmr", options->dedup_fmr, "operating point of the deduplication search")->capture_default_str();
  enrol->add_option("--slap", options->slap.slap,
                    "the file is a plain slap (right, left, thumbs, right_thumb, left_thumb): each finger found is "
                    "enrolled at its position, all in one encounter (docs/SLAPS.md)");
  enrol->add_flag("--accept-partial-slap", options->slap.accept_partial,
                  "with --slap: enrol the usable fingers when some are missing or below the quality floor "
                  "(default: nothing is enrolled)");
  enrol->add_option("--min-quality", options->slap.min_quality, "with --slap: each finger's print-quality floor")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  enrol->callback([&context, options] {
    if (!options->dedup_gallery.empty() && options->dedup_case.empty()) {
      context.Failed(Status::InvalidArgument("--dedup needs --case: the deduplication search is audited under it"));
      return;
    }
    if (!options->slap.slap.empty()) {
      EnrolSlap(context, *options);
      return;
    }
    EnrolRequest request;
    request.person = options->person;
    request.encounter_kind = options->encounter;
    request.source_agency = options->agency;
    request.galleries = options->galleries;
    auto sample = options->sample.Build();
    if (context.Failed(sample.status())) return;
    request.sample = std::move(sample).value();
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto result = system->Enrol(op, request);
    if (context.Failed(result.status())) return;
    nlohmann::json out = {{"person", options->person},
                          {"person_id", result->person_id},
                          {"sample_id", result->sample_id},
                          {"template_id", result->template_id},
                          {"modality", ModalityName(request.sample.modality)},
                          {"algorithm", result->biometric_template.algorithm},
                          {"position", FingerPositionName(result->biometric_template.position)},
                          {"quality", result->biometric_template.quality},
                          {"audit_seq", result->audit_seq}};
    // Deduplication after the commit (a lead needs both persons stored): the same search as
    // `abis search --person`, recording only the hits as leads for the two-person review.
    std::optional<SearchResult> duplicates;
    if (!options->dedup_gallery.empty()) {
      auto found = SearchDuplicates(*system, op, options->person, options->dedup_gallery, options->dedup_case,
                                    options->dedup_fmr, out);
      if (context.Failed(found.status())) return;
      duplicates = std::move(found).value();
    }
    PrintResult(context.globals(), out, [&](std::ostream& s) {
      s << "enrolled " << ModalityName(request.sample.modality) << " template " << result->template_id << " for '"
        << options->person << "' (" << result->biometric_template.algorithm << ")\n";
      if (duplicates) PrintDuplicates(s, *duplicates, options->dedup_gallery);
    });
  });
}

struct SearchOptions {
  std::string gallery;
  std::string person;  // search with this stored person's templates
  std::vector<std::string> probes;
  SampleOptions sample;
  PurposeOptions purpose;
  std::size_t top = 10;
  bool each_face = false;
  std::size_t max_faces = EachFaceSearchRequest().max_faces;
};

// `abis search --each-face`: one search per usable face of the still, printed per face.
void PrintEachFaceSearch(CliContext& context, const SearchOptions& options, AbisSystem& system, const Operator& op,
                         SearchRequest search) {
  EachFaceSearchRequest request;
  request.search = std::move(search);
  request.max_faces = options.max_faces;
  auto result = system.SearchEachFace(op, request);
  if (context.Failed(result.status())) return;
  nlohmann::json out = result->ToJson();
  out["purpose"] = options.purpose.purpose;
  out["case_ref"] = options.purpose.case_ref;
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << fmt::format("searched {} of {} face(s) of {} in gallery '{}' (purpose {}, case {}), one audited search each\n",
                     result->searched.size(), result->faces_found, request.search.probes.front().source_name,
                     options.gallery, options.purpose.purpose, options.purpose.case_ref);
    for (const FaceSearch& face : result->searched) {
      s << fmt::format("\n{}: searched {} templates (search {})\n", DescribeFace(face.face), face.result.gallery_size,
                       face.result.audit_seq);
      PrintCandidates(s, face.result);
    }
    for (const SubjectInSample& face : result->skipped) {
      s << fmt::format("\n{}: not searched, below the quality floor: {}\n", DescribeFace(face), face.skipped_detail);
    }
  });
}

void AddSearch(CLI::App& root, CliContext& context) {
  auto options = std::make_shared<SearchOptions>();
  CLI::App* search = root.add_subcommand("search", "1:N identification of probe samples against a gallery");
  search->add_option("--gallery", options->gallery, "gallery name")->required();
  search->add_option("--probe", options->probes, "MODALITY:FILE or finger:POSITION:FILE (repeatable; fused)");
  search->add_option("--person", options->person,
                     "search with this stored person's templates (active encounters); the person is never a "
                     "candidate");
  options->sample.AddTo(search, /*required=*/false);
  options->purpose.AddTo(search);
  search->add_option("--top", options->top, "candidates to return (1-1000)")->capture_default_str();
  search->add_flag("--each-face", options->each_face,
                   "the probe is a face still: search every face above the quality floor (or the one face_index "
                   "picks), one audited search per face, answered per face");
  search
      ->add_option("--max-faces", options->max_faces,
                   "with --each-face: refuse a still with more usable faces than this (1-" +
                       std::to_string(kMaxFacesPerStill) + ")")
      ->capture_default_str();
  search->callback([&context, options] {
    SearchRequest request;
    auto purpose = ParsePurpose(options->purpose.purpose);
    if (context.Failed(purpose.status())) return;
    request.purpose = *purpose;
    request.case_ref = options->purpose.case_ref;
    request.target_false_match_rate = options->purpose.fmr;
    request.gallery = options->gallery;
    request.max_candidates = options->top;
    if (!options->sample.file.empty() || !options->sample.modality.empty()) {
      auto sample = options->sample.Build();
      if (context.Failed(sample.status())) return;
      request.probes.push_back(std::move(sample).value());
    }
    for (const std::string& probe : options->probes) {
      auto sample = ParseProbe(probe, options->sample);
      if (context.Failed(sample.status())) return;
      request.probes.push_back(std::move(sample).value());
    }
    request.probe_person = options->person;
    if (request.probes.empty() && request.probe_person.empty()) {
      context.Failed(
          Status::InvalidArgument("search needs a probe: --modality M --file F, --probe M:F or --person ID"));
      return;
    }
    // One search: the finger indexes read only their shortlists' cylinders from the snapshots.
    auto session = context.OpenAsOperator(SnapshotLoading::kOnDemand);
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (options->each_face) {
      PrintEachFaceSearch(context, *options, *system, op, std::move(request));
      return;
    }
    auto result = system->Search(op, request);
    if (context.Failed(result.status())) return;
    // The next CLI search loads the index from its snapshot instead of rebuilding it.
    SaveIndexSnapshotsQuietly(*system);
    // Search recorded the candidates as reviewable leads (two-person confirmation, `abis review`)
    // and raised stored, audited alerts for hits on active watchlist entries.
    nlohmann::json out = result->ToJson();
    out["purpose"] = options->purpose.purpose;
    out["case_ref"] = options->purpose.case_ref;
    PrintResult(context.globals(), out, [&](std::ostream& s) {
      s << fmt::format("searched {} templates of gallery '{}' (purpose {}, case {})\n", result->gallery_size,
                       options->gallery, options->purpose.purpose, options->purpose.case_ref);
      PrintCandidates(s, *result);
    });
  });
}

void AddVerify(CLI::App& root, CliContext& context) {
  struct Options {
    std::string person;
    SampleOptions sample;
    PurposeOptions purpose;
  };
  auto options = std::make_shared<Options>();
  CLI::App* verify = root.add_subcommand("verify", "1:1 verification of a sample against a claimed identity");
  verify->add_option("--person", options->person, "claimed identity (external id)")->required();
  options->sample.AddTo(verify, /*required=*/true);
  options->purpose.AddTo(verify);
  verify->callback([&context, options] {
    VerifyRequest request;
    auto purpose = ParsePurpose(options->purpose.purpose);
    if (context.Failed(purpose.status())) return;
    request.purpose = *purpose;
    request.case_ref = options->purpose.case_ref;
    request.target_false_match_rate = options->purpose.fmr;
    request.person = options->person;
    auto sample = options->sample.Build();
    if (context.Failed(sample.status())) return;
    request.probes.push_back(std::move(sample).value());
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto result = system->Verify(op, request);
    if (context.Failed(result.status())) return;
    const ComparedGroup& compared = result->probes.front();
    nlohmann::json out = {{"person", options->person},
                          {"match", result->match},
                          {"score", compared.score},
                          {"threshold", compared.threshold},
                          {"ln_lr", compared.log_lr},
                          {"references_compared", compared.references_compared},
                          {"target_fmr", options->purpose.fmr},
                          {"audit_seq", result->audit_seq}};
    PrintResult(context.globals(), out, [&](std::ostream& s) {
      // The raw score decides (against the threshold); the log-LR (natural log) is the weight of
      // evidence that searches fuse and print.
      s << fmt::format("{}: score {:.4f} vs threshold {:.4f} at FMR {:g} over {} reference(s); log-LR (ln) {:+.2f}\n",
                       result->match ? "MATCH" : "NO MATCH", compared.score, compared.threshold, options->purpose.fmr,
                       compared.references_compared, compared.log_lr);
    });
    if (!result->match) context.globals().exit_code = 1;
  });
}

// The ranked candidates of a kinship search, the model they were weighed with and how to review them.
void PrintKinshipSearch(std::ostream& s, const KinshipSearchRequest& request, const KinshipSearchResult& result) {
  const std::string probe = request.probe ? request.probe->source_name : "person " + request.probe_person;
  s << fmt::format("kinship search {} of {} in gallery '{}' (purpose {}, case {}): {} person(s) compared",
                   KinshipDirectionName(result.direction), probe, request.gallery, PurposeName(request.purpose),
                   request.case_ref, result.gallery_persons);
  if (!result.missing_person.empty()) s << fmt::format(", family of missing person {}", result.missing_person);
  s << fmt::format("\nprior {:.4g} per candidate (the rest: none of them)\n", result.prior_per_candidate);
  const nlohmann::json& mutation = result.model.value("mutation_model", nlohmann::json::object());
  s << fmt::format(
      "model: theta {}, stepwise mutation rate {} per meiosis (step ratio {}) on parent-child "
      "transmissions, lowest LR over the populations, several relatives multiplied (independence)\n",
      result.model.value("theta", 0.0), mutation.value("rate_per_meiosis", 0.0), mutation.value("step_ratio", 0.0));
  s << "rank  missing person        candidate person      log10 LR  posterior  pedigree                   "
       "population       relatives used\n";
  for (std::size_t i = 0; i < result.candidates.size(); ++i) {
    const KinshipCandidate& c = result.candidates[i];
    std::string relatives;
    for (const std::string& relative : c.relatives_used) relatives += (relatives.empty() ? "" : ", ") + relative;
    s << fmt::format("{:>4}  {:<20}  {:<20}  {:>+8.2f}  {:>9.4g}  {:<25}  {:<15}  {}\n", i + 1, c.missing_person,
                     c.external_id, c.log10_lr, c.posterior, c.pedigree, c.population, relatives);
  }
  for (const std::string& skipped : result.skipped) s << "skipped " << skipped << "\n";
  if (!result.candidates.empty()) {
    s << "investigative leads, not identifications: review them with abis review search " << result.audit_seq << "\n";
  }
}

void AddKinshipSearch(CLI::App& root, CliContext& context) {
  struct Options {
    std::string gallery, probe, probe_person, direction, purpose, case_ref;
    SampleOptions sample;
    std::size_t top = 10;
    double prior = 0.0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand(
      "search-kinship", "rank missing persons for remains (or remains for a family) by DNA pedigree likelihood ratio");
  command->add_option("--gallery", options->gallery, "the families' gallery, or the remains' gallery")->required();
  command->add_option("--probe", options->probe, "dna:FILE: a remains profile, or a family reference profile");
  command->add_option("--probe-person", options->probe_person,
                      "a stored unidentified_remains person, or a stored missing_person_reference person");
  command->add_option("--sample-option", options->sample.options,
                      "with a family reference probe: missing_person=ID and relationship=NAME");
  command
      ->add_option("--direction", options->direction,
                   "remains-to-families (remains against family references) or family-to-remains")
      ->required();
  command->add_option("--purpose", options->purpose, "unidentified_remains or missing_person")->required();
  command->add_option("--case", options->case_ref, "case reference")->required();
  command->add_option("--top", options->top, "candidates to return (1-1000)")->capture_default_str();
  command->add_option("--prior", options->prior, "prior per candidate (0: uniform 1/(N+1))")->capture_default_str();
  command->callback([&context, options] {
    KinshipSearchRequest request;
    auto purpose = ParsePurpose(options->purpose);
    if (context.Failed(purpose.status())) return;
    auto direction = ParseKinshipDirection(options->direction);
    if (context.Failed(direction.status())) return;
    request.purpose = *purpose;
    request.direction = *direction;
    request.case_ref = options->case_ref;
    request.gallery = options->gallery;
    request.probe_person = options->probe_person;
    request.max_candidates = options->top;
    request.prior_per_candidate = options->prior;
    if (options->probe.empty() == options->probe_person.empty()) {
      context.Failed(
          Status::InvalidArgument("search-kinship needs exactly one of --probe dna:FILE or --probe-person ID"));
      return;
    }
    if (!options->probe.empty()) {
      auto sample = ParseProbe(options->probe, options->sample);
      if (context.Failed(sample.status())) return;
      request.probe = std::move(sample).value();
    }
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto result = system->KinshipSearch(op, request);
    if (context.Failed(result.status())) return;
    nlohmann::json out = result->ToJson();
    out["purpose"] = options->purpose;
    out["case_ref"] = options->case_ref;
    out["gallery"] = options->gallery;
    PrintResult(context.globals(), out, [&](std::ostream& s) { PrintKinshipSearch(s, request, *result); });
  });
}

// The DVI job's report as a table: the same-individual groups, the assignments with their
// runners-up and flags, the unassigned.
void PrintDviJob(std::ostream& s, const DviJobRequest& request, const DviJobResult& result) {
  auto remains_of = [&](std::size_t group) {
    std::string out;
    for (const std::string& remains : result.groups[group].remains) out += (out.empty() ? "" : "+") + remains;
    return out;
  };
  s << fmt::format(
      "DVI job (purpose {}, case {}): {} remains in gallery '{}' against {} missing person(s) in gallery '{}'\n",
      PurposeName(request.purpose), request.case_ref, result.remains_persons, request.remains_gallery,
      result.missing_persons.size(), request.families_gallery);
  s << fmt::format(
      "assignment threshold log10 LR >= {:g}; same individual at direct-match log10 LR >= {:g}; prior {:.4g} per "
      "missing person (posterior over each remains' row)\n",
      result.assignment_log10_lr, result.same_individual_log10_lr, result.prior_per_missing_person);
  for (std::size_t g = 0; g < result.groups.size(); ++g) {
    if (result.groups[g].remains.size() < 2) continue;
    s << fmt::format("same individual: {} (weakest direct match log10 LR {:.2f}; weighed with {})\n", remains_of(g),
                     result.groups[g].weakest_link_log10_lr, result.groups[g].remains.front());
  }
  s << "remains                 missing person        log10 LR  posterior  runner-up             margin  "
       "pedigree              flags\n";
  for (const DviAssignment& a : result.assignments) {
    s << fmt::format("{:<22}  {:<20}  {:>+8.2f}  {:>9.4g}  {:<20}  {:>6}  {:<20}  {}\n", remains_of(a.group),
                     a.missing_person, a.log10_lr, a.posterior, a.runner_up.empty() ? "-" : a.runner_up,
                     std::isfinite(a.margin_log10) ? fmt::format("{:.2f}", a.margin_log10) : "-", a.pedigree,
                     a.conflicts.empty() ? "" : "CONFLICT");
    for (const std::string& conflict : a.conflicts) s << "    ! " << conflict << "\n";
  }
  for (std::size_t g : result.unassigned_groups) {
    const DviGroup& group = result.groups[g];
    s << "unassigned remains " << remains_of(g);
    if (!group.scores.empty()) {
      s << fmt::format(" (best {} at log10 LR {:.2f})", group.scores.front().missing_person,
                       group.scores.front().log10_lr);
    }
    s << "\n";
  }
  if (!result.unassigned_missing_persons.empty()) {
    std::string list;
    for (const std::string& missing : result.unassigned_missing_persons) list += (list.empty() ? "" : ", ") + missing;
    s << "unassigned missing persons: " << list << "\n";
  }
  for (const std::string& skipped : result.skipped) s << "skipped " << skipped << "\n";
  if (!result.assignments.empty()) {
    s << "investigative leads, not identifications: review them with abis review search " << result.audit_seq << "\n";
  }
}

void AddDvi(CLI::App& root, CliContext& context) {
  struct Options {
    std::string remains_gallery, families_gallery, purpose, case_ref, report;
    double threshold = 4.0;
    double same_individual = 6.0;
    double prior = 0.0;
    bool progress = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand(
      "dvi", "disaster victim identification: every remains against every family, with the joint assignment");
  command->add_option("--remains-gallery", options->remains_gallery, "the gallery of unidentified_remains persons")
      ->required();
  command->add_option("--families-gallery", options->families_gallery, "the gallery of family reference persons")
      ->required();
  command->add_option("--purpose", options->purpose, "unidentified_remains")->required();
  command->add_option("--case", options->case_ref, "case reference")->required();
  command->add_option("--threshold-log10", options->threshold, "assign a pair at log10 LR >= this (> 0)")
      ->capture_default_str();
  command
      ->add_option("--same-individual-log10", options->same_individual,
                   "two remains are one person at direct-match log10 LR >= this (> 0)")
      ->capture_default_str();
  command->add_option("--prior", options->prior, "prior per missing person (0: uniform 1/(M+1))")
      ->capture_default_str();
  command->add_option("--report", options->report, "write the full JSON report (with the LR matrix) to this file");
  command->add_flag("--progress", options->progress, "show progress on stderr (shown anyway from 20 remains)");
  command->callback([&context, options] {
    DviJobRequest request;
    auto purpose = ParsePurpose(options->purpose);
    if (context.Failed(purpose.status())) return;
    request.purpose = *purpose;
    request.case_ref = options->case_ref;
    request.remains_gallery = options->remains_gallery;
    request.families_gallery = options->families_gallery;
    request.assignment_log10_lr = options->threshold;
    request.same_individual_log10_lr = options->same_individual;
    request.prior_per_missing_person = options->prior;
    const bool always = options->progress;
    request.progress = [always](const DviProgress& step) {
      if (!always && step.remains_total < 20) return;
      const std::size_t every = std::max<std::size_t>(1, step.remains_total / 20);
      if (step.remains_done % every != 0 && step.remains_done != step.remains_total) return;
      std::cerr << fmt::format("dvi: weighed {}/{} remains ({})\n", step.remains_done, step.remains_total,
                               step.remains);
    };
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto result = system->IdentifyDisasterVictims(op, request);
    if (context.Failed(result.status())) return;
    nlohmann::json out = result->ToJson();
    out["purpose"] = options->purpose;
    out["case_ref"] = options->case_ref;
    out["remains_gallery"] = options->remains_gallery;
    out["families_gallery"] = options->families_gallery;
    if (!options->report.empty()) {
      std::ofstream file(options->report);
      file << out.dump(2) << "\n";
      file.close();
      if (!file) {
        context.Failed(Status::IoError("could not write the DVI report to '" + options->report + "'"));
        return;
      }
    }
    PrintResult(context.globals(), out, [&](std::ostream& s) { PrintDviJob(s, request, *result); });
  });
}

}  // namespace

void AddBiometricCommands(CLI::App& root, CliContext& context) {
  AddEnrol(root, context);
  AddSearch(root, context);
  AddKinshipSearch(root, context);
  AddDvi(root, context);
  AddVerify(root, context);
}

}  // namespace abis::cli
