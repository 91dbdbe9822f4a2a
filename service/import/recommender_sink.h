// An ImportSink that writes into a service::Recommender (what `attnrec
// import` uses). Kept apart from the importer so that the importer does not
// depend on Recommender.
#pragma once

#include <span>
#include <vector>

#include "service/import/importer.h"

namespace attnrec::service {

class Recommender;

// Forwards to Recommender::ingest and put_items unchanged. `recommender`
// must outlive the sink; thread safety is Recommender's.
class RecommenderSink final : public ImportSink {
 public:
  explicit RecommenderSink(Recommender& recommender) : recommender_(recommender) {}
  Status ingest(std::span<const EventInput> events, IngestResult* result) override;
  Status put_items(std::vector<Item> items) override;

 private:
  Recommender& recommender_;
};

}  // namespace attnrec::service
