// SqlStore: the service's asynchronous tasks (table service_tasks).
#include "sql/sql_store.h"

namespace abis {

Status SqlStore::AddServiceTask(const ServiceTask& task, std::string_view now) {
  ABIS_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO service_tasks (id, operation, operator, transaction_id, "
                                                  "callback, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
                                                  "'PENDING', ?, ?)"));
  insert.Bind(1, task.id)
      .Bind(2, task.operation)
      .Bind(3, task.operator_name)
      .Bind(4, task.transaction_id)
      .Bind(5, task.callback)
      .Bind(6, now)
      .Bind(7, now);
  return insert.Run();
}

Status SqlStore::UpdateServiceTask(const std::string& task_id, const std::string& status, int http_status,
                                   const std::string& result, bool count_attempt, std::string_view now) {
  ABIS_ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE service_tasks SET status = ?, http_status = ?, result = ?, "
                                                  "attempts = attempts + ?, updated_at = ? WHERE id = ?"));
  update.Bind(1, status)
      .Bind(2, http_status)
      .Bind(3, result)
      .Bind(4, count_attempt ? 1 : 0)
      .Bind(5, now)
      .Bind(6, task_id);
  return update.Run();
}

Result<ServiceTask> SqlStore::GetServiceTask(const std::string& task_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT operation, operator, transaction_id, callback, status, "
                                                 "http_status, result, attempts FROM service_tasks WHERE id = ?"));
  query.Bind(1, task_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no task '" + task_id + "'");
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

}  // namespace abis
