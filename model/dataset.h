// Interaction sequences and the leave-one-out split.
//
// A Dataset maps external user and item ids (strings) to dense internal
// indices: users 0..U-1, items 1..N (0 is the padding index of the model).
// When every item id in a file is a decimal integer the dictionary is sorted
// numerically, so SASRec-format files keep their own item numbers.
//
// Split (SASRec protocol): for a user with >= 3 items, the last item is the
// test target, the second last the validation target, the rest is training
// data. Shorter users are used for training only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace attnrec::model {

struct Dataset {
  std::vector<std::string> user_ids;            // [U] external ids, file order
  std::vector<std::string> item_ids;            // [N] item_ids[i - 1] is item i
  std::vector<std::vector<int32_t>> seqs;       // [U] items 1..N, oldest first
  size_t dropped = 0;                           // lines with an item unknown to a fixed dictionary

  int32_t num_items() const { return int32_t(item_ids.size()); }
  size_t num_interactions() const;
};

// Reads the `user item` format (one interaction per line, whitespace
// separated, lines of a user in time order; users may interleave). Blank
// lines and lines starting with '#' are skipped. Errors name FILE:LINE:
// kNotFound (no such file), kIOError (cannot open or read it),
// kInvalidArgument (a bad line, or no interaction at all).
Result<Dataset> read_pairs(const std::string& path);

// Same, but with a fixed item dictionary (a trained model's, item_ids[i-1] =
// item i): interactions with unknown items are dropped and counted.
Result<Dataset> read_pairs(const std::string& path, const std::vector<std::string>& item_ids);

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
