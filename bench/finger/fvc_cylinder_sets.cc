#include "fvc_cylinder_sets.h"

#include <charconv>

#include "abis/finger/finger_engine.h"

namespace abis::finger::bench {

Result<std::vector<FvcCylinderSet>> LoadFvcCylinderSets(const std::vector<std::string>& folder_arguments,
                                                        bool with_iso) {
  const auto engine = MakeFingerEngine();
  std::vector<FvcCylinderSet> sets;
  for (const std::string& argument : folder_arguments) {
    std::string folder = argument;
    double ppi = 0;
    if (const auto at = folder.rfind('@'); at != std::string::npos) {
      const char* first = folder.data() + at + 1;
      const char* last = folder.data() + folder.size();
      const auto [end, error] = std::from_chars(first, last, ppi);
      if (error != std::errc() || end != last || ppi <= 0) {
        return Status::InvalidArgument(argument + ": expected DIR or DIR@PPI with a positive resolution");
      }
      folder.resize(at);
    }
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    for (const auto source : {FvcTemplateSource::kOwnExtractor, FvcTemplateSource::kIsoTemplates}) {
      if (source == FvcTemplateSource::kIsoTemplates && !with_iso) continue;
      ABIS_ASSIGN_OR_RETURN(FvcTemplateSet extracted, ExtractFvcFolder(folder, *engine, source, 0, ppi));
      FvcCylinderSet set;
      set.folder = folder;
      set.database = folder.substr(folder.find_last_of('/') + 1);
      set.source = extracted.extractor;
      set.samples = std::move(extracted.samples);
      set.cylinders.resize(set.samples.size());
      set.enrolled.assign(set.samples.size(), false);
      for (std::size_t i = 0; i < set.samples.size(); ++i) {
        if (!extracted.templates[i]) continue;  // failure to enrol
        ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(*extracted.templates[i]));
        set.cylinders[i] = BuildMccTemplate(minutiae);
        set.enrolled[i] = true;
      }
      sets.push_back(std::move(set));
    }
  }
  return sets;
}

}  // namespace abis::finger::bench
