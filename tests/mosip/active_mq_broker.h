// Tests only: an in-memory ActiveMQ broker (Debian's `activemq`) with a STOMP connector on a free
// loopback port, started and stopped by the test; and a free-port helper.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "abis/mosip/stomp_connection.h"

extern char** environ;

namespace abis::mosip::testing {

inline constexpr const char* kActiveMqJar = "/usr/share/activemq/bin/activemq.jar";
inline constexpr auto kBrokerStartLimit = std::chrono::seconds(30);

inline int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// An in-memory ActiveMQ broker process, stopped (SIGTERM, then SIGKILL) on destruction.
class ActiveMqBroker {
 public:
  ~ActiveMqBroker() { Stop(); }

  // Returns "" when running, else why not.
  std::string Start(const std::filesystem::path& base, int port) {
    if (!std::filesystem::exists(kActiveMqJar)) return std::string("ActiveMQ not installed (") + kActiveMqJar + ")";
    if (::access("/usr/bin/java", X_OK) != 0) return "java not installed";
    std::filesystem::create_directories(base / "data");
    const std::string uri = "broker:(stomp://127.0.0.1:" + std::to_string(port) +
                            ")?persistent=false&useJmx=false&brokerName=abis-mosip-test";
    std::vector<std::string> args = {"/usr/bin/java",
                                     "-Xms32m",
                                     "-Xmx256m",
                                     "-Dactivemq.home=/usr/share/activemq",
                                     "-Dactivemq.base=" + base.string(),
                                     "-Dactivemq.conf=" + base.string(),
                                     "-Dactivemq.data=" + (base / "data").string(),
                                     "-jar",
                                     kActiveMqJar,
                                     "start",
                                     uri};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (base / "broker.log").string();
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      pid_ = -1;
      return "cannot start java";
    }
    const auto deadline = std::chrono::steady_clock::now() + kBrokerStartLimit;
    while (std::chrono::steady_clock::now() < deadline) {
      StompEndpoint endpoint;
      endpoint.port = port;
      if (StompConnection::Connect(endpoint, std::chrono::milliseconds(500)).ok()) return "";
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "the broker exited during start-up (see " + log + ")";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return "the broker did not accept STOMP connections within " + std::to_string(kBrokerStartLimit.count()) + " s";
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace abis::mosip::testing
