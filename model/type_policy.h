// Event-type policy: what each interaction type means to the model.
//
//   positive types: enter the history the encoder reads and are training
//     targets, each with a loss weight (a `purchase:2` target counts twice a
//     `view`'s in the loss);
//   negative types: never enter the history; the item is never recommended
//     to that user again (service/ excludes it on every user route);
//   any other type: ignored by the model (neither history nor exclusion).
//
// Written as two comma-separated lists, e.g. positive "view,cart,purchase:2"
// and negative "dislike,hide". In the positive list `*` stands for every type
// that is not negative (its weight applies to the types not named), so the
// defaults ("*" and "dislike,hide") keep every type but the two negative ones
// at weight 1. An interaction without a type (a `user item` line) is a
// positive of weight 1. A type may not be both positive and negative.
//
// Immutable once parsed; safe to share across threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace attnrec::model {

inline constexpr std::string_view kDefaultPositiveTypes = "*";
inline constexpr std::string_view kDefaultNegativeTypes = "dislike,hide";

class TypePolicy {
 public:
  enum class Role { kPositive, kNegative, kIgnored };
  struct Decision {
    Role role = Role::kPositive;
    float weight = 1.0f;  // loss weight of a positive; 0 otherwise
  };

  // The defaults: every type positive at weight 1 except dislike and hide.
  TypePolicy();

  // kInvalidArgument naming the bad entry: an empty or malformed name (types
  // are a-z, 0-9, '_' and '-', 1-32 characters), a weight that is not a
  // finite number > 0, a repeated type, or a type in both lists.
  static Result<TypePolicy> parse(std::string_view positive, std::string_view negative);

  Decision classify(std::string_view type) const;
  bool is_negative(std::string_view type) const { return classify(type).role == Role::kNegative; }
  // True when every type is a positive of weight 1 and none is negative: the
  // model reads histories as they are stored.
  bool trivial() const;

  // The lists in the form parse() reads (weights of 1 left out).
  std::string positive_spec() const;
  std::string negative_spec() const;

 private:
  std::vector<std::pair<std::string, float>> positive_;  // named positive types
  bool any_positive_ = true;    // `*` given
  float any_weight_ = 1.0f;     // its weight
  std::vector<std::string> negative_;
};

}  // namespace attnrec::model
