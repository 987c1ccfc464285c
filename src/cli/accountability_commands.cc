#include <array>
#include <fstream>
#include <iostream>
#include <optional>

#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "abis/store/crypto.h"
#include "cli_context.h"
#include "record_json.h"

namespace abis::cli {
namespace {

void PrintVerification(CliContext& context, const AuditVerification& report) {
  nlohmann::json out = {{"intact", report.intact}, {"entries", report.entries}, {"head_hash", report.head_hash}};
  if (report.anchor_seq > 0) out["anchor_seq"] = report.anchor_seq;
  if (!report.intact) {
    out["first_bad_entry"] = report.first_bad_seq;
    out["problem"] = report.problem;
  }
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    if (report.intact) {
      s << "audit chain intact: " << report.entries << " entries, head " << report.head_hash;
      if (report.anchor_seq > 0) s << "; it still holds anchored entry " << report.anchor_seq;
      s << "\n";
    } else {
      s << "audit chain BROKEN at entry " << report.first_bad_seq << ": " << report.problem << "\n";
    }
  });
  if (!report.intact) {
    std::cerr << "abis: audit chain broken at entry " << report.first_bad_seq << ": " << report.problem << "\n";
    context.globals().exit_code = 1;
  }
}

struct VerifyOptions {
  std::string anchor;      // --anchor: a checkpoint written by `audit checkpoint`
  std::string public_key;  // --public-key: the auditor's public key the anchor must be signed with
};

struct Anchor {
  AuditCheckpoint checkpoint;
  std::optional<std::array<std::uint8_t, 32>> public_key;
};

Result<Anchor> ReadAnchor(const VerifyOptions& options) {
  Anchor anchor;
  ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, ReadFileBytes(options.anchor, 64 * 1024));
  auto json = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::InvalidArgument("anchor " + options.anchor + " is not JSON");
  auto checkpoint = AuditCheckpoint::FromJson(json);
  if (!checkpoint.ok()) return checkpoint.status().WithContext("anchor " + options.anchor);
  anchor.checkpoint = std::move(checkpoint).value();
  if (!options.public_key.empty()) {
    ABIS_ASSIGN_OR_RETURN(anchor.public_key, LoadAuditPublicKey(options.public_key));
  }
  return anchor;
}

// Verification needs neither the master key nor an operator: an oversight body can check a copy
// of the database offline. With an API key, the verification itself is audited.
void RunAuditVerify(CliContext& context, const VerifyOptions& options) {
  std::optional<Anchor> anchor;
  if (!options.anchor.empty()) {
    auto read = ReadAnchor(options);
    if (context.Failed(read.status())) return;
    anchor = std::move(read).value();
  } else if (!options.public_key.empty()) {
    context.Failed(Status::InvalidArgument("--public-key checks an anchor: give --anchor FILE too"));
    return;
  }
  bool have_key = !context.globals().key_file.empty() || std::getenv("ABIS_API_KEY") != nullptr;
  if (have_key) {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto report = anchor ? system->VerifyAudit(op, &anchor->checkpoint, anchor->public_key) : system->VerifyAudit(op);
    if (context.Failed(report.status())) return;
    PrintVerification(context, *report);
    return;
  }
  auto dir = context.StoreDir();
  if (context.Failed(dir.status())) return;
  auto report = anchor ? AbisSystem::VerifyAuditOffline(*dir, &anchor->checkpoint, anchor->public_key)
                       : AbisSystem::VerifyAuditOffline(*dir);
  if (context.Failed(report.status())) return;
  PrintVerification(context, *report);
}

// `audit keygen`: the auditor's signing key pair, kept away from the store.
void RunAuditKeygen(CliContext& context, const std::string& out) {
  auto key = CreateAuditSigningKey(out);
  if (context.Failed(key.status())) return;
  const std::string public_key = HexEncode(key->public_key);
  PrintResult(context.globals(), {{"signing_key", out}, {"public_key_file", out + ".pub"}, {"public_key", public_key}},
              [&](std::ostream& s) {
                s << "audit signing key written to " << out << " (mode 0600; keep it away from the store)\n"
                  << "public key " << public_key << " in " << out << ".pub\n";
              });
}

// `audit checkpoint`: signs the head of a verified chain (auditor or admin, as `audit verify`).
void RunAuditCheckpoint(CliContext& context, const std::string& signing_key_file, const std::string& out) {
  auto key = LoadAuditSigningKey(signing_key_file);
  if (!key.ok() && key.status().code() == StatusCode::kNotFound) {
    key = Status::NotFound(key.status().message() + "; create one with `abis audit keygen --out " + signing_key_file +
                           "` and keep it away from the store");
  }
  if (context.Failed(key.status())) return;
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  auto [system, op] = *session;
  auto checkpoint = system->CheckpointAudit(op, *key);  // role check, signature and audit entry
  if (context.Failed(checkpoint.status())) return;
  const nlohmann::json anchor = checkpoint->ToJson();
  if (!out.empty()) {
    std::ofstream file(out, std::ios::trunc);
    file << anchor.dump(2) << "\n";
    file.close();
    if (!file) {
      context.Failed(Status::IoError("cannot write the anchor to '" + out + "'"));
      return;
    }
  }
  if (out.empty()) {
    PrintResult(context.globals(), anchor);
    return;
  }
  PrintResult(context.globals(), {{"anchor", out}, {"seq", checkpoint->seq}, {"entry_hash", checkpoint->entry_hash}},
              [&](std::ostream& s) {
                s << "anchored entry " << checkpoint->seq << " (" << checkpoint->entry_hash << ") in " << out
                  << "; keep it away from the store\n";
              });
}

}  // namespace

void AddAccountabilityCommands(CLI::App& root, CliContext& context) {
  CLI::App* audit = root.add_subcommand("audit", "the tamper-evident audit log")->require_subcommand(1);
  auto verify_options = std::make_shared<VerifyOptions>();
  CLI::App* verify =
      audit->add_subcommand("verify", "walk the hash chain; exit 1 and name the first bad entry if broken");
  verify->add_option("--anchor", verify_options->anchor,
                     "a checkpoint from `audit checkpoint`: the log must still hold its entry, unchanged");
  verify->add_option("--public-key", verify_options->public_key,
                     "the auditor's public key file (from `audit keygen`) the anchor must be signed with");
  verify->callback([&context, verify_options] { RunAuditVerify(context, *verify_options); });

  auto keygen_out = std::make_shared<std::string>();
  CLI::App* keygen = audit->add_subcommand("keygen", "create the auditor's checkpoint signing key (Ed25519)");
  keygen->add_option("--out", *keygen_out, "secret key file to create (mode 0600); the public key goes to FILE.pub")
      ->required();
  keygen->callback([&context, keygen_out] { RunAuditKeygen(context, *keygen_out); });

  struct CheckpointOptions {
    std::string signing_key, out;
  };
  auto checkpoint_options = std::make_shared<CheckpointOptions>();
  CLI::App* checkpoint =
      audit->add_subcommand("checkpoint", "sign the head of the verified chain: an anchor to keep away from the store");
  checkpoint->add_option("--signing-key", checkpoint_options->signing_key, "secret key file from `audit keygen`")
      ->required();
  checkpoint->add_option("--out", checkpoint_options->out, "anchor file to write (default: standard output)");
  checkpoint->callback([&context, checkpoint_options] {
    RunAuditCheckpoint(context, checkpoint_options->signing_key, checkpoint_options->out);
  });

  struct ExportOptions {
    AuditFilter filter;
    std::string out;
  };
  auto export_options = std::make_shared<ExportOptions>();
  CLI::App* exporter = audit->add_subcommand("export", "write audit entries as JSON lines (filters combine)");
  exporter->add_option("--since", export_options->filter.since, "ISO 8601 time or date; entries at or after it");
  exporter->add_option("--until", export_options->filter.until, "ISO 8601 time or date; entries before it");
  exporter->add_option("--operator", export_options->filter.operator_name, "entries of this operator");
  exporter->add_option("--action", export_options->filter.action, "entries of this action (e.g. search, person.delete)");
  exporter->add_option("--purpose", export_options->filter.purpose, "entries of this search purpose");
  exporter->add_option("--case", export_options->filter.case_ref, "entries of this case reference");
  exporter->add_option("--out", export_options->out, "output file (default: standard output)");
  exporter->callback([&context, export_options] {
    if (context.Failed(ValidateAuditFilter(export_options->filter))) return;
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    std::ofstream file;
    if (!export_options->out.empty()) {
      file.open(export_options->out, std::ios::trunc);
      if (!file) {
        context.Failed(Status::IoError("cannot write '" + export_options->out + "'"));
        return;
      }
    }
    std::ostream& out = export_options->out.empty() ? std::cout : file;
    auto written = system->ExportAudit(op, export_options->filter, out);
    if (context.Failed(written.status())) return;
    if (!export_options->out.empty()) {
      PrintResult(context.globals(), {{"entries", *written}, {"out", export_options->out}},
                  [&](std::ostream& s) { s << "wrote " << *written << " entries to " << export_options->out << "\n"; });
    }
  });

  struct RetentionOptions {
    RetentionRequest request;
    bool dry_run = false;
    int limit = 1000;
  };
  auto retention_options = std::make_shared<RetentionOptions>();
  CLI::App* retention = root.add_subcommand("retention", "retention of records")->require_subcommand(1);
  CLI::App* apply = retention->add_subcommand("apply", "delete every person whose retention date has passed");
  apply->add_option("--today", retention_options->request.today,
                    "reference date YYYY-MM-DD (default: today, UTC); another date needs --reason");
  apply->add_option("--reason", retention_options->request.date_reason,
                    "why the reference date is not today (audited with every batch)");
  apply->add_option("--batch", retention_options->request.batch_size, "persons per transaction")->capture_default_str();
  apply->add_flag("--dry-run", retention_options->dry_run, "list who would be deleted, delete nothing (audited)");
  apply->add_option("--limit", retention_options->limit, "with --dry-run: list at most this many (1-10000)")
      ->capture_default_str();
  apply->callback([&context, retention_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    const RetentionRequest& request = retention_options->request;
    const std::string today = request.today.empty() ? TodayUtc() : request.today;
    if (retention_options->dry_run) {
      auto expired = system->PreviewRetention(op, request, retention_options->limit);
      if (context.Failed(expired.status())) return;
      nlohmann::json rows = nlohmann::json::array();
      for (const Person& person : *expired) {
        rows.push_back({{"external_id", person.external_id}, {"retention_until", person.retention_until}});
      }
      const bool more = static_cast<int>(expired->size()) == retention_options->limit;
      PrintResult(context.globals(), {{"would_delete", rows}, {"today", today}, {"truncated", more}}, [&](std::ostream& s) {
        for (const Person& person : *expired) {
          s << EscapeForDisplay(person.external_id) << "\tretention until " << person.retention_until << "\n";
        }
        s << (more ? "at least " : "") << expired->size() << " person(s) would be deleted as of " << today
          << " (dry run: nothing deleted)\n";
      });
      return;
    }
    auto report = system->ApplyRetention(op, request, [](std::int64_t done) {
      std::cerr << "\rretention: " << done << " persons deleted" << std::flush;
    });
    if (report.ok() && report->deleted > 0) std::cerr << "\n";
    if (context.Failed(report.status())) return;
    PrintResult(context.globals(),
                {{"deleted", report->deleted}, {"batches", report->batches}, {"persons", report->deleted_external_ids},
                 {"today", today}},
                [&](std::ostream& s) {
                  s << "deleted " << report->deleted << " persons whose retention ended before " << today << "\n";
                });
  });

  auto subject_person = std::make_shared<std::string>();
  CLI::App* subject = root.add_subcommand("subject", "data-subject access")->require_subcommand(1);
  CLI::App* report = subject->add_subcommand("report", "what is held about a person and every search that returned them");
  // `--id` as in `person show`; the positional and --person forms are kept for scripts.
  report->add_option("--id,--person", *subject_person, "external id");
  report->add_option("person", *subject_person, "external id (same as --id)");
  report->callback([&context, subject_person] {
    if (subject_person->empty()) {
      context.Failed(Status::InvalidArgument("subject report needs the person's external id (--id ID)"));
      return;
    }
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto result = system->SubjectReport(op, *subject_person);
    if (context.Failed(result.status())) return;
    PrintResult(context.globals(), SubjectAccessReportJson(*result));
  });
}

}  // namespace abis::cli
