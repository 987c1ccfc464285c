// Runs the `abis` binary (path from env ABIS_CLI, set by CTest) and captures its output.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace abis::testing {

struct CliRun {
  int exit_code = -1;
  bool crashed = false;  // killed by a signal
  std::string out;
  std::string err;
  // The last non-empty line of stdout.
  std::string LastLine() const {
    std::istringstream lines(out);
    std::string line, last;
    while (std::getline(lines, line)) {
      if (!line.empty()) last = line;
    }
    return last;
  }
  int ErrLines() const {
    int count = 0;
    for (char c : err) count += c == '\n' ? 1 : 0;
    return count;
  }
};

inline std::string CliPath() {
  const char* path = std::getenv("ABIS_CLI");
  return path != nullptr ? path : "abis";
}

inline std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `abis <args>` with extra environment variables; stdin is /dev/null.
inline CliRun RunCli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                     const std::filesystem::path& scratch = std::filesystem::temp_directory_path()) {
  static int counter = 0;
  auto out_file = scratch / ("cli-out-" + std::to_string(::getpid()) + "-" + std::to_string(counter));
  auto err_file = scratch / ("cli-err-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::string command = "env -u ABIS_API_KEY -u ABIS_STORE";
  for (const auto& [name, value] : env) command += " " + name + "=" + ShellQuote(value);
  command += " " + ShellQuote(CliPath());
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command += " </dev/null >" + ShellQuote(out_file.string()) + " 2>" + ShellQuote(err_file.string());
  int status = std::system(command.c_str());
  CliRun run;
  if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
    // The shell reports a child killed by a signal as 128 + signal.
    run.crashed = run.exit_code >= 128;
  } else {
    run.crashed = true;
  }
  auto slurp = [](const std::filesystem::path& file) {
    std::ifstream in(file);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  run.out = slurp(out_file);
  run.err = slurp(err_file);
  std::filesystem::remove(out_file);
  std::filesystem::remove(err_file);
  return run;
}

}  // namespace abis::testing
