// Operations: liveness, readiness, metrics.
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/openapi.h"
#include "api/responses.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

HttpResponse get_healthz(const RequestContext& /*ctx*/) {
  return json_response(http::status::ok, json::object{{"status", "ok"}});
}

HttpResponse get_readyz(const RequestContext& ctx) {
  if (!ctx.svc.ready()) {
    return error_response(http::status::service_unavailable, "not_ready",
                          "the service is starting");
  }
  return json_response(http::status::ok, json::object{{"status", "ready"}});
}

HttpResponse get_metrics(const RequestContext& ctx) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, kPrometheusType);
  res.body() = ctx.svc.metrics().render(ctx.svc.stats());
  return res;
}

HttpResponse get_openapi(const RequestContext& /*ctx*/) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, kJsonType);
  res.body() = std::string(openapi_document());
  return res;
}

}  // namespace attnrec::api
