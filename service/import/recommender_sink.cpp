#include "service/import/recommender_sink.h"

#include <utility>

#include "service/recommender.h"

namespace attnrec::service {

Status RecommenderSink::ingest(std::span<const EventInput> events, IngestResult* result) {
  return recommender_.ingest(events, result);
}

Status RecommenderSink::put_items(std::vector<Item> items) {
  return recommender_.put_items(std::move(items));
}

}  // namespace attnrec::service
