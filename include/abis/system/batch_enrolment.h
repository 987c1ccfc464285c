// Enrolment of many new persons in few transactions (what the batch import commits): each
// person's samples are extracted first, on any thread (AbisSystem::PrepareNewPerson); then
// AbisSystem::CommitNewPersons writes a batch of them in one store transaction with one audit
// entry ("enrol.batch") naming the persons, encounters, samples, templates and the gallery by id
// and the samples by SHA-256, never their bytes. All or nothing per person: each person's rows go
// in under a savepoint, and a person whose rows fail (an id that exists, a record the store
// refuses) is left out whole while the others commit. A failure of the store itself rolls the
// whole batch back. Thread-safety: plain values; the AbisSystem methods as that class says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/system/abis_system.h"

namespace abis {

// A new person's encounter with every sample extracted, ready to commit.
struct PreparedPerson {
  EncounterEnrolment request;                // new_person set; the samples keep their bytes (sealed at commit)
  std::vector<BiometricTemplate> templates;  // one per sample, in order
  std::vector<nlohmann::json> kept_options;  // per sample: the options stored with it
  std::vector<std::string> sample_sha256;    // per sample, for the audit entry
};

struct NewPersonsBatch {
  std::string gallery;   // every person joins it (a register gallery, not a watchlist)
  std::string case_ref;  // the audit entry's case reference (required, at most 128 characters)
  // Set: each person also gets a pending-deduplication marker (Store::AddPendingDedup) in the
  // same transaction, at this false match rate; the deduplication search removes it.
  std::optional<double> pending_dedup_fmr;
};

struct NewPersonsCommit {
  std::vector<Status> outcomes;          // per prepared person: Ok (created) or why it was left out
  std::vector<std::int64_t> person_ids;  // per prepared person: its store id when created, else 0
  std::int64_t audit_seq = 0;            // the batch's audit entry (0 when nobody was created)
};

// Failures of a person's own data inside a batch (that person is left out, the batch goes on),
// as opposed to failures of the store, which fail the batch.
bool IsPersonLevelFailure(const Status& status);

}  // namespace abis
