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
//
// The store's snapshot carries no event types, so they are read from the
// user's history (its newest `history_cap` events, as serving reads them)
// and matched to the snapshot's events by (time, item). A snapshot event
// with no match (older than the newest history_cap, or replaced by a
// concurrent ingest) counts as a positive of weight 1: the same events the
// serving path cannot see the type of either.
Status read_store_dataset(const storage::Store& store, const model::TypePolicy& types,
                          size_t history_cap, model::Dataset* data);

// The same users and sequences over another item dictionary (a trained
// model's: item_ids[i - 1] is item i); items it lacks are dropped, with
// their weights and negative marks.
model::Dataset remap_dataset(const model::Dataset& data, const std::vector<std::string>& item_ids);

}  // namespace attnrec::service
