#include "abis/modality/engine.h"

namespace abis {

Status ModalityGallery::SaveState(GalleryStateWriter& /*out*/) const {
  return Status::Unimplemented("this gallery keeps no snapshot state");
}

Status ModalityGallery::LoadState(GalleryStateReader& /*in*/) {
  return Status::Unimplemented("this gallery keeps no snapshot state");
}

}  // namespace abis
