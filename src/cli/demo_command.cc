// `abis demo`: the main job of the system end to end on a fresh embedded store, with every
// modality this build has: users and roles, enrolment, fused 1:N identification with rank-1
// figures, verification, a watchlist alert, two-person confirmation, crypto-erase, retention,
// a subject access report and audit verification.
#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "abis/access/users.h"
#include "abis/core/paths.h"
#include "abis/core/time.h"
#include "abis/store/crypto.h"
#include "abis/system/alerts.h"
#include "abis/system/candidate_review.h"
#include "cli_context.h"

namespace abis::cli {
namespace {

constexpr const char* kDemoMarker = ".abis-demo-store";

struct DemoOptions {
  std::string dir = "demo-store";
  int subjects = 20;
  std::uint32_t seed = 2026;
};

// Prints a step heading (human mode only).
class Narrator {
 public:
  explicit Narrator(bool quiet) : quiet_(quiet) {}
  void Step(const std::string& text) {
    if (!quiet_) std::cout << "\n== " << text << "\n";
  }
  void Line(const std::string& text) {
    if (!quiet_) std::cout << "   " << text << "\n";
  }
  void Progress(const std::string& what, int done, int total) {
    if (quiet_) return;
    std::cerr << "\r   " << what << " " << done << "/" << total << std::flush;
    if (done == total) std::cerr << "\n";
  }

 private:
  bool quiet_;
};

Status PrepareFolder(const std::filesystem::path& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error)) {
    if (!std::filesystem::exists(dir / kDemoMarker)) {
      return Status::AlreadyExists(dir.string() + " exists and is not a demo store; refusing to overwrite it");
    }
    std::filesystem::remove_all(dir, error);
    if (error) return Status::IoError("cannot remove old demo store " + dir.string() + ": " + error.message());
  }
  return Status::Ok();
}

Status RunDemo(CliContext& context, const DemoOptions& options) {
  // Five at least: the demo watches person 3, erases person 4 and lets the last one expire.
  if (options.subjects < 5 || options.subjects > 1000) return Status::InvalidArgument("--subjects must be 5-1000");
  Narrator say(context.globals().json);
  auto started = std::chrono::steady_clock::now();
  std::filesystem::path dir = options.dir;
  ABIS_RETURN_IF_ERROR(PrepareFolder(dir));

  say.Step("1. A new store: master key, admin, and one operator per role");
  ABIS_ASSIGN_OR_RETURN(InitializedStore initialized, AbisSystem::Initialize(dir, "admin", {{"demo", true}}));
  std::ofstream(dir / kDemoMarker) << "created by abis demo; `abis demo` may delete and recreate this folder\n";
  ABIS_ASSIGN_OR_RETURN(auto system, AbisSystem::Open(dir, [&context](Modality m) { return context.Engine(m); }));
  Operator admin = initialized.admin;
  // Every operator's key is kept in <dir>/keys/<name>.key (mode 0600), so that the demo store can
  // be explored afterwards: abis --store <dir> --key-file <dir>/keys/examiner-a.key review ...
  const std::filesystem::path keys = dir / "keys";
  std::error_code made;
  std::filesystem::create_directories(keys, made);
  if (made) return Status::IoError("cannot create " + keys.string() + ": " + made.message());
  ABIS_RETURN_IF_ERROR(CreateOwnerOnlyFile(keys / "admin.key", initialized.admin_api_key + "\n", "the admin's key file"));
  std::map<std::string, Operator> staff;
  for (const auto& [name, role] : std::vector<std::pair<std::string, Role>>{{"registrar", Role::kEnroller},
                                                                            {"investigator", Role::kInvestigator},
                                                                            {"examiner-a", Role::kExaminer},
                                                                            {"examiner-b", Role::kExaminer},
                                                                            {"auditor", Role::kAuditor}}) {
    ABIS_ASSIGN_OR_RETURN(auto added, system->AddUser(admin, name, role));
    staff[name] = Operator{added.first.id, name, role};
    ABIS_RETURN_IF_ERROR(CreateOwnerOnlyFile(keys / (name + ".key"), added.second + "\n", "a demo operator's key file"));
    say.Line(fmt::format("{:<13} {}", name, RoleName(role)));
  }
  say.Line("store: " + std::filesystem::absolute(dir).string());
  say.Line("keys:  " + std::filesystem::absolute(keys).string() + "/<name>.key (explore later with --key-file)");

  say.Step("2. Galleries");
  for (const auto& [name, kind] : std::vector<std::pair<std::string, GalleryKind>>{
           {"national_register", GalleryKind::kRegister}, {"wanted", GalleryKind::kWatchlist}}) {
    Gallery gallery;
    gallery.name = name;
    gallery.kind = kind;
    ABIS_RETURN_IF_ERROR(system->CreateGallery(admin, gallery).status());
    say.Line(name + " (" + std::string(GalleryKindName(kind)) + ")");
  }

  say.Step("3. Demo data per modality");
  EngineConfig config;
  config.model_dir = ModelDir();
  config.resource_dir = ResourceDir();
  std::map<Modality, std::vector<DemoSubject>> data;
  nlohmann::json sources = nlohmann::json::object();
  for (const ModalityPlugin& plugin : ModalityPlugins()) {
    std::string name(ModalityName(plugin.modality));
    if (!plugin.make_demo_subjects) continue;
    auto engine = context.Engine(plugin.modality);
    if (!engine.ok()) {
      say.Line(name + ": skipped (" + engine.status().message() + ")");
      sources[name] = "skipped: " + engine.status().message();
      continue;
    }
    std::string note;
    auto subjects = plugin.make_demo_subjects(config, options.subjects, options.seed, note);
    if (!subjects.ok()) return subjects.status().WithContext("demo data for " + name);
    say.Line(fmt::format("{:<7} {} subjects: {}", name, subjects->size(), note));
    sources[name] = note;
    if (!subjects->empty()) data[plugin.modality] = std::move(subjects).value();
  }
  if (data.empty()) return Status::FailedPrecondition("this build has no modality with demo data");
  int persons = 0;
  for (const auto& [modality, subjects] : data) persons = std::max(persons, static_cast<int>(subjects.size()));

  say.Step(fmt::format("4. Enrolment of {} persons by the registrar", persons));
  const Operator& registrar = staff["registrar"];
  auto external_id = [](int i) { return fmt::format("P-{:04}", i + 1); };
  int templates = 0;
  std::vector<std::string> enrol_failures;
  for (int i = 0; i < persons; ++i) {
    Person person;
    person.external_id = external_id(i);
    person.category = i % 7 == 6 ? PersonCategory::kForeignNational : PersonCategory::kCitizen;
    person.legal_basis = "Demo Civil Register Act 2026, s.12 (enrolment for identity documents)";
    // The last person's record may be kept until today only: step 10 applies retention as of
    // tomorrow and erases it (a retention date in the past is refused when a person is added).
    person.retention_until = i == persons - 1 ? TodayUtc() : "2040-12-31";
    ABIS_RETURN_IF_ERROR(system->AddPerson(admin, person).status());
    for (const auto& [modality, subjects] : data) {
      if (i >= static_cast<int>(subjects.size())) continue;
      for (const SampleInput& sample : subjects[static_cast<std::size_t>(i)].enrol) {
        EnrolRequest request;
        request.person = person.external_id;
        request.sample = sample;
        request.galleries = {"national_register"};
        auto enrolled = system->Enrol(registrar, request);
        if (enrolled.ok()) {
          ++templates;
        } else {
          enrol_failures.push_back(subjects[static_cast<std::size_t>(i)].label + ": " + enrolled.status().message());
        }
      }
    }
    say.Progress("enrolled", i + 1, persons);
  }
  say.Line(fmt::format("{} templates sealed in the store; {} failures to enrol", templates, enrol_failures.size()));
  for (const auto& failure : enrol_failures) say.Line("  failed: " + failure);

  say.Step("5. 1:N identification of new captures (investigator, purpose criminal_investigation)");
  const Operator& investigator = staff["investigator"];
  nlohmann::json rank1 = nlohmann::json::object();
  std::int64_t last_search_seq = 0;
  std::vector<Modality> modalities;
  for (const auto& [modality, subjects] : data) modalities.push_back(modality);
  // One search per modality alone, then all modalities fused, for every person.
  std::vector<std::pair<std::string, std::vector<Modality>>> plans;
  for (Modality modality : modalities) plans.push_back({std::string(ModalityName(modality)), {modality}});
  if (modalities.size() > 1) plans.push_back({"fused", modalities});
  for (const auto& [plan_name, plan_modalities] : plans) {
    int correct = 0, searched = 0;
    for (int i = 0; i < persons; ++i) {
      SearchRequest request;
      request.purpose = Purpose::kCriminalInvestigation;
      request.case_ref = "DEMO-CASE-" + std::to_string(i + 1);
      request.gallery = "national_register";
      request.max_candidates = 5;
      for (Modality modality : plan_modalities) {
        const auto& subjects = data[modality];
        if (i < static_cast<int>(subjects.size())) {
          for (const auto& probe : subjects[static_cast<std::size_t>(i)].probe) request.probes.push_back(probe);
        }
      }
      if (request.probes.empty()) continue;
      auto result = system->Search(investigator, request);
      ++searched;
      if (result.ok()) {
        last_search_seq = result->audit_seq;
        if (!result->candidates.empty() && result->candidates[0].external_id == external_id(i)) ++correct;
      }
      say.Progress(plan_name + " searches", i + 1, persons);
    }
    double rate = searched > 0 ? static_cast<double>(correct) / searched : 0.0;
    rank1[plan_name] = {{"searches", searched}, {"rank1", correct}, {"rank1_rate", rate}};
    say.Line(fmt::format("{:<7} rank-1 identification {}/{} ({:.1f}%)", plan_name, correct, searched, 100.0 * rate));
  }

  say.Step("6. 1:1 verification at the border (registrar, purpose border_control, FMR 1e-4)");
  Modality verify_modality = modalities.front();
  nlohmann::json verification = nlohmann::json::array();
  for (int claimed : {0, 1}) {
    VerifyRequest request;
    request.purpose = Purpose::kBorderControl;
    request.case_ref = "BORDER-DEMO";
    request.person = external_id(claimed);
    request.probes = {data[verify_modality][0].probe.front()};
    auto result = system->Verify(registrar, request);
    if (!result.ok()) return result.status().WithContext("demo verification");
    const ComparedGroup& compared = result->probes.front();
    say.Line(fmt::format("capture of {} claims to be {}: {} (score {:.3f}, threshold {:.3f})", external_id(0),
                         external_id(claimed), result->match ? "MATCH" : "NO MATCH", compared.score, compared.threshold));
    verification.push_back({{"claimed", external_id(claimed)}, {"match", result->match}, {"score", compared.score}});
  }

  say.Step("7. Watchlist: a wanted person is captured again");
  std::string wanted = external_id(2);
  ABIS_RETURN_IF_ERROR(
      system->AddWatchlistEntry(staff["examiner-a"], "wanted", wanted, "Warrant 2026/117", "fraud", "2030-01-01").status());
  SearchRequest watch_request;
  watch_request.purpose = Purpose::kBorderControl;
  watch_request.case_ref = "BORDER-DEMO-2";
  watch_request.gallery = "wanted";
  for (Modality modality : modalities) {
    for (const auto& probe : data[modality][2].probe) watch_request.probes.push_back(probe);
  }
  ABIS_ASSIGN_OR_RETURN(SearchResult watch_result, system->Search(investigator, watch_request));
  const std::vector<WatchlistAlert>& alerts = watch_result.alerts;
  std::vector<std::int64_t> candidate_ids;
  for (const CandidateResult& candidate : watch_result.candidates) candidate_ids.push_back(candidate.review_id);
  for (const auto& alert : alerts) {
    say.Line(fmt::format("ALERT {}: {} on '{}' ({}: {})", alert.id, alert.external_id, alert.gallery,
                         alert.authority_reference, alert.reason));
  }
  if (alerts.empty()) say.Line("no alert raised");

  say.Step("8. Two-person confirmation of the lead");
  std::string review_state = "none";
  if (!candidate_ids.empty()) {
    ABIS_RETURN_IF_ERROR(system->DecideOnCandidate(staff["examiner-a"], candidate_ids[0],
                                           CandidateDecision::kConfirm, "minutiae and face agree")
                             .status());
    auto same_again = system->DecideOnCandidate(staff["examiner-a"], candidate_ids[0],
                                        CandidateDecision::kConfirm, "again");
    say.Line("examiner-a confirms; examiner-a again: " +
             (same_again.ok() ? std::string("accepted (unexpected)") : "refused (" + same_again.status().message() + ")"));
    ABIS_ASSIGN_OR_RETURN(CandidateReview review, system->DecideOnCandidate(staff["examiner-b"], candidate_ids[0],
                                                                    CandidateDecision::kConfirm, "independent check"));
    review_state = std::string(ReviewStateName(review.state));
    say.Line("examiner-b confirms: state " + review_state);
  }

  say.Step("9. Deletion is real: a court order erases a person");
  std::string erased = external_id(3);
  ABIS_RETURN_IF_ERROR(system->DeletePerson(admin, erased, "Court order 44/2026: unlawful enrolment"));
  SearchRequest after_delete;
  after_delete.purpose = Purpose::kCriminalInvestigation;
  after_delete.case_ref = "DEMO-AFTER-DELETE";
  after_delete.gallery = "national_register";
  after_delete.probes = data[modalities.front()][3].probe;
  ABIS_ASSIGN_OR_RETURN(SearchResult erased_search, system->Search(investigator, after_delete));
  bool erased_found = false;
  for (const auto& candidate : erased_search.candidates) erased_found |= candidate.external_id == erased;
  say.Line(erased + (erased_found ? " is STILL found (unexpected)" : " no longer appears in searches"));

  say.Step("10. Retention");
  const auto tomorrow = std::chrono::year_month_day(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + std::chrono::days(1));
  const std::string as_of = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(tomorrow.year()),
                                        static_cast<unsigned>(tomorrow.month()), static_cast<unsigned>(tomorrow.day()));
  RetentionRequest retention_request;
  retention_request.today = as_of;
  retention_request.date_reason = "demo: retention applied as of tomorrow, when the last subject's record has expired";
  retention_request.batch_size = 100;
  ABIS_ASSIGN_OR_RETURN(RetentionReport retention, system->ApplyRetention(admin, retention_request));
  say.Line(fmt::format("{} person(s) past their retention date deleted (retention applied as of {})",
                       retention.deleted, as_of));

  say.Step("11. Oversight: subject access report and audit verification (auditor)");
  const Operator& auditor = staff["auditor"];
  ABIS_ASSIGN_OR_RETURN(SubjectAccessReport report, system->SubjectReport(auditor, external_id(0)));
  say.Line(fmt::format("{}: {} templates held, returned by {} searches, {} other audited actions", external_id(0),
                       report.templates.size(), report.searches_returning_subject.size(), report.history.size()));
  ABIS_ASSIGN_OR_RETURN(AuditVerification audit, system->VerifyAudit(auditor));
  say.Line(fmt::format("audit chain {}: {} entries, head {}", audit.intact ? "intact" : "BROKEN", audit.entries,
                       audit.head_hash));

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json summary = {{"store", std::filesystem::absolute(dir).string()},
                            {"persons", persons},
                            {"templates", templates},
                            {"failures_to_enrol", enrol_failures.size()},
                            {"data", sources},
                            {"rank1", rank1},
                            {"verification", verification},
                            {"watchlist_alerts", alerts.size()},
                            {"review_state", review_state},
                            {"erased_person_found", erased_found},
                            {"retention_deleted", retention.deleted},
                            {"audit_intact", audit.intact},
                            {"audit_entries", audit.entries},
                            {"last_search_seq", last_search_seq},
                            {"seconds", seconds}};
  if (context.globals().json) {
    PrintResult(context.globals(), summary);
  } else {
    std::cout << fmt::format("\ndemo finished in {:.1f} s; explore it with: ABIS_STORE={} abis audit verify\n", seconds,
                             std::filesystem::absolute(dir).string());
  }
  if (!audit.intact || erased_found) context.globals().exit_code = 1;
  return Status::Ok();
}

}  // namespace

void AddDemoCommand(CLI::App& root, CliContext& context) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* demo = root.add_subcommand("demo", "run the end-to-end demonstration on a fresh store");
  demo->add_option("--dir", options->dir, "demo store folder (recreated; refuses a non-demo folder)")->capture_default_str();
  demo->add_option("--subjects", options->subjects, "persons to enrol (5-1000)")->capture_default_str();
  demo->add_option("--seed", options->seed, "seed of the synthetic data")->capture_default_str();
  demo->callback([&context, options] { context.Failed(RunDemo(context, *options)); });
}

}  // namespace abis::cli
