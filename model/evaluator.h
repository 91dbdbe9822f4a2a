// Leave-one-out evaluation of a Model on a Dataset split.
//
// Protocols (every reported figure names its protocol):
//   kSampled ("sampled-100"): the target is ranked against `negatives` (100)
//     items drawn uniformly from the items the user never interacted with
//     (the SASRec paper's protocol);
//   kFull ("full"): the target is ranked against all N items, excluding the
//     items of the user's history (other than the target itself).
// Items the user marked with a negative type (Dataset::negatives) are never
// recommended to that user, so they are no candidates under either protocol.
// Ties count against the target (rank = number of candidates scoring
// strictly higher), so a constant model gets no free hits.
#pragma once

#include <cstdint>
#include <string>

#include "model/dataset.h"
#include "model/metrics.h"
#include "model/model.h"

namespace attnrec::model {

enum class Protocol { kSampled, kFull };

std::string protocol_name(Protocol p);  // "sampled-100" / "full"

struct EvalOptions {
  Protocol protocol = Protocol::kFull;
  int negatives = 100;
  uint64_t seed = 2018;  // negative sampling; fixed per user for a given seed
  int threads = 2;
  int max_users = 0;     // evaluate only the first max_users cases (0 = all)
};

RankMetrics evaluate(const Model& model, const Dataset& data, Split split,
                     const EvalOptions& options);

// Users a test report ranks: every one up to 100,000 catalog items; beyond,
// as many as 5e9 item scores allow (5,000 users at 1M items): ranking every
// user of a large catalog in full takes longer than training on it (~30 ms
// a user at 1M items, d 64).
int test_user_limit(int64_t num_items);

// The leave-one-out test items under both protocols, of every user or of
// the first test_user_limit() of them.
struct TestReport {
  RankMetrics full, sampled;
  double seconds = 0;  // wall clock of the two evaluations
};

TestReport evaluate_test(const Model& model, const Dataset& data, int threads);

}  // namespace attnrec::model
