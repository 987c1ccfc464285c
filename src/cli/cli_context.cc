#include "cli_context.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "abis/core/paths.h"

namespace abis::cli {

Result<std::string> CliContext::StoreDir() const {
  if (!globals_.store_dir.empty()) return globals_.store_dir;
  const char* env = std::getenv("ABIS_STORE");
  if (env != nullptr && *env != '\0') return std::string(env);
  return Status::InvalidArgument("no store given: pass --store DIR or set ABIS_STORE");
}

Result<const ModalityEngine*> CliContext::Engine(Modality modality) {
  std::lock_guard<std::mutex> lock(engines_mutex_);
  auto found = engines_.find(modality);
  if (found != engines_.end()) return found->second.get();
  ABIS_ASSIGN_OR_RETURN(const ModalityPlugin* plugin, FindModalityPlugin(modality));
  EngineConfig config;
  config.model_dir = ModelDir();
  config.resource_dir = ResourceDir();
  auto engine = plugin->make_engine(config);
  if (!engine.ok())
    return engine.status().WithContext(std::string("starting the ") + std::string(ModalityName(modality)) + " engine");
  const ModalityEngine* pointer = engine->get();
  engines_[modality] = std::move(engine).value();
  return pointer;
}

Result<std::string> CliContext::ReadApiKey() const {
  if (!globals_.key_file.empty()) {
    std::ifstream in(globals_.key_file);
    if (!in) return Status::NotFound("cannot read key file '" + globals_.key_file + "'");
    std::string key;
    std::getline(in, key);
    while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
    if (key.rfind("api_key: ", 0) == 0) key = key.substr(9);
    return key;
  }
  const char* env = std::getenv("ABIS_API_KEY");
  if (env != nullptr && *env != '\0') return std::string(env);
  return Status::Unauthenticated("no API key: set ABIS_API_KEY or pass --key-file FILE");
}

Result<std::pair<AbisSystem*, Operator>> CliContext::OpenAsOperator(SnapshotLoading loading) {
  ABIS_ASSIGN_OR_RETURN(std::string dir, StoreDir());
  if (!system_) {
    auto indexes = std::make_shared<GalleryIndexCache>();
    indexes->SetSnapshotLoading(loading);
    ABIS_ASSIGN_OR_RETURN(system_, AbisSystem::Open(
                                       dir, [this](Modality m) { return Engine(m); }, indexes));
  }
  ABIS_ASSIGN_OR_RETURN(std::string key, ReadApiKey());
  ABIS_ASSIGN_OR_RETURN(Operator op, system_->Authenticate(key));
  return std::make_pair(system_.get(), op);
}

Result<std::unique_ptr<AbisSystem>> CliContext::OpenAnotherSystem() {
  ABIS_ASSIGN_OR_RETURN(std::string dir, StoreDir());
  return AbisSystem::Open(
      dir, [this](Modality m) { return Engine(m); }, worker_indexes_);
}

void SaveIndexSnapshotsQuietly(AbisSystem& system) {
  for (const std::string& error : system.SaveIndexSnapshots().errors) {
    std::cerr << "abis: warning: gallery index snapshot not written: " << error << "\n";
  }
}

}  // namespace abis::cli
