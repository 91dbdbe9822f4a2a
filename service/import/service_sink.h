// An ImportSink that writes into a Service (what `attnrec import` uses):
// events through Events::ingest, items through Catalog::put. Kept apart from
// the importer so that the importer does not depend on the Service.
#pragma once

#include <span>
#include <vector>

#include "service/import/importer.h"

namespace attnrec::service {

class Service;

// `service` must outlive the sink; thread safety is the Service's.
class ServiceSink final : public ImportSink {
 public:
  explicit ServiceSink(Service& service) : service_(service) {}
  Status ingest(std::span<const EventInput> events, IngestResult* result) override;
  Status put_items(std::vector<Item> items) override;

 private:
  Service& service_;
};

}  // namespace attnrec::service
