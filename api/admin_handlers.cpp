// Operations on models: retrain jobs (/v1/admin/train) and the registry
// (/v1/models, rollback by activation).
#include <string>

#include <boost/json.hpp>

#include "api/body_fields.h"
#include "api/handlers.h"
#include "api/responses.h"
#include "api/validation.h"
#include "service/codec.h"
#include "service/recommender.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

HttpResponse post_train(const RequestContext& ctx) {
  // No body (or an empty one) trains with the service's defaults.
  json::object options;
  if (!ctx.req.body().empty()) {
    if (auto e = object_body(ctx.req, &options)) return std::move(*e);
  }
  std::string job;
  if (const service::Status s = ctx.rec.start_training(options, &job); !s.is_ok()) return status_response(s);
  HttpResponse res = json_response(http::status::accepted, json::object{{"job", job}, {"state", "queued"}});
  res.set(http::field::location, "/v1/admin/train/" + job);
  return res;
}

HttpResponse get_train_job(const RequestContext& ctx) {
  service::TrainJob job;
  if (const service::Status s = ctx.rec.training_job(path_param(ctx, "job"), &job); !s.is_ok()) {
    return status_response(s);
  }
  return json_response(http::status::ok, service::encode_train_job(job));
}

HttpResponse delete_train_job(const RequestContext& ctx) {
  const std::string id = path_param(ctx, "job");
  if (const service::Status s = ctx.rec.cancel_training(id); !s.is_ok()) return status_response(s);
  service::TrainJob job;
  if (const service::Status s = ctx.rec.training_job(id, &job); !s.is_ok()) return status_response(s);
  // A running job stops at its next batch: the state may still say running.
  return json_response(http::status::accepted, service::encode_train_job(job));
}

HttpResponse get_models(const RequestContext& ctx) {
  json::array models;
  if (const service::Status s = ctx.rec.list_models(&models); !s.is_ok()) return status_response(s);
  const std::string live = ctx.rec.live_model_version();
  return json_response(http::status::ok,
                       json::object{{"active", live.empty() ? json::value(nullptr) : json::value(live)},
                                    {"models", std::move(models)}});
}

HttpResponse post_activate_model(const RequestContext& ctx) {
  const std::string version = path_param(ctx, "version");
  if (const service::Status s = ctx.rec.activate_model(version); !s.is_ok()) return status_response(s);
  return json_response(http::status::ok, json::object{{"active", version}});
}

}  // namespace attnrec::api
