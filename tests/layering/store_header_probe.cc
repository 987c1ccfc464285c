// A translation unit that includes a store header, compiled by tools/check_layering.sh twice: as
// part of a target that links abis_store (it must compile: the probe itself is sound) and of one
// that links only abis_modality, which does not link the store (it must not compile: the include
// path of a library holds only the headers of what it links).
#include "abis/store/store.h"
