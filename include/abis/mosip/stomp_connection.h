// A blocking STOMP 1.2 client connection over TCP (POSIX sockets), enough for one ABIS worker:
// connect, subscribe with client-individual acknowledgement, receive, send, ack, disconnect.
// Thread-safety: one thread per connection.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "abis/core/status.h"
#include "abis/mosip/stomp_frame.h"

namespace abis::mosip {

struct StompEndpoint {
  std::string host = "127.0.0.1";
  int port = 61613;
  std::string login;     // "" = none
  std::string passcode;
  std::string virtual_host = "localhost";
};

class StompConnection {
 public:
  // Opens the TCP connection and completes the CONNECT/CONNECTED handshake within `timeout`.
  // kIoError when the broker cannot be reached, kUnauthenticated when it answers ERROR.
  static Result<std::unique_ptr<StompConnection>> Connect(const StompEndpoint& endpoint,
                                                          std::chrono::milliseconds timeout);
  ~StompConnection();
  StompConnection(const StompConnection&) = delete;
  StompConnection& operator=(const StompConnection&) = delete;

  // Subscribes to a queue ("/queue/<name>") with ack mode client-individual.
  Status Subscribe(const std::string& queue, const std::string& subscription_id);
  // Sends `body` to a queue as a persistent text message with content-type application/json.
  Status Send(const std::string& queue, const std::string& body);
  // Acknowledges a MESSAGE frame received through a client-individual subscription.
  Status Ack(const StompFrame& message);
  // The next frame from the broker; nullopt when none arrived within `timeout`. An ERROR frame is
  // returned as a kFailedPrecondition status carrying its message.
  Result<std::optional<StompFrame>> Receive(std::chrono::milliseconds timeout);
  // Sends DISCONNECT and closes the socket (also done by the destructor, without waiting).
  void Close();

 private:
  explicit StompConnection(int socket_fd) : socket_(socket_fd) {}
  Status WriteAll(const std::string& bytes);

  int socket_ = -1;
  StompFrameDecoder decoder_;
};

}  // namespace abis::mosip
