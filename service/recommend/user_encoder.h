// UserEncoder: the user side of every model answer. Reads a request's
// history (a stored user's newest events as item ids, or a session's items)
// and encodes it with the live model, through the encoder cache for stored
// users: a cache hit skips the forward pass. A stored user's events are read
// under the type policy (model/type_policy.h): positives are the history the
// encoder reads, negatives the items never to recommend to that user,
// other types are left out. A session's items are all positives.
//
// Thread safety: const; safe from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/type_policy.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

class EncoderCache;
struct ServingModel;

struct EncodedUser {
  std::vector<uint32_t> history;  // store ids, oldest first: the positives the encoder reads
  std::vector<uint32_t> negatives;  // store ids, sorted distinct: never recommend these
  std::vector<float> vec;         // [d] user vector; empty when not encoded
  bool encoded() const { return !vec.empty(); }
};

class UserEncoder {
 public:
  // Every reference must outlive this object.
  UserEncoder(const storage::Store& store, EncoderCache& cache, size_t history_cap,
              const model::TypePolicy& types);

  // `user` non-empty: that stored user's history (empty for an unknown
  // user); otherwise `session`'s items the store knows. With `model`, also
  // the user vector (left empty when the model knows none of the items).
  // `out` is reused: its buffers keep their capacity.
  Status encode(const ServingModel* model, std::string_view user,
                const std::vector<std::string>& session, EncodedUser* out) const;

 private:
  const storage::Store& store_;
  EncoderCache& cache_;
  const size_t history_cap_;
  const model::TypePolicy& types_;
};

}  // namespace attnrec::service
