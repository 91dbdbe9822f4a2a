// Operations: liveness, readiness, metrics.
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/decode.h"
#include "api/openapi.h"
#include "web/assets.h"
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

namespace {

HttpResponse asset_response(const web::Asset& asset) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, asset.content_type);
  // The files change only with the binary: a browser may keep them briefly.
  res.set(http::field::cache_control, "max-age=60");
  res.body() = std::string(asset.body);
  return res;
}

}  // namespace

HttpResponse get_console(const RequestContext& /*ctx*/) { return asset_response(*web::find_asset("index.html")); }

HttpResponse get_console_file(const RequestContext& ctx) {
  const std::string name = path_param(ctx, "file");
  const web::Asset* asset = name == "index.html" ? nullptr : web::find_asset(name);
  if (!asset) return error_response(http::status::not_found, "not_found", "no console file \"" + name + "\"");
  return asset_response(*asset);
}

HttpResponse get_openapi(const RequestContext& /*ctx*/) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, kJsonType);
  res.body() = std::string(openapi_document());
  return res;
}

}  // namespace attnrec::api
