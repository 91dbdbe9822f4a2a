// Interaction sequences and the leave-one-out split.
//
// A Dataset maps external user and item ids (strings) to dense internal
// indices: users 0..U-1, items 1..N (0 is the padding index of the model).
// When every item id in a file is a decimal integer the dictionary is sorted
// numerically, so SASRec-format files keep their own item numbers.
//
// Split (SASRec protocol): for a user with >= 3 items, the last item is the
// test target, the second last the validation target, the rest is training
// data. Shorter users are used for training only. (What the trainer trains
// on under each protocol is in trainer.h: TrainProtocol.)
//
// Event types (type_policy.h): a sequence holds only the positive
// interactions, each with its loss weight; items of negative types are kept
// apart per user (never in a history, never ranked for that user); ignored
// types are dropped and counted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/type_policy.h"

namespace attnrec::model {

struct Dataset {
  std::vector<std::string> user_ids;            // [U] external ids, file order
  std::vector<std::string> item_ids;            // [N] item_ids[i - 1] is item i
  std::vector<std::vector<int32_t>> seqs;       // [U] items 1..N, oldest first
  size_t dropped = 0;                           // lines with an item unknown to a fixed dictionary
  // [U][len(seqs[u])] loss weight of each positive (its type's); empty when
  // every weight is 1.
  std::vector<std::vector<float>> weights;
  // [U] sorted distinct items the user marked with a negative type; empty
  // when no user did.
  std::vector<std::vector<int32_t>> negatives;
  size_t ignored = 0;                           // interactions of ignored types

  // The weights of user u's sequence (empty = all 1).
  std::span<const float> weights_of(size_t u) const {
    return weights.empty() ? std::span<const float>() : std::span<const float>(weights[u]);
  }
  // User u's negative items, sorted (possibly empty).
  std::span<const int32_t> negatives_of(size_t u) const {
    return negatives.empty() ? std::span<const int32_t>() : std::span<const int32_t>(negatives[u]);
  }

  int32_t num_items() const { return int32_t(item_ids.size()); }
  size_t num_interactions() const;
};

// Reads the `user item [type]` format (one interaction per line, whitespace
// separated, lines of a user in time order; users may interleave; the
// optional third field is the event type, read under `types`). Blank lines
// and lines starting with '#' are skipped. Errors name FILE:LINE:
// kNotFound (no such file), kIOError (cannot open or read it),
// kInvalidArgument (a bad line, or no interaction at all).
Result<Dataset> read_pairs(const std::string& path, const TypePolicy& types = {});

// Same, but with a fixed item dictionary (a trained model's, item_ids[i-1] =
// item i): interactions with unknown items are dropped and counted.
Result<Dataset> read_pairs(const std::string& path, const std::vector<std::string>& item_ids,
                           const TypePolicy& types = {});

// Building a typed dataset one interaction at a time (the file and store
// readers): add_interaction() appends user u's interaction with `item` as
// `decision` says, in time order; finish_interactions() sorts the negative
// sets and sizes the weights. Precondition: data.seqs has an entry for u.
void add_interaction(Dataset& data, size_t u, int32_t item, TypePolicy::Decision decision);
void finish_interactions(Dataset& data);

// The part of a user's sequence used for training (all but the last two
// items when it has at least 3).
std::span<const int32_t> train_part(std::span<const int32_t> seq);

enum class Split { kValid, kTest };

struct EvalCase {
  int32_t user;
  std::span<const int32_t> history;  // items before the target, oldest first
  int32_t target;
};

// One case per user with >= 3 items.
std::vector<EvalCase> eval_cases(const Dataset& data, Split split);

}  // namespace attnrec::model
