// AbisSystem: the service's asynchronous tasks (OSIA callbacks), kept in the store so that an
// undelivered result can be delivered again.
#include "abis/core/time.h"
#include "abis/system/abis_system.h"

namespace abis {

Status AbisSystem::CreateServiceTask(const Operator& op, const ServiceTask& task) {
  ServiceTask owned = task;
  owned.operator_name = op.name;
  return store_->AddServiceTask(owned, NowUtcIso8601());
}

Status AbisSystem::UpdateServiceTask(const std::string& task_id, const std::string& status, int http_status,
                                     const std::string& result, bool count_attempt) {
  return store_->UpdateServiceTask(task_id, status, http_status, result, count_attempt, NowUtcIso8601());
}

Result<ServiceTask> AbisSystem::ReadServiceTask(const Operator& op, const std::string& task_id) {
  Result<ServiceTask> task = store_->GetServiceTask(task_id);
  // Another operator's task is reported as absent: task ids are not shared between operators.
  if ((!task.ok() && task.status().code() == StatusCode::kNotFound) || (task.ok() && task->operator_name != op.name)) {
    return Status::NotFound("no task '" + task_id + "' of yours");
  }
  return task;
}

Result<int> AbisSystem::SchemaVersion() { return store_->SchemaVersion(); }

}  // namespace abis
