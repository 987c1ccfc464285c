// ModalityGallery::PrepareReference / AddReference: the default two-step Add (abis/modality/engine.h).
#include <memory>
#include <utility>

#include "abis/modality/engine.h"

namespace abis {
namespace {

// The default preparation: the template itself, for Add().
class KeptTemplate final : public ModalityGallery::PreparedReference {
 public:
  explicit KeptTemplate(BiometricTemplate reference) : reference(std::move(reference)) {}
  BiometricTemplate reference;
};

}  // namespace

Result<std::unique_ptr<ModalityGallery::PreparedReference>> ModalityGallery::PrepareReference(
    const BiometricTemplate& reference) const {
  return std::unique_ptr<PreparedReference>(std::make_unique<KeptTemplate>(reference));
}

Status ModalityGallery::AddReference(std::int64_t reference_id, std::unique_ptr<PreparedReference> prepared) {
  auto* kept = dynamic_cast<KeptTemplate*>(prepared.get());
  if (kept == nullptr) return Status::InvalidArgument("gallery: a reference prepared by another gallery");
  return Add(reference_id, kept->reference);
}

}  // namespace abis
