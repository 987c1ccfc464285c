// An asynchronous task of the service (an OSIA request with a callback), kept in the store so that
// an undelivered result can be delivered again.
#pragma once

#include <string>

namespace abis {

struct ServiceTask {
  std::string id;
  std::string operation;      // the route, e.g. "/v1/identify/{galleryId}"
  std::string operator_name;  // only this operator may read it
  std::string transaction_id;
  std::string callback;  // where the result is POSTed
  std::string status;    // PENDING, RESPONSE_SCHEDULED, RESPONSE_ERROR, RESPONSE_RETRY, COMPLETED
  int http_status = 0;
  std::string result;  // kept only while undelivered
  int attempts = 0;
};

}  // namespace abis
