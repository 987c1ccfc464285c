#include <iostream>

#include "abis/access/users.h"
#include "abis/audit/audit_log.h"
#include "abis/core/text_validation.h"
#include "cli_context.h"

namespace abis::cli {
namespace {

void RunInit(CliContext& context, const std::string& admin_name) {
  CliGlobals& globals = context.globals();
  auto dir = context.StoreDir();
  if (context.Failed(dir.status())) return;
  auto initialized = AbisSystem::Initialize(*dir, admin_name);
  if (context.Failed(initialized.status())) return;
  const std::string& api_key = initialized->admin_api_key;
  nlohmann::json result = {{"store", initialized->location}, {"admin", admin_name}, {"api_key", api_key},
                           {"key_file", initialized->key_source}};
  PrintResult(globals, result, [&](std::ostream& out) {
    out << "created store " << initialized->location << "\n"
        << "master key: " << initialized->key_source
        << " (keep a backup: without it the templates cannot be read)\n"
        << "admin user '" << admin_name << "'; its API key is shown once:\n"
        << "api_key: " << api_key << "\n";
  });
}

}  // namespace

void AddInitAndUserCommands(CLI::App& root, CliContext& context) {
  auto admin_name = std::make_shared<std::string>("admin");
  CLI::App* init = root.add_subcommand("init", "create a new store with its master key and first admin user");
  init->add_option("--admin", *admin_name, "name of the first admin user")->capture_default_str();
  init->callback([&context, admin_name] { RunInit(context, *admin_name); });

  CLI::App* user = root.add_subcommand("user", "manage operators (admin)")->require_subcommand(1);

  struct AddOptions {
    std::string name;
    std::string role;
  };
  auto add_options = std::make_shared<AddOptions>();
  CLI::App* add = user->add_subcommand("add", "add an operator and print its API key once");
  add->add_option("--name", add_options->name, "user name")->required();
  add->add_option("--role", add_options->role, "admin, enroller, investigator, examiner or auditor")->required();
  add->callback([&context, add_options] {
    auto role = ParseRole(add_options->role);
    if (context.Failed(role.status())) return;
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto added = system->AddUser(op, add_options->name, *role);
    if (context.Failed(added.status())) return;
    // Named, not a structured binding: the lambda below captures them (clang before 16 cannot).
    const User& user_record = added->first;
    const std::string& key = added->second;
    PrintResult(context.globals(),
                {{"user", user_record.name}, {"id", user_record.id}, {"role", RoleName(user_record.role)}, {"api_key", key}},
                [&](std::ostream& out) {
                  out << "added user '" << user_record.name << "' (" << RoleName(user_record.role)
                      << "); its API key is shown once:\napi_key: " << key << "\n";
                });
  });

  CLI::App* list = user->add_subcommand("list", "list operators");
  list->callback([&context] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto users = system->ListUsers(op);
    if (context.Failed(users.status())) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const User& u : *users) {
      rows.push_back({{"id", u.id}, {"name", u.name}, {"role", RoleName(u.role)}, {"disabled", u.disabled},
                      {"created_at", u.created_at}});
    }
    PrintResult(context.globals(), {{"users", rows}}, [&](std::ostream& out) {
      for (const User& u : *users) {
        out << u.id << "\t" << EscapeForDisplay(u.name) << "\t" << RoleName(u.role) << (u.disabled ? "\tdisabled" : "") << "\n";
      }
    });
  });

  auto disable_name = std::make_shared<std::string>();
  CLI::App* disable = user->add_subcommand("disable", "disable an operator and revoke its keys");
  disable->add_option("--name", *disable_name, "user name")->required();
  disable->callback([&context, disable_name] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->DisableUser(op, *disable_name))) return;
    PrintResult(context.globals(), {{"disabled", *disable_name}},
                [&](std::ostream& out) { out << "disabled user '" << *disable_name << "'\n"; });
  });

  auto enable_name = std::make_shared<std::string>();
  CLI::App* enable = user->add_subcommand("enable", "let a disabled operator work again (then issue a key)");
  enable->add_option("--name", *enable_name, "user name")->required();
  enable->callback([&context, enable_name] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    if (context.Failed(system->EnableUser(op, *enable_name))) return;
    PrintResult(context.globals(), {{"enabled", *enable_name}}, [&](std::ostream& out) {
      out << "enabled user '" << *enable_name << "' (issue a key: abis user key --name " << *enable_name << ")\n";
    });
  });

  struct KeyOptions {
    std::string name;
    bool revoke_others = false;
  };
  auto key_options = std::make_shared<KeyOptions>();
  CLI::App* key = user->add_subcommand("key", "issue a new API key for an operator (key rotation)");
  key->add_option("--name", key_options->name, "user name")->required();
  key->add_flag("--revoke-others", key_options->revoke_others, "revoke every older key of the user");
  key->callback([&context, key_options] {
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    auto issued = system->IssueUserKey(op, key_options->name, key_options->revoke_others);
    if (context.Failed(issued.status())) return;
    PrintResult(context.globals(), {{"user", key_options->name}, {"api_key", *issued}, {"older_keys_revoked", key_options->revoke_others}},
                [&](std::ostream& out) {
                  out << "new API key for '" << key_options->name << "'"
                      << (key_options->revoke_others ? " (older keys revoked)" : "") << "; shown once:\n"
                      << "api_key: " << *issued << "\n";
                });
  });
}

}  // namespace abis::cli
