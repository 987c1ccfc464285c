#include <iostream>

#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "cli_context.h"
#include "record_json.h"

namespace abis::cli {
namespace {

nlohmann::json PersonRow(const Person& p) {
  return {{"id", p.id}, {"external_id", p.external_id}, {"category", PersonCategoryName(p.category)},
          {"legal_basis", p.legal_basis}, {"retention_until", p.retention_until}, {"created_at", p.created_at}};
}

void AddPersonCommands(CLI::App& root, CliContext& context) {
  CLI::App* person = root.add_subcommand("person", "manage identity records")->require_subcommand(1);

  struct AddOptions {
    std::string id, category, legal_basis, retention_until, given_name, family_name, date_of_birth, sex;
  };
  auto add_options = std::make_shared<AddOptions>();
  CLI::App* add = person->add_subcommand("add", "add a person (every record needs a legal basis and a retention date)");
  add->add_option("--id", add_options->id, "external id (unique)")->required();
  add->add_option("--category", add_options->category,
                  "citizen, foreign_national, stateless, unknown, unidentified_remains, missing_person_reference")
      ->required();
  add->add_option("--legal-basis", add_options->legal_basis, "the law or decision under which the record is held")
      ->required();
  add->add_option("--retention-until", add_options->retention_until, "YYYY-MM-DD after which it is deleted")->required();
  add->add_option("--given-name", add_options->given_name);
  add->add_option("--family-name", add_options->family_name);
  add->add_option("--date-of-birth", add_options->date_of_birth, "YYYY-MM-DD");
  add->add_option("--sex", add_options->sex, "F, M or X");
  add->callback([&context, add_options] {
    auto category = ParsePersonCategory(add_options->category);
    if (context.Failed(category.status())) return;
    Person p;
    p.external_id = add_options->id;
    p.category = *category;
    p.legal_basis = add_options->legal_basis;
    p.retention_until = add_options->retention_until;
    p.given_name = add_options->given_name;
    p.family_name = add_options->family_name;
    p.date_of_birth = add_options->date_of_birth;
    p.sex = add_options->sex;
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto added = system->AddPerson(op, p);
    if (context.Failed(added.status())) return;
    PrintResult(context.globals(), PersonRow(*added), [&](std::ostream& out) {
      out << "added person '" << added->external_id << "' (id " << added->id << ")\n";
    });
  });

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = person->add_subcommand("show", "show a person and what is held about them");
  show->add_option("--id", *show_id, "external id")->required();
  show->callback([&context, show_id] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto shown = system->ShowPerson(op, *show_id);
    if (context.Failed(shown.status())) return;
    PrintResult(context.globals(), PersonRecordJson(*shown));
  });

  struct ListOptions {
    std::int64_t after = 0;
    int limit = 100;
  };
  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = person->add_subcommand("list", "list persons by id");
  list->add_option("--after", list_options->after, "list ids above this one");
  list->add_option("--limit", list_options->limit, "at most this many (1-10000)")->capture_default_str();
  list->callback([&context, list_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto persons = system->ListPersons(op, list_options->after, list_options->limit);
    if (context.Failed(persons.status())) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const Person& p : *persons) rows.push_back(PersonRow(p));
    PrintResult(context.globals(), {{"persons", rows}}, [&](std::ostream& out) {
      for (const Person& p : *persons) {
        out << p.id << "\t" << EscapeForDisplay(p.external_id) << "\t" << PersonCategoryName(p.category) << "\tretain until "
            << p.retention_until << "\n";
      }
    });
  });

  struct DeleteOptions {
    std::string id, reason;
  };
  auto delete_options = std::make_shared<DeleteOptions>();
  CLI::App* remove = person->add_subcommand("delete", "crypto-erase a person and all their biometric data");
  remove->add_option("--id", delete_options->id, "external id")->required();
  remove->add_option("--reason", delete_options->reason, "why (kept in the audit log)")->required();
  remove->callback([&context, delete_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->DeletePerson(op, delete_options->id, delete_options->reason))) return;
    PrintResult(context.globals(), {{"deleted", delete_options->id}},
                [&](std::ostream& out) { out << "deleted person '" << delete_options->id << "'\n"; });
  });

  struct MergeOptions {
    std::string source, target;
  };
  auto merge_options = std::make_shared<MergeOptions>();
  CLI::App* merge = person->add_subcommand(
      "merge", "merge one person into another: every encounter moves (re-sealed), the source is deleted");
  merge->add_option("--source", merge_options->source, "external id of the person merged away")->required();
  merge->add_option("--into", merge_options->target, "external id of the person kept")->required();
  merge->callback([&context, merge_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->MergePersons(op, merge_options->source, merge_options->target))) return;
    PrintResult(context.globals(), {{"merged", merge_options->source}, {"into", merge_options->target}},
                [&](std::ostream& out) {
                  out << "merged '" << merge_options->source << "' into '" << merge_options->target << "'\n";
                });
  });
}

void AddEncounterCommands(CLI::App& root, CliContext& context) {
  CLI::App* encounter =
      root.add_subcommand("encounter", "list, activate, deactivate, move or delete a person's encounters")
          ->require_subcommand(1);
  struct Options {
    std::string person, encounter, target, reason;
  };
  auto options = std::make_shared<Options>();

  CLI::App* list = encounter->add_subcommand("list", "a person's encounters with their templates (metadata only)");
  list->add_option("--person", options->person, "external id")->required();
  list->callback([&context, options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto encounters = system->ReadEncounters(op, options->person);
    if (context.Failed(encounters.status())) return;
    PrintResult(context.globals(), PersonEncountersJson(*encounters), [&](std::ostream& out) {
      for (const EncounterRecord& item : encounters->encounters) {
        out << EscapeForDisplay(item.encounter.external_id) << "  " << item.encounter.kind << "  "
            << item.encounter.captured_at << "  " << (item.encounter.active ? "active" : "inactive") << "  "
            << item.templates.size() << " template(s)";
        // What was captured: each template's modality (and finger).
        for (std::size_t i = 0; i < item.templates.size(); ++i) {
          const TemplateInfo& info = item.templates[i];
          out << (i == 0 ? ": " : ", ") << ModalityName(info.modality);
          if (info.position != FingerPosition::kUnknown) out << " " << FingerPositionName(info.position);
        }
        out << "\n";
      }
    });
  });

  for (bool active : {true, false}) {
    CLI::App* status = encounter->add_subcommand(active ? "activate" : "deactivate",
                                                 active ? "search an encounter's templates again"
                                                        : "keep an encounter's data but leave it out of searches");
    status->add_option("--person", options->person, "external id")->required();
    status->add_option("--encounter", options->encounter, "encounter id")->required();
    status->callback([&context, options, active] {
      auto session = context.OpenAsOperator();
      if (context.Failed(session.status())) return;
      auto [system, op] = *session;
      if (context.Failed(system->SetEncounterActive(op, options->person, options->encounter, active))) return;
      PrintResult(context.globals(), {{"person", options->person}, {"encounter", options->encounter}, {"active", active}},
                  [&](std::ostream& out) {
                    out << "encounter '" << options->encounter << "' is " << (active ? "active" : "inactive") << "\n";
                  });
    });
  }

  CLI::App* move = encounter->add_subcommand("move", "move an encounter to another person (its data is re-sealed)");
  move->add_option("--person", options->person, "external id of the person holding it now")->required();
  move->add_option("--encounter", options->encounter, "encounter id")->required();
  move->add_option("--to", options->target, "external id of the person receiving it")->required();
  move->callback([&context, options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->MoveEncounter(op, options->person, options->encounter, options->target))) return;
    PrintResult(context.globals(), {{"encounter", options->encounter}, {"from", options->person}, {"to", options->target}},
                [&](std::ostream& out) {
                  out << "moved encounter '" << options->encounter << "' to '" << options->target << "'\n";
                });
  });

  CLI::App* remove = encounter->add_subcommand("delete", "crypto-erase one encounter");
  remove->add_option("--person", options->person, "external id")->required();
  remove->add_option("--encounter", options->encounter, "encounter id")->required();
  remove->add_option("--reason", options->reason, "why (kept in the audit log)")->required();
  remove->callback([&context, options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->DeleteEncounter(op, options->person, options->encounter, options->reason))) return;
    PrintResult(context.globals(), {{"deleted", options->encounter}, {"person", options->person}},
                [&](std::ostream& out) { out << "deleted encounter '" << options->encounter << "'\n"; });
  });
}

void AddGalleryCommands(CLI::App& root, CliContext& context) {
  CLI::App* gallery = root.add_subcommand("gallery", "manage galleries and watchlists")->require_subcommand(1);

  struct CreateOptions {
    std::string name, kind = "register", description;
  };
  auto create_options = std::make_shared<CreateOptions>();
  CLI::App* create = gallery->add_subcommand("create", "create a gallery");
  create->add_option("--name", create_options->name)->required();
  create->add_option("--kind", create_options->kind,
                     "register, watchlist, unidentified_remains, missing_person_reference or other")
      ->capture_default_str();
  create->add_option("--description", create_options->description);
  create->callback([&context, create_options] {
    auto kind = ParseGalleryKind(create_options->kind);
    if (context.Failed(kind.status())) return;
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    Gallery g;
    g.name = create_options->name;
    g.kind = *kind;
    g.description = create_options->description;
    auto created = system->CreateGallery(op, g);
    if (context.Failed(created.status())) return;
    PrintResult(context.globals(), {{"id", created->id}, {"name", created->name}, {"kind", GalleryKindName(created->kind)}},
                [&](std::ostream& out) { out << "created gallery '" << created->name << "'\n"; });
  });

  struct MemberOptions {
    std::string name, person;
  };
  for (bool adding : {true, false}) {
    auto options = std::make_shared<MemberOptions>();
    CLI::App* member = gallery->add_subcommand(adding ? "add" : "remove",
                                               adding ? "add a person to a gallery" : "remove a person from a gallery");
    member->add_option("--name", options->name, "gallery")->required();
    member->add_option("--person", options->person, "external id")->required();
    member->callback([&context, options, adding] {
      auto session = context.OpenAsOperator();
      if (context.Failed(session.status())) return;
      auto [system, op] = *session;
      Status status = adding ? system->AddToGallery(op, options->name, options->person)
                             : system->RemoveFromGallery(op, options->name, options->person);
      if (context.Failed(status)) return;
      PrintResult(context.globals(), {{"gallery", options->name}, {"person", options->person}, {"member", adding}},
                  [&](std::ostream& out) {
                    out << (adding ? "added '" : "removed '") << options->person << (adding ? "' to '" : "' from '")
                        << options->name << "'\n";
                  });
    });
  }

  CLI::App* list = gallery->add_subcommand("list", "list galleries");
  list->callback([&context] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto galleries = system->ListGalleries(op);
    if (context.Failed(galleries.status())) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const Gallery& g : *galleries) {
      rows.push_back({{"id", g.id}, {"name", g.name}, {"kind", GalleryKindName(g.kind)}, {"members", g.member_count}});
    }
    PrintResult(context.globals(), {{"galleries", rows}}, [&](std::ostream& out) {
      for (const Gallery& g : *galleries) {
        out << EscapeForDisplay(g.name) << "\t" << GalleryKindName(g.kind) << "\t" << g.member_count << " members\n";
      }
    });
  });

  struct WatchOptions {
    std::string name, person, authority, reason, expires;
  };
  auto watch_options = std::make_shared<WatchOptions>();
  CLI::App* watch = gallery->add_subcommand("watch", "put a person on a watchlist (authority reference, reason, expiry)");
  watch->add_option("--name", watch_options->name, "watchlist gallery")->required();
  watch->add_option("--person", watch_options->person, "external id")->required();
  watch->add_option("--authority", watch_options->authority, "warrant or decision reference")->required();
  watch->add_option("--reason", watch_options->reason)->required();
  watch->add_option("--expires", watch_options->expires, "YYYY-MM-DD; expired entries never alert")->required();
  watch->callback([&context, watch_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto entry = system->AddWatchlistEntry(op, watch_options->name, watch_options->person, watch_options->authority,
                                           watch_options->reason, watch_options->expires);
    if (context.Failed(entry.status())) return;
    PrintResult(context.globals(), {{"entry_id", *entry}, {"gallery", watch_options->name}, {"person", watch_options->person}},
                [&](std::ostream& out) { out << "watchlist entry " << *entry << " added\n"; });
  });

  struct MembersOptions {
    std::string name;
    std::int64_t after = 0;
    int limit = 1000;
  };
  auto members_options = std::make_shared<MembersOptions>();
  CLI::App* members = gallery->add_subcommand("members", "list a gallery's members (audited)");
  members->add_option("--name", members_options->name, "gallery")->required();
  members->add_option("--after", members_options->after, "members with a larger person id")->capture_default_str();
  members->add_option("--limit", members_options->limit, "at most this many (1-10000)")->capture_default_str();
  members->callback([&context, members_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto listed = system->ListGalleryMembers(op, members_options->name, members_options->after, members_options->limit);
    if (context.Failed(listed.status())) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const GalleryMember& member : *listed) {
      rows.push_back({{"person_id", member.person_id},
                      {"external_id", member.external_id},
                      {"active_encounters", member.active_encounters}});
    }
    PrintResult(context.globals(), {{"gallery", members_options->name}, {"members", rows}}, [&](std::ostream& out) {
      for (const GalleryMember& member : *listed) {
        out << member.person_id << "\t" << EscapeForDisplay(member.external_id) << "\t"
            << member.active_encounters.size() << " active encounter(s)\n";
      }
      if (listed->empty()) out << "no members\n";
    });
  });

  auto entries_name = std::make_shared<std::string>();
  CLI::App* entries = gallery->add_subcommand("entries", "list a watchlist's entries (active, expired and ended)");
  entries->add_option("--name", *entries_name, "watchlist gallery")->required();
  entries->callback([&context, entries_name] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto listed = system->ListWatchlistEntries(op, *entries_name);
    if (context.Failed(listed.status())) return;
    const std::string today = TodayUtc();
    nlohmann::json rows = nlohmann::json::array();
    for (const WatchlistEntry& entry : *listed) {
      std::string status(WatchlistEntryStateName(WatchlistEntryStateOn(entry, today)));
      nlohmann::json row = {{"entry_id", entry.id},          {"person", entry.person_external_id},
                            {"authority_reference", entry.authority_reference},
                            {"reason", entry.reason},        {"expires_at", entry.expires_at},
                            {"created_at", entry.created_at}, {"status", status}};
      if (!entry.ended_at.empty()) {
        row["ended_at"] = entry.ended_at;
        row["ended_by"] = entry.ended_by;
        row["end_reason"] = entry.end_reason;
      }
      rows.push_back(std::move(row));
    }
    PrintResult(context.globals(), {{"gallery", *entries_name}, {"entries", rows}}, [&](std::ostream& out) {
      for (const auto& row : rows) {
        out << row["entry_id"].get<std::int64_t>() << "\t" << EscapeForDisplay(row["person"].get<std::string>()) << "\t"
            << row["status"].get<std::string>() << "\texpires " << row["expires_at"].get<std::string>() << "\t"
            << EscapeForDisplay(row["authority_reference"].get<std::string>()) << "\n";
      }
      if (rows.empty()) out << "no entries on '" << EscapeForDisplay(*entries_name) << "'\n";
    });
  });

  struct UnwatchOptions {
    std::string name, reason;
    std::int64_t entry = 0;
  };
  auto unwatch_options = std::make_shared<UnwatchOptions>();
  CLI::App* unwatch = gallery->add_subcommand(
      "unwatch", "end a watchlist entry now, with a reason (it never alerts again; examiner or admin)");
  unwatch->add_option("--name", unwatch_options->name, "watchlist gallery")->required();
  unwatch->add_option("--entry", unwatch_options->entry, "entry id (see `gallery entries`)")->required();
  unwatch->add_option("--reason", unwatch_options->reason, "why the entry ends (audited)")->required();
  unwatch->callback([&context, unwatch_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->EndWatchlistEntry(op, unwatch_options->name, unwatch_options->entry, unwatch_options->reason))) {
      return;
    }
    PrintResult(context.globals(), {{"gallery", unwatch_options->name}, {"entry_id", unwatch_options->entry}, {"ended", true}},
                [&](std::ostream& out) { out << "watchlist entry " << unwatch_options->entry << " ended\n"; });
  });
}

}  // namespace

void AddPersonAndGalleryCommands(CLI::App& root, CliContext& context) {
  AddPersonCommands(root, context);
  AddEncounterCommands(root, context);
  AddGalleryCommands(root, context);
}

}  // namespace abis::cli
