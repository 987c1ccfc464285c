// One impression of a master fingerprint: where and how the finger touched the sensor.
#pragma once

#include "abis/finger_extract/synth.h"
#include "synth/master_fingerprint.h"
#include "synth/random.h"

namespace abis::finger::synth {

// Renders an impression of `master` with random displacement, rotation, elastic distortion,
// pressure (ridge thickness), partial contact, dry patches and sensor noise, and maps the master
// minutiae into it (those inside the contact area). `first` impressions are better placed, as
// an enrolment capture would be.
SyntheticImpression RenderImpression(Random& random, const MasterFingerprint& master, SynthImageSize size, bool first);

}  // namespace abis::finger::synth
