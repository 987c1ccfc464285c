// Store-internal helpers of the master key file (store_open.cc, store_key_rotation.cc).
#pragma once

#include <string>

#include "abis/core/status.h"
#include "abis/store/store.h"

namespace abis {

// The passphrase of ABIS_KEY_PASSPHRASE_FILE without its final line break; empty when the layout
// names no passphrase file. An empty file is kInvalidArgument. The caller wipes it (WipeSecret).
Result<std::string> ReadKeyPassphrase(const StoreLayout& layout);

// At open, when NextKeyFile(layout) exists (a rotation was interrupted): `store` was opened with
// `current`, the key file's key. Tries the first wrapped data key under that key and under the new one:
// under the old key the rotation never committed and the new file is deleted; under the new key
// it committed and the new file is renamed over the key file. A store with no sealed record takes
// the new key. Each case says what it did on stderr. Returns true when the key file changed (the
// caller reopens the store). Neither key opening it is kDataLoss, with both files left as they are.
Result<bool> FinishInterruptedKeyRotation(Store& store, const StoreLayout& layout, const MasterKey& current);

}  // namespace abis
