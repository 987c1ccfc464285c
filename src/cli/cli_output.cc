#include <fstream>
#include <iostream>

#include "abis/cli/plugin.h"
#include "abis/core/json_text.h"
#include "abis/core/text_validation.h"

namespace abis {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnimplemented: return 2;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied: return 3;
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 4;
    case StatusCode::kDataLoss:
    case StatusCode::kIoError: return 5;
    case StatusCode::kInternal: return 6;
    case StatusCode::kUnavailable: return 7;
  }
  return 6;
}

void ReportError(CliGlobals& globals, const Status& status, int exit_code) {
  // The message may quote what the operator typed: shown escaped, on one line.
  std::cerr << "abis: error: " << EscapeForDisplay(status.ToString(), 4000) << '\n';
  if (globals.json) {
    std::cout << ToJsonText({{"error", {{"code", StatusCodeName(status.code())}, {"message", status.message()}}}})
              << std::endl;
  }
  globals.exit_code = exit_code >= 0 ? exit_code : ExitCodeFor(status);
}

void PrintResult(const CliGlobals& globals, const nlohmann::json& result,
                 const std::function<void(std::ostream&)>& human) {
  if (globals.json) {
    std::cout << ToJsonText(result) << std::endl;
  } else if (human) {
    human(std::cout);
    std::cout.flush();
  } else {
    std::cout << ToJsonText(result, 2) << std::endl;
  }
}

Result<std::vector<std::uint8_t>> ReadFileBytes(const std::string& path, std::size_t max_bytes) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return Status::NotFound("cannot read '" + path + "': no such file");
  if (!std::filesystem::is_regular_file(path, error)) {
    return Status::InvalidArgument("cannot read '" + path + "': not a regular file");
  }
  auto size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError("cannot read '" + path + "': " + error.message());
  if (size > max_bytes) {
    return Status::ResourceExhausted("'" + path + "' is " + std::to_string(size) + " bytes, above the limit of " +
                                     std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(size);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Status::IoError("cannot read '" + path + "': read failed");
  }
  return bytes;
}

}  // namespace abis
