// Training data from the store: every user's sequence, read from one
// consistent snapshot while ingest goes on, as a model::Dataset.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/dataset.h"
#include "model/type_policy.h"
#include "base/status.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

// Users with at least one event become dataset users (external ids); items
// that occur become dataset items 1..N in the store's id order. Each event
// is read under `types` (model/type_policy.h): positives form the sequence
// with their weights, negatives the user's negative set, others are dropped.
// Types come with the snapshot's events, the whole log's.
Status read_store_dataset(const storage::Store& store, const model::TypePolicy& types, model::Dataset* data);

// The same users and sequences over another item dictionary (a trained
// model's: item_ids[i - 1] is item i); items it lacks are dropped, with
// their weights and negative marks.
model::Dataset remap_dataset(const model::Dataset& data, const std::vector<std::string>& item_ids);

}  // namespace attnrec::service
