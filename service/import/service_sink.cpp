#include "service/import/service_sink.h"

#include <utility>

#include "service/service.h"

namespace attnrec::service {

Status ServiceSink::ingest(std::span<const EventInput> events, IngestResult* result) {
  return service_.events().ingest(events, result);
}

Status ServiceSink::put_items(std::vector<Item> items) {
  return service_.catalog().put(std::move(items));
}

}  // namespace attnrec::service
