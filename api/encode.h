// JSON of the service's answers, as the HTTP API sends them. The one place
// that turns service result structs into response bodies.
#pragma once

#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "service/events.h"
#include "service/recommend/recommender.h"
#include "service/search/search.h"
#include "service/training/jobs.h"
#include "service/training/registry.h"

namespace attnrec::api {

// {"item","type","ts","weight"}
boost::json::object encode_history_event(const service::HistoryEvent& event);
// {"strategy","model_version"(null without a model),"items":[{"id","score"
//  (,"because":[..] with explain)}]}
// `sp`: where the JSON's memory comes from (a request-local monotonic
// resource on the hot paths: no malloc per element).
boost::json::object encode_recommendations(const service::Recommendations& recs, bool explain,
                                           boost::json::storage_ptr sp = {});
// {"strategy","model_version","items":[{"id","score","fallback"}]}
boost::json::object encode_rank_results(const service::RankResults& ranked, boost::json::storage_ptr sp = {});
// {"model_version","score","layers":[{"heads":[{"weights":[{"item","position","weight"}]}]}]}
boost::json::object encode_attention(const service::AttentionMap& map);
// {"strategy","model_version","items":[{"id","title","score","text_score","personal_score"}]}
boost::json::object encode_search_results(const service::SearchResults& results);
// {"job","state","trigger","options","created","started","finished","progress":{..},
//  "epochs":[..],"metrics":{..}|null,"version","activated","decision"(,"error")}
boost::json::object encode_train_job(const service::TrainJob& job);
// {"version","created","file","source","users","items","interactions",
//  "valid_ndcg","report","active"}
boost::json::object encode_model_record(const service::ModelRecord& record, bool active);

}  // namespace attnrec::api
