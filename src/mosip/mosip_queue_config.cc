#include "abis/mosip/mosip_queue_config.h"

#include <nlohmann/json.hpp>

namespace abis::mosip {

namespace {

std::string StringMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<MosipAbisQueue>> ParseMosipQueueConfig(std::string_view json_text) {
  nlohmann::json root = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) return Status::InvalidArgument("MOSIP queue config is not a JSON object");
  auto abis = root.find("abis");
  if (abis == root.end() || !abis->is_array()) return Status::InvalidArgument("MOSIP queue config has no \"abis\" array");
  std::vector<MosipAbisQueue> queues;
  for (std::size_t i = 0; i < abis->size(); ++i) {
    const nlohmann::json& entry = (*abis)[i];
    const std::string where = "MOSIP queue config abis[" + std::to_string(i) + "]";
    if (!entry.is_object()) return Status::InvalidArgument(where + " is not an object");
    MosipAbisQueue queue;
    queue.name = StringMember(entry, "name");
    queue.broker_url = StringMember(entry, "brokerUrl");
    queue.inbound_queue = StringMember(entry, "inboundQueueName");
    queue.outbound_queue = StringMember(entry, "outboundQueueName");
    queue.user_name = StringMember(entry, "userName");
    queue.password = StringMember(entry, "password");
    queue.type_of_queue = StringMember(entry, "typeOfQueue");
    if (auto ttl = entry.find("inboundMessageTTL"); ttl != entry.end() && ttl->is_number_integer()) {
      queue.inbound_message_ttl_seconds = ttl->get<int>();
    }
    for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"name", &queue.name},
                                       {"brokerUrl", &queue.broker_url},
                                       {"inboundQueueName", &queue.inbound_queue},
                                       {"outboundQueueName", &queue.outbound_queue}}) {
      if (value->empty()) return Status::InvalidArgument(where + ": \"" + field + "\" is missing or empty");
    }
    queues.push_back(std::move(queue));
  }
  return queues;
}

Result<StompEndpoint> StompEndpointFor(const MosipAbisQueue& queue, int stomp_port) {
  std::string_view url = queue.broker_url;
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return Status::InvalidArgument("brokerUrl \"" + queue.broker_url + "\" has no scheme (tcp://host:port)");
  }
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of(":/?"));
  if (rest.empty()) return Status::InvalidArgument("brokerUrl \"" + queue.broker_url + "\" has no host");
  StompEndpoint endpoint;
  endpoint.host = std::string(rest);
  endpoint.port = stomp_port;
  endpoint.login = queue.user_name;
  endpoint.passcode = queue.password;
  return endpoint;
}

}  // namespace abis::mosip
