// The modality plugins compiled into this build. A module folder that exists under src/ defines
// ABIS_HAVE_<MODULE> (see the top-level CMakeLists.txt); this is the only list of them.
#include "abis/cli/plugin.h"

#ifdef ABIS_HAVE_DNA
#include "abis/dna_cli/plugin.h"
#endif
#ifdef ABIS_HAVE_FACE
#include "abis/face_cli/plugin.h"
#endif
#ifdef ABIS_HAVE_FINGER
#include "abis/finger_cli/plugin.h"
#endif

namespace abis {

const std::vector<ModalityPlugin>& ModalityPlugins() {
  static const std::vector<ModalityPlugin> plugins = [] {
    std::vector<ModalityPlugin> list;
#ifdef ABIS_HAVE_FACE
    list.push_back(face::MakePlugin());
#endif
#ifdef ABIS_HAVE_FINGER
    list.push_back(finger::MakePlugin());
#endif
#ifdef ABIS_HAVE_DNA
    list.push_back(dna::MakePlugin());
#endif
    return list;
  }();
  return plugins;
}

Result<const ModalityPlugin*> FindModalityPlugin(Modality modality) {
  for (const ModalityPlugin& plugin : ModalityPlugins()) {
    if (plugin.modality == modality) return &plugin;
  }
  return Status::Unimplemented("this build has no " + std::string(ModalityName(modality)) + " modality");
}

}  // namespace abis
