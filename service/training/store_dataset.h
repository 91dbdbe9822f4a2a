// Training data from the store: every user's sequence, read from one
// consistent snapshot while ingest goes on, as a model::Dataset.
#pragma once

#include <string>
#include <vector>

#include "model/dataset.h"
#include "base/status.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

// Users with at least one event become dataset users (external ids); items
// that occur become dataset items 1..N in the store's id order.
Status read_store_dataset(const storage::Store& store, model::Dataset* data);

// The same users and sequences over another item dictionary (a trained
// model's: item_ids[i - 1] is item i); items it lacks are dropped.
model::Dataset remap_dataset(const model::Dataset& data, const std::vector<std::string>& item_ids);

}  // namespace attnrec::service
