// MOSIP's ABIS queue configuration (registration-processor-abis.json): per ABIS, the broker and
// the inbound (MOSIP -> ABIS) and outbound (ABIS -> MOSIP) queue names.
// Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/mosip/stomp_connection.h"

namespace abis::mosip {

struct MosipAbisQueue {
  std::string name;                 // "ABIS1"
  std::string broker_url;           // "tcp://localhost:61616" (MOSIP's OpenWire URL)
  std::string inbound_queue;        // "mosip-to-abis1": requests arrive here
  std::string outbound_queue;       // "abis1-to-mosip": responses go here
  std::string user_name;
  std::string password;
  std::string type_of_queue;        // "ACTIVEMQ"
  int inbound_message_ttl_seconds = 0;
};

// Parses {"abis": [{...}, ...]}. Fails, naming the entry, on bad JSON, a missing "abis" array,
// or an entry without name, brokerUrl, inboundQueueName or outboundQueueName.
Result<std::vector<MosipAbisQueue>> ParseMosipQueueConfig(std::string_view json_text);

// The STOMP endpoint on the same broker: the host of broker_url ("tcp://host:port"), the given
// STOMP port (ActiveMQ's default is 61613), and the queue's credentials.
Result<StompEndpoint> StompEndpointFor(const MosipAbisQueue& queue, int stomp_port = 61613);

}  // namespace abis::mosip
