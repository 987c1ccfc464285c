// `abis review`: two-person confirmation of 1:N candidates from the command line (the same
// rules and audit entries as the service's /v1/candidates endpoints).
#include <iostream>

#include "abis/core/text_validation.h"
#include "abis/store/watchlist_alert.h"
#include "abis/system/candidate_review.h"
#include "cli_context.h"

namespace abis::cli {
namespace {

void PrintReview(CliContext& context, const CandidateReview& review) {
  PrintResult(context.globals(), review.ToJson(), [&](std::ostream& out) {
    out << "candidate " << review.candidate_id << " (search " << review.search_seq << ", rank " << review.rank
        << "): person " << EscapeForDisplay(review.external_id) << ", fused ln-LR " << review.fused_log_lr << ", "
        << ReviewStateName(review.state) << "\n";
    // A kinship or DVI lead stands for more than its person: say which missing person and why.
    if (review.context.contains("missing_person")) {
      out << "  lead for missing person " << EscapeForDisplay(review.context.value("missing_person", "")) << " ("
          << review.context.value("kind", "") << ", pedigree " << review.context.value("pedigree", "") << ", log10 LR "
          << review.context.value("log10_lr", 0.0) << ")\n";
    }
    for (const auto& decision : review.decisions) {
      out << "  " << decision.decided_at << "  " << decision.examiner << "  "
          << CandidateDecisionName(decision.decision)
          << (decision.comment.empty() ? "" : "  \"" + decision.comment + "\"") << "\n";
    }
  });
}

}  // namespace

void AddReviewCommand(CLI::App& root, CliContext& context) {
  CLI::App* review = root.add_subcommand("review", "two-person confirmation of 1:N search candidates");
  review->require_subcommand(1);

  auto candidate_id = std::make_shared<std::int64_t>(0);
  CLI::App* show = review->add_subcommand("show", "show a candidate's review state and decisions");
  show->add_option("candidate,--candidate", *candidate_id, "candidate id (from an identification)")->required();
  show->callback([&context, candidate_id] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto review_result = system->ReadCandidateReview(op, *candidate_id);
    if (context.Failed(review_result.status())) return;
    PrintReview(context, *review_result);
  });

  auto search_seq = std::make_shared<std::int64_t>(0);
  CLI::App* search = review->add_subcommand("search", "list the candidates of one search and their states");
  search->add_option("search_seq,--search", *search_seq, "audit sequence number of the search")->required();
  search->callback([&context, search_seq] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto reviews = system->ReadSearchReviews(op, *search_seq);
    if (context.Failed(reviews.status())) return;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& item : *reviews) list.push_back(item.ToJson());
    PrintResult(context.globals(), {{"candidates", list}}, [&](std::ostream& out) {
      for (const auto& item : *reviews) {
        out << item.candidate_id << "  rank " << item.rank << "  " << EscapeForDisplay(item.external_id) << "  "
            << ReviewStateName(item.state) << "\n";
      }
    });
  });

  struct DecideOptions {
    std::int64_t candidate = 0;
    std::string decision;
    std::string comment;
  };
  auto options = std::make_shared<DecideOptions>();
  CLI::App* decide =
      review->add_subcommand("decide", "record this examiner's decision (confirm, reject or inconclusive)");
  decide->add_option("candidate,--candidate", options->candidate, "candidate id")->required();
  decide->add_option("--decision", options->decision, "confirm, reject or inconclusive")->required();
  decide->add_option("--comment", options->comment, "the examiner's reasons (audited)");
  decide->callback([&context, options] {
    auto decision = ParseCandidateDecision(options->decision);
    if (context.Failed(decision.status())) return;
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto review_result = system->DecideOnCandidate(op, options->candidate, *decision, options->comment);
    if (context.Failed(review_result.status())) return;
    PrintReview(context, *review_result);
  });

  // The watchlist alerts that searches raised (the same as the service's GET /v1/alerts).
  struct AlertOptions {
    std::int64_t after = 0;
    int limit = 100;
  };
  auto alert_options = std::make_shared<AlertOptions>();
  CLI::App* alerts = root.add_subcommand("alerts", "watchlist alerts raised by searches")->require_subcommand(1);
  CLI::App* list = alerts->add_subcommand("list", "alerts after an id, oldest first (investigator, examiner)");
  list->add_option("--after", alert_options->after, "list alerts with a larger id")->capture_default_str();
  list->add_option("--limit", alert_options->limit, "at most this many (1-1000)")->capture_default_str();
  list->callback([&context, alert_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto listed = system->ListAlerts(op, alert_options->after, alert_options->limit);
    if (context.Failed(listed.status())) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const WatchlistAlert& alert : *listed) rows.push_back(alert.ToJson());
    PrintResult(context.globals(), {{"alerts", rows}}, [&](std::ostream& out) {
      for (const WatchlistAlert& alert : *listed) {
        out << alert.id << "  " << alert.raised_at << "  " << EscapeForDisplay(alert.external_id) << " on '"
            << EscapeForDisplay(alert.gallery) << "' (" << EscapeForDisplay(alert.authority_reference) << ")  search "
            << alert.search_seq << " by " << alert.operator_name << ", case " << EscapeForDisplay(alert.case_ref)
            << "\n";
      }
      if (listed->empty()) out << "no alerts after " << alert_options->after << "\n";
    });
  });
}

}  // namespace abis::cli
