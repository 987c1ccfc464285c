#include <fstream>
#include <iostream>

#include "abis/core/time.h"
#include "abis/store/schema.h"
#include "cli_context.h"

namespace abis::cli {
namespace {

void PrintVerification(CliContext& context, const AuditVerification& report) {
  nlohmann::json out = {{"intact", report.intact}, {"entries", report.entries}, {"head_hash", report.head_hash}};
  if (!report.intact) {
    out["first_bad_entry"] = report.first_bad_seq;
    out["problem"] = report.problem;
  }
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    if (report.intact) {
      s << "audit chain intact: " << report.entries << " entries, head " << report.head_hash << "\n";
    } else {
      s << "audit chain BROKEN at entry " << report.first_bad_seq << ": " << report.problem << "\n";
    }
  });
  if (!report.intact) {
    std::cerr << "abis: audit chain broken at entry " << report.first_bad_seq << ": " << report.problem << "\n";
    context.globals().exit_code = 1;
  }
}

// Verification needs neither the master key nor an operator: an oversight body can check a copy
// of the database offline. With an API key, the verification itself is audited.
void RunAuditVerify(CliContext& context) {
  bool have_key = !context.globals().key_file.empty() || std::getenv("ABIS_API_KEY") != nullptr;
  if (have_key) {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto report = system->VerifyAudit(op);
    if (context.Failed(report.status())) return;
    AuditEvent event;
    event.operator_name = op.name;
    event.role = std::string(RoleName(op.role));
    event.action = "audit.verify";
    event.result = {{"intact", report->intact}, {"entries", report->entries}};
    if (report->intact && context.Failed(AppendAuditEntry(system->store().db(), event).status())) return;
    PrintVerification(context, *report);
    return;
  }
  auto dir = context.StoreDir();
  if (context.Failed(dir.status())) return;
  auto db = Database::Open(StoreLayout::ForDir(*dir).database, /*create=*/false);
  if (context.Failed(db.status())) return;
  auto version = ReadSchemaVersion(**db);
  if (context.Failed(version.status())) return;
  if (*version < 2) {
    context.Failed(Status::FailedPrecondition("store schema version " + std::to_string(*version) +
                                              " predates the audit head; open it once with a key to upgrade"));
    return;
  }
  auto report = VerifyAuditChain(**db);
  if (context.Failed(report.status())) return;
  PrintVerification(context, *report);
}

}  // namespace

void AddAccountabilityCommands(CLI::App& root, CliContext& context) {
  CLI::App* audit = root.add_subcommand("audit", "the tamper-evident audit log")->require_subcommand(1);
  audit->add_subcommand("verify", "walk the hash chain; exit 1 and name the first bad entry if broken")
      ->callback([&context] { RunAuditVerify(context); });

  struct ExportOptions {
    std::string since, out;
  };
  auto export_options = std::make_shared<ExportOptions>();
  CLI::App* exporter = audit->add_subcommand("export", "write audit entries as JSON lines");
  exporter->add_option("--since", export_options->since, "ISO 8601 time or date; entries at or after it");
  exporter->add_option("--out", export_options->out, "output file (default: standard output)");
  exporter->callback([&context, export_options] {
    if (!export_options->since.empty() && context.Failed(ValidateIsoDate(export_options->since, "--since"))) return;
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
    auto written = system->ExportAudit(op, export_options->since, out);
    if (context.Failed(written.status())) return;
    if (!export_options->out.empty()) {
      PrintResult(context.globals(), {{"entries", *written}, {"out", export_options->out}},
                  [&](std::ostream& s) { s << "wrote " << *written << " entries to " << export_options->out << "\n"; });
    }
  });

  struct RetentionOptions {
    std::string today;
    int batch = 500;
  };
  auto retention_options = std::make_shared<RetentionOptions>();
  CLI::App* retention = root.add_subcommand("retention", "retention of records")->require_subcommand(1);
  CLI::App* apply = retention->add_subcommand("apply", "delete every person whose retention date has passed");
  apply->add_option("--today", retention_options->today, "reference date YYYY-MM-DD (default: today, UTC)");
  apply->add_option("--batch", retention_options->batch, "persons per transaction")->capture_default_str();
  apply->callback([&context, retention_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    std::string today = retention_options->today.empty() ? TodayUtc() : retention_options->today;
    auto report = system->ApplyRetention(op, today, retention_options->batch, [](std::int64_t done) {
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
  report->add_option("person", *subject_person, "external id")->required();
  report->add_option("--person", *subject_person, "external id");
  report->callback([&context, subject_person] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto result = system->SubjectReport(op, *subject_person);
    if (context.Failed(result.status())) return;
    PrintResult(context.globals(), *result);
  });
}

}  // namespace abis::cli
