#include "abis/mosip/stomp_connection.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace abis::mosip {

namespace {

std::string Errno() { return std::strerror(errno); }

}  // namespace

Result<std::unique_ptr<StompConnection>> StompConnection::Connect(const StompEndpoint& endpoint,
                                                                  std::chrono::milliseconds timeout) {
  if (endpoint.port < 1 || endpoint.port > 65535) {
    return Status::InvalidArgument("STOMP: port " + std::to_string(endpoint.port) + " out of range");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const int resolved = getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &addresses);
  if (resolved != 0) {
    return Status::IoError("STOMP: cannot resolve " + endpoint.host + ": " + gai_strerror(resolved));
  }
  int fd = -1;
  std::string last_error = "no address";
  for (addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    fd = ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0) break;
    last_error = Errno();
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(addresses);
  if (fd < 0) {
    return Status::IoError("STOMP: cannot connect to " + endpoint.host + ":" + std::to_string(endpoint.port) + ": " +
                           last_error);
  }
  std::unique_ptr<StompConnection> connection(new StompConnection(fd));
  StompFrame connect{"CONNECT", {{"accept-version", "1.2"}, {"host", endpoint.virtual_host}, {"heart-beat", "0,0"}}, ""};
  if (!endpoint.login.empty()) {
    connect.headers.emplace_back("login", endpoint.login);
    connect.headers.emplace_back("passcode", endpoint.passcode);
  }
  ABIS_RETURN_IF_ERROR(connection->WriteAll(EncodeStompFrame(connect)));
  Result<std::optional<StompFrame>> answer = connection->Receive(timeout);
  if (!answer.ok()) {
    return Status::Unauthenticated("STOMP: broker refused the connection: " + answer.status().message());
  }
  if (!answer->has_value()) return Status::IoError("STOMP: no CONNECTED frame within the timeout");
  if ((*answer)->command != "CONNECTED") {
    return Status::IoError("STOMP: expected CONNECTED, got " + (*answer)->command);
  }
  return connection;
}

StompConnection::~StompConnection() {
  if (socket_ >= 0) ::close(socket_);
}

Status StompConnection::WriteAll(const std::string& bytes) {
  if (socket_ < 0) return Status::FailedPrecondition("STOMP: connection is closed");
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::send(socket_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("STOMP: write failed: " + Errno());
    }
    written += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status StompConnection::Subscribe(const std::string& queue, const std::string& subscription_id) {
  return WriteAll(EncodeStompFrame(
      {"SUBSCRIBE", {{"id", subscription_id}, {"destination", "/queue/" + queue}, {"ack", "client-individual"}}, ""}));
}

Status StompConnection::Send(const std::string& queue, const std::string& body) {
  return WriteAll(EncodeStompFrame({"SEND",
                                    {{"destination", "/queue/" + queue},
                                     {"content-type", "application/json"},
                                     {"persistent", "true"}},
                                    body}));
}

Status StompConnection::Ack(const StompFrame& message) {
  std::optional<std::string> ack = message.Header("ack");
  if (!ack) return Status::InvalidArgument("STOMP: MESSAGE frame has no ack header");
  return WriteAll(EncodeStompFrame({"ACK", {{"id", *ack}}, ""}));
}

Result<std::optional<StompFrame>> StompConnection::Receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(std::optional<StompFrame> frame, decoder_.Next());
    if (frame) {
      if (frame->command == "ERROR") {
        return Status::FailedPrecondition("STOMP ERROR: " + frame->Header("message").value_or("") + " " + frame->body);
      }
      return frame;
    }
    if (socket_ < 0) return Status::FailedPrecondition("STOMP: connection is closed");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::optional<StompFrame>();
    pollfd poll_fd{socket_, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("STOMP: poll failed: " + Errno());
    }
    if (ready == 0) return std::optional<StompFrame>();
    char buffer[65536];
    const ssize_t n = ::recv(socket_, buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("STOMP: read failed: " + Errno());
    }
    if (n == 0) return Status::IoError("STOMP: the broker closed the connection");
    decoder_.Append(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

void StompConnection::Close() {
  if (socket_ < 0) return;
  (void)WriteAll(EncodeStompFrame({"DISCONNECT", {}, ""}));
  ::close(socket_);
  socket_ = -1;
}

}  // namespace abis::mosip
