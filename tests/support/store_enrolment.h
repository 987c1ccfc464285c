// Enrols a person straight through the Store (white-box tests of the gallery index cache and its
// snapshots): one encounter, one random face sample of the test engine, its template, and
// membership of `gallery_id`. Returns the person's id.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "abis/store/store.h"
#include "test_engine.h"

namespace abis::testing {

inline std::int64_t EnrolStoredFace(Store& store, const ModalityEngine& engine, std::int64_t operator_id,
                                    std::int64_t gallery_id, const std::string& external_id, std::uint32_t seed) {
  Person person;
  person.external_id = external_id;
  person.legal_basis = "Test Act";
  person.retention_until = "2099-01-01";
  EXPECT_TRUE(store.AddPerson(person).ok());
  Encounter encounter;
  encounter.person_id = person.id;
  encounter.operator_id = operator_id;
  std::int64_t encounter_id = *store.AddEncounter(encounter);
  SampleInput sample;
  sample.bytes = RandomSample(seed);
  std::int64_t sample_id =
      *store.AddSample(encounter_id, person.id, Modality::kFace, "raw", FingerPosition::kUnknown, sample.bytes);
  EXPECT_TRUE(store.AddTemplate(sample_id, person.id, *engine.Extract(sample)).ok());
  EXPECT_TRUE(store.AddGalleryMember(gallery_id, person.id).ok());
  return person.id;
}

}  // namespace abis::testing
