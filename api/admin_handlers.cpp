// Operations on models: retrain jobs (/v1/admin/train) and the registry
// (/v1/models, rollback by activation).
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/body_fields.h"
#include "api/handlers.h"
#include "api/responses.h"
#include "api/train_options.h"
#include "api/decode.h"
#include "api/encode.h"
#include "service/json_codec.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

HttpResponse post_train(const RequestContext& ctx) {
  // No body (or an empty one) trains with the service's defaults.
  service::TrainOptions options = ctx.svc.models().default_options();
  if (!ctx.req.body().empty()) {
    json::object body;
    if (auto e = object_body(ctx.req, &body)) return std::move(*e);
    if (auto e = decode_train_options(body, &options)) return std::move(*e);
  }
  std::string job;
  if (const Status s = ctx.svc.models().start_training(options, &job); !s.is_ok()) return status_response(s);
  HttpResponse res = json_response(http::status::accepted, json::object{{"job", job}, {"state", "queued"}});
  res.set(http::field::location, "/v1/admin/train/" + job);
  return res;
}

HttpResponse get_train_job(const RequestContext& ctx) {
  service::TrainJob job;
  if (const Status s = ctx.svc.models().job(path_param(ctx, "job"), &job); !s.is_ok()) {
    return status_response(s);
  }
  return json_response(http::status::ok, encode_train_job(job));
}

HttpResponse delete_train_job(const RequestContext& ctx) {
  const std::string id = path_param(ctx, "job");
  if (const Status s = ctx.svc.models().cancel(id); !s.is_ok()) return status_response(s);
  service::TrainJob job;
  if (const Status s = ctx.svc.models().job(id, &job); !s.is_ok()) return status_response(s);
  // A running job stops at its next batch: the state may still say running.
  return json_response(http::status::accepted, encode_train_job(job));
}

HttpResponse get_models(const RequestContext& ctx) {
  std::vector<service::ModelRecord> records;
  if (const Status s = ctx.svc.models().list(&records); !s.is_ok()) return status_response(s);
  const std::string live = ctx.svc.models().live_version();
  json::array models;
  for (const auto& r : records) models.emplace_back(encode_model_record(r, r.version == live));
  return json_response(http::status::ok,
                       json::object{{"active", live.empty() ? json::value(nullptr) : json::value(live)},
                                    {"models", std::move(models)}});
}

HttpResponse post_activate_model(const RequestContext& ctx) {
  const std::string version = path_param(ctx, "version");
  if (const Status s = ctx.svc.models().activate(version); !s.is_ok()) return status_response(s);
  return json_response(http::status::ok, json::object{{"active", version}});
}

}  // namespace attnrec::api
