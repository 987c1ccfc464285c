// The face modality's CLI plugin: engine factory plus `abis eval face` and `abis bench face`.
#pragma once

#include "abis/cli/plugin.h"

namespace abis::face {

ModalityPlugin MakePlugin();

}  // namespace abis::face
