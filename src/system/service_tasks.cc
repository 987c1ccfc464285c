// AbisSystem: the service's asynchronous tasks (OSIA callbacks), kept in the store so that an
// undelivered result can be delivered again.
#include "abis/core/time.h"
#include "abis/store/schema.h"
#include "abis/system/abis_system.h"

namespace abis {

Status AbisSystem::CreateServiceTask(const Operator& op, const ServiceTask& task) {
  ABIS_ASSIGN_OR_RETURN(auto insert, store_->db().Prepare(
                                         "INSERT INTO service_tasks (id, operation, operator, transaction_id, callback, "
                                         "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?)"));
  std::string now = NowUtcIso8601();
  insert.Bind(1, task.id).Bind(2, task.operation).Bind(3, op.name).Bind(4, task.transaction_id).Bind(5, task.callback)
      .Bind(6, now).Bind(7, now);
  return insert.Run();
}

Status AbisSystem::UpdateServiceTask(const std::string& task_id, const std::string& status, int http_status,
                                     const std::string& result, bool count_attempt) {
  ABIS_ASSIGN_OR_RETURN(auto update, store_->db().Prepare(
                                         "UPDATE service_tasks SET status = ?, http_status = ?, result = ?, "
                                         "attempts = attempts + ?, updated_at = ? WHERE id = ?"));
  update.Bind(1, status).Bind(2, http_status).Bind(3, result).Bind(4, count_attempt ? 1 : 0)
      .Bind(5, NowUtcIso8601()).Bind(6, task_id);
  return update.Run();
}

Result<ServiceTask> AbisSystem::ReadServiceTask(const Operator& op, const std::string& task_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, store_->db().Prepare(
                                        "SELECT operation, operator, transaction_id, callback, status, http_status, "
                                        "result, attempts FROM service_tasks WHERE id = ?"));
  query.Bind(1, task_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  // Another operator's task is reported as absent: task ids are not shared between operators.
  if (!row || query.ColumnText(1) != op.name) return Status::NotFound("no task '" + task_id + "' of yours");
  ServiceTask task;
  task.id = task_id;
  task.operation = query.ColumnText(0);
  task.operator_name = query.ColumnText(1);
  task.transaction_id = query.ColumnText(2);
  task.callback = query.ColumnText(3);
  task.status = query.ColumnText(4);
  task.http_status = static_cast<int>(query.ColumnInt(5));
  task.result = query.ColumnText(6);
  task.attempts = static_cast<int>(query.ColumnInt(7));
  return task;
}

Result<int> AbisSystem::SchemaVersion() { return ReadSchemaVersion(store_->db()); }

}  // namespace abis
