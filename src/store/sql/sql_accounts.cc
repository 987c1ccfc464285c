// SqlStore: users and API keys (tables users, api_keys).
#include "sql/sql_store.h"

namespace abis {
namespace {

constexpr const char* kUserColumns = "id, name, role, disabled, created_at";

UserRecord ReadUser(const SqlStatement& row, int first) {
  UserRecord user;
  user.id = row.ColumnInt(first);
  user.name = row.ColumnText(first + 1);
  user.role = row.ColumnText(first + 2);
  user.disabled = row.ColumnInt(first + 3) != 0;
  user.created_at = row.ColumnText(first + 4);
  return user;
}

}  // namespace

Result<std::int64_t> SqlStore::AddUser(const UserRecord& user) {
  if (FindUser(user.name).ok()) return Status::AlreadyExists("user '" + user.name + "' already exists");
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO users (name, role, created_at) VALUES (?, ?, ?) RETURNING id"));
  insert.Bind(1, user.name).Bind(2, user.role).Bind(3, user.created_at);
  return insert.RunReturningId();
}

Result<std::vector<UserRecord>> SqlStore::ListUsers() {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id"));
  std::vector<UserRecord> users;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return users;
    users.push_back(ReadUser(query, 0));
  }
}

Result<UserRecord> SqlStore::FindUser(std::string_view name) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?"));
  query.Bind(1, name);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no user '" + std::string(name) + "'");
  return ReadUser(query, 0);
}

Status SqlStore::SetUserDisabled(std::int64_t user_id, bool disabled) {
  ABIS_ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE users SET disabled = ? WHERE id = ?"));
  update.Bind(1, disabled ? 1 : 0).Bind(2, user_id);
  return update.Run();
}

Status SqlStore::AddApiKey(const ApiKeyRecord& key) {
  ABIS_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO api_keys (user_id, key_id, secret_hash, created_at, "
                                                  "expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, key.user_id)
      .Bind(2, key.key_id)
      .Bind(3, key.secret_hash)
      .Bind(4, key.created_at)
      .Bind(5, key.expires_at)
      .Bind(6, key.revoked ? 1 : 0);
  return insert.Run();
}

Status SqlStore::RevokeApiKeys(std::int64_t user_id) {
  ABIS_ASSIGN_OR_RETURN(auto revoke, db_->Prepare("UPDATE api_keys SET revoked = 1 WHERE user_id = ?"));
  revoke.Bind(1, user_id);
  return revoke.Run();
}

Result<std::pair<ApiKeyRecord, UserRecord>> SqlStore::FindApiKey(std::string_view key_id) {
  ABIS_ASSIGN_OR_RETURN(
      auto query, db_->Prepare("SELECT k.user_id, k.key_id, k.secret_hash, k.created_at, k.expires_at, k.revoked, "
                               "u.id, u.name, u.role, u.disabled, u.created_at FROM api_keys k JOIN users u ON "
                               "u.id = k.user_id WHERE k.key_id = ?"));
  query.Bind(1, key_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no API key with id " + std::string(key_id));
  ApiKeyRecord key;
  key.user_id = query.ColumnInt(0);
  key.key_id = query.ColumnText(1);
  key.secret_hash = query.ColumnText(2);
  key.created_at = query.ColumnText(3);
  key.expires_at = query.ColumnOptionalText(4);
  key.revoked = query.ColumnInt(5) != 0;
  return std::pair<ApiKeyRecord, UserRecord>{std::move(key), ReadUser(query, 6)};
}

}  // namespace abis
