#include "sqlite/sqlite_connection.h"

namespace abis {
namespace {

class SqliteStatementBackend final : public SqlStatementBackend {
 public:
  explicit SqliteStatementBackend(Statement statement) : statement_(std::move(statement)) {}
  void BindInt(int index, std::int64_t value) override { statement_.Bind(index, value); }
  void BindDouble(int index, double value) override { statement_.Bind(index, value); }
  void BindText(int index, std::string_view text) override { statement_.Bind(index, text); }
  void BindBlob(int index, std::span<const std::uint8_t> blob) override { statement_.BindBlob(index, blob); }
  void BindNull(int index) override { statement_.BindNull(index); }
  Result<bool> Step() override { return statement_.Step(); }
  void Reset() override { statement_.Reset(); }
  std::int64_t ColumnInt(int column) const override { return statement_.ColumnInt(column); }
  double ColumnDouble(int column) const override { return statement_.ColumnDouble(column); }
  std::string ColumnText(int column) const override { return statement_.ColumnText(column); }
  std::vector<std::uint8_t> ColumnBlob(int column) const override { return statement_.ColumnBlob(column); }
  bool ColumnIsNull(int column) const override { return statement_.ColumnIsNull(column); }

 private:
  Statement statement_;
};

}  // namespace

Result<SqlStatement> SqliteConnection::Prepare(std::string_view sql) {
  ABIS_ASSIGN_OR_RETURN(Statement statement, db_->Prepare(sql));
  return SqlStatement(std::make_unique<SqliteStatementBackend>(std::move(statement)));
}

std::string SqliteConnection::HexPrefixExpression(std::string_view column, int bytes) const {
  return "hex(substr(" + std::string(column) + ", 1, " + std::to_string(bytes) + "))";
}

}  // namespace abis
