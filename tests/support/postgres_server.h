// A throw-away PostgreSQL server for tests: initdb and pg_ctl in a temporary folder, listening only
// on a unix socket in that folder (no TCP port). Started once per test process on first use and
// stopped (immediate mode) and removed when the process exits. initdb runs once per machine and
// user: its result is kept in /tmp/abis-pg-template-* (made under a file lock) and copied. Run as root (CI), it runs
// the server as `nobody` through runuser (initdb refuses root). Servers left by a test process that died are stopped by
// the next one. Binaries: env ABIS_PG_BIN, else `pg_config --bindir`, else /usr/lib/postgresql/*/bin. Link libpq
// (abis_store_sqlite_internals brings it).
#pragma once

#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

namespace abis::testing {

class PostgresServer {
 public:
  // The server of this test process; nullptr when PostgreSQL cannot start here, with the reason in
  // `why` (a test then skips with it).
  static PostgresServer* Get(std::string* why) {
    static std::string failure;
    static std::unique_ptr<PostgresServer> server = Start(&failure);
    if (!server && why != nullptr) *why = failure;
    return server.get();
  }

  // A new empty database; its URI (postgresql:///NAME?host=SOCKET_FOLDER&user=abis), or "" with
  // `error` set.
  std::string NewDatabase(std::string* error) {
    const std::string name = "abis_test_" + std::to_string(++databases_);
    PGconn* conn = PQconnectdb(Uri("postgres").c_str());
    std::string message;
    if (PQstatus(conn) != CONNECTION_OK) {
      message = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
      if (PQresultStatus(result) != PGRES_COMMAND_OK) message = PQresultErrorMessage(result);
      PQclear(result);
    }
    PQfinish(conn);
    if (!message.empty()) {
      if (error != nullptr) *error = message;
      return "";
    }
    return Uri(name);
  }

  std::string Uri(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_.string() + "&user=abis";
  }

  // The server's data folder (readable by the test when it runs as root or as the server's user).
  std::filesystem::path data_dir() const { return dir_ / "data"; }

  ~PostgresServer() {
    if (getpid() != owner_) return;  // a forked child leaving: the server is its parent's
    Stop(bin_, dir_, run_as_);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

 private:
  PostgresServer(std::filesystem::path bin, std::filesystem::path dir, std::string run_as)
      : bin_(std::move(bin)), dir_(std::move(dir)), run_as_(std::move(run_as)), owner_(getpid()) {}

  // Runs `command` with sh; its output (stdout and stderr) in `output`. True on exit status 0.
  static bool Run(const std::string& command, std::string* output) {
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return false;
    std::array<char, 512> chunk{};
    std::string text;
    while (fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) text += chunk.data();
    const int status = pclose(pipe);
    if (output != nullptr) *output = text;
    return status == 0;
  }

  static std::filesystem::path FindBinaries() {
    if (const char* env = std::getenv("ABIS_PG_BIN"); env != nullptr && *env != '\0') return env;
    std::string bindir;
    if (Run("pg_config --bindir", &bindir)) {
      while (!bindir.empty() && (bindir.back() == '\n' || bindir.back() == ' ')) bindir.pop_back();
      if (std::filesystem::exists(std::filesystem::path(bindir) / "initdb")) return bindir;
    }
    glob_t found{};
    std::filesystem::path best;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &found) == 0) {
      for (std::size_t i = 0; i < found.gl_pathc; ++i) best = std::filesystem::path(found.gl_pathv[i]).parent_path();
    }
    globfree(&found);
    return best;
  }

  static void Stop(const std::filesystem::path& bin, const std::filesystem::path& dir, const std::string& run_as) {
    Run("cd / && " + run_as + (bin / "pg_ctl").string() + " -D " + (dir / "data").string() + " -m immediate -w stop",
        nullptr);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  // Servers whose test process is gone (killed before its exit handlers ran).
  static void StopAbandoned(const std::filesystem::path& bin, const std::string& run_as) {
    glob_t found{};
    if (glob("/tmp/abis-pg-*/owner.pid", 0, nullptr, &found) == 0) {
      for (std::size_t i = 0; i < found.gl_pathc; ++i) {
        std::ifstream in(found.gl_pathv[i]);
        long pid = 0;
        if (!(in >> pid) || pid <= 0) continue;
        if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
        Stop(bin, std::filesystem::path(found.gl_pathv[i]).parent_path(), run_as);
      }
    }
    globfree(&found);
  }

  // The cluster initdb made for these binaries and this user, made on first use under a lock.
  static std::filesystem::path Template(const std::filesystem::path& bin, const std::string& run_as, uid_t uid,
                                        gid_t gid, std::string* why) {
    const std::filesystem::path cluster = "/tmp/abis-pg-template-" + std::to_string(uid) + "-" +
                                          std::to_string(std::hash<std::string>{}(bin.string()) % 1000000007);
    const std::string lock_file = cluster.string() + ".lock";
    const int lock = open(lock_file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
      *why = "cannot lock " + lock_file;
      if (lock >= 0) close(lock);
      return {};
    }
    struct Unlock {
      int fd;
      ~Unlock() { close(fd); }
    } unlock{lock};
    if (std::filesystem::exists(cluster / "complete")) return cluster;
    std::string pattern = "/tmp/abis-pg-template-new-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr || chown(pattern.c_str(), uid, gid) != 0) {
      *why = "cannot make a folder for initdb";
      return {};
    }
    std::string output;
    if (!Run("cd / && " + run_as + (bin / "initdb").string() + " -D " + pattern +
                 "/data -U abis --auth=trust -E UTF8 --locale=C -N",
             &output)) {
      *why = "initdb failed: " + output;
      std::filesystem::remove_all(pattern);
      return {};
    }
    std::ofstream(std::filesystem::path(pattern) / "complete") << "\n";
    std::error_code error;
    std::filesystem::remove_all(cluster, error);
    std::filesystem::rename(pattern, cluster, error);
    if (error) {
      *why = "cannot keep the initialised cluster: " + error.message();
      std::filesystem::remove_all(pattern);
      return {};
    }
    return cluster;
  }

  static std::unique_ptr<PostgresServer> Start(std::string* why) {
    const std::filesystem::path bin = FindBinaries();
    if (bin.empty() || !std::filesystem::exists(bin / "initdb") || !std::filesystem::exists(bin / "pg_ctl")) {
      *why = "PostgreSQL's initdb and pg_ctl were not found (install postgresql, or set ABIS_PG_BIN)";
      return nullptr;
    }
    std::string run_as;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (uid == 0) {
      // initdb refuses to run as root: the server runs as nobody.
      const passwd* nobody = getpwnam("nobody");
      if (nobody == nullptr || !std::filesystem::exists("/usr/sbin/runuser")) {
        *why = "running as root, and no user nobody or no runuser to run PostgreSQL as";
        return nullptr;
      }
      uid = nobody->pw_uid;
      gid = nobody->pw_gid;
      run_as = "/usr/sbin/runuser -u nobody -- ";
    }
    StopAbandoned(bin, run_as);
    std::string pattern = "/tmp/abis-pg-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      *why = "cannot make a temporary folder for PostgreSQL";
      return nullptr;
    }
    const std::filesystem::path dir = pattern;
    std::ofstream(dir / "owner.pid") << getpid() << "\n";
    if (chown(dir.c_str(), uid, gid) != 0 || chmod(dir.c_str(), 0700) != 0) {
      *why = "cannot hand " + dir.string() + " to the server's user";
      std::filesystem::remove_all(dir);
      return nullptr;
    }
    std::string output;
    const std::string data = (dir / "data").string();
    const std::filesystem::path cluster = Template(bin, run_as, uid, gid, why);
    if (cluster.empty()) {
      std::filesystem::remove_all(dir);
      return nullptr;
    }
    if (!Run("cp -a " + (cluster / "data").string() + " " + data, &output)) {
      *why = "cannot copy the initialised cluster: " + output;
      std::filesystem::remove_all(dir);
      return nullptr;
    }
    // -w: pg_ctl returns once the server accepts connections (it waits on the server, not a clock).
    if (!Run("cd / && " + run_as + (bin / "pg_ctl").string() + " -D " + data + " -l " + (dir / "log").string() +
                 " -w -t 120 -o \"-k " + dir.string() + " -c listen_addresses='' -c fsync=off\" start",
             &output)) {
      std::ifstream log(dir / "log");
      std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      *why = "the PostgreSQL server did not start: " + output + log_text;
      Stop(bin, dir, run_as);
      return nullptr;
    }
    return std::unique_ptr<PostgresServer>(new PostgresServer(bin, dir, run_as));
  }

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  std::string run_as_;
  pid_t owner_;
  int databases_ = 0;
};

}  // namespace abis::testing
