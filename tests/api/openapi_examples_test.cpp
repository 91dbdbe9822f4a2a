// The OpenAPI document as the contract, over a real socket: every
// operation's documented example (path and query parameters, request body)
// is sent to a server holding the test chain and a trained model, in the
// document's order; each must get the operation's documented success status
// and an answer that matches the documented schema. Malformed bodies must
// get a documented 400 in the documented error shape. The request examples
// themselves must match their request schemas.
//
// The examples name the chain's users and items (u1, i1, ...), the model v1
// and the second training job (job-2, which the train example starts; the
// setup trained job-1).
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <regex>

#include "api/openapi.h"
#include "chain_data.h"
#include "http_client.h"
#include "running_server.h"
#include "temp_dir.h"

using namespace attnrec;
using testing::HttpClient;
using testing::Running;
namespace json = boost::json;

namespace {

// The subset of JSON Schema that OpenAPI 3.0 documents use here: $ref, type
// (with nullable), enum, oneOf, properties, required, additionalProperties,
// items, maxItems, minLength, maxLength, pattern, minimum, maximum. format,
// description, default and readOnly do not constrain.
class SchemaCheck {
 public:
  explicit SchemaCheck(const json::value& doc) : doc_(doc) {}

  // A JSON pointer into the document ("#/components/schemas/Event").
  const json::value& resolve(const json::value& v) const {
    const json::value* at = &v;
    while (at->is_object() && at->as_object().contains("$ref")) {
      const std::string ref(at->at("$ref").as_string());
      const json::value* target = &doc_;
      for (size_t p = 2; p < ref.size();) {
        const size_t e = std::min(ref.find('/', p), ref.size());
        target = &target->at(ref.substr(p, e - p));
        p = e + 1;
      }
      at = target;
    }
    return *at;
  }

  void check(const json::value& schema_ref, const json::value& v, const std::string& at,
             std::vector<std::string>* errors) const {
    const json::object& s = resolve(schema_ref).as_object();
    auto fail = [&](const std::string& what) { errors->push_back(at + ": " + what); };
    if (v.is_null()) {
      if (s.contains("type") && !(s.contains("nullable") && s.at("nullable").as_bool())) fail("null");
      return;
    }
    if (const auto* one = s.if_contains("oneOf")) {
      int matching = 0;
      for (const auto& option : one->as_array()) {
        std::vector<std::string> e;
        check(option, v, at, &e);
        matching += e.empty();
      }
      if (matching != 1) fail("matches " + std::to_string(matching) + " of oneOf");
    }
    if (const auto* e = s.if_contains("enum")) {
      bool found = false;
      for (const auto& x : e->as_array()) found = found || x == v;
      if (!found) fail("not in enum: " + json::serialize(v));
    }
    if (const auto* t = s.if_contains("type")) {
      const std::string type(t->as_string());
      const bool ok = type == "object"    ? v.is_object()
                      : type == "array"   ? v.is_array()
                      : type == "string"  ? v.is_string()
                      : type == "boolean" ? v.is_bool()
                      : type == "number"  ? v.is_number()
                      : type == "integer" ? (v.is_int64() || v.is_uint64() ||
                                             (v.is_double() && v.as_double() == double(int64_t(v.as_double()))))
                                          : false;
      if (!ok) return fail("not " + type + ": " + json::serialize(v));
    }
    if (v.is_string()) {
      const std::string str(v.as_string());
      if (const auto* n = s.if_contains("minLength"); n && str.size() < n->to_number<size_t>()) fail("too short");
      if (const auto* n = s.if_contains("maxLength"); n && str.size() > n->to_number<size_t>()) fail("too long");
      if (const auto* p = s.if_contains("pattern"); p && !std::regex_search(str, std::regex(std::string(p->as_string())))) {
        fail("does not match " + std::string(p->as_string()));
      }
    }
    if (v.is_number()) {
      const double x = v.to_number<double>();
      if (const auto* n = s.if_contains("minimum"); n && x < n->to_number<double>()) fail("below minimum");
      if (const auto* n = s.if_contains("maximum"); n && x > n->to_number<double>()) fail("above maximum");
    }
    if (v.is_array()) {
      const auto& a = v.as_array();
      if (const auto* n = s.if_contains("maxItems"); n && a.size() > n->to_number<size_t>()) fail("too many items");
      if (const auto* items = s.if_contains("items")) {
        for (size_t i = 0; i < a.size(); ++i) check(*items, a[i], at + "[" + std::to_string(i) + "]", errors);
      }
    }
    if (v.is_object()) {
      const auto& o = v.as_object();
      if (const auto* req = s.if_contains("required")) {
        for (const auto& k : req->as_array()) {
          if (!o.contains(k.as_string())) fail("missing " + std::string(k.as_string()));
        }
      }
      const json::object* props = s.contains("properties") ? &s.at("properties").as_object() : nullptr;
      const json::value* extra = s.if_contains("additionalProperties");
      for (const auto& [k, x] : o) {
        const std::string key(k);
        if (props && props->contains(k)) {
          check(props->at(k), x, at + "." + key, errors);
        } else if (extra && extra->is_bool() && !extra->as_bool()) {
          fail("unexpected " + key);
        } else if (extra && extra->is_object()) {
          check(*extra, x, at + "." + key, errors);
        }
      }
    }
  }

 private:
  const json::value& doc_;
};

std::string scalar_text(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

}  // namespace

TEST_CASE("OpenAPI: every documented example is accepted and every answer matches its schema",
          "[api][openapi][models]") {
  testing::TempDir dir;
  Running r(dir.path());
  HttpClient c = r.client();
  testing::chain::load(c);
  REQUIRE(testing::chain::train(c).at("state") == "succeeded");  // job-1, model v1

  const json::value doc = json::parse(api::openapi_document());
  const SchemaCheck schemas(doc);
  size_t operations = 0;
  for (const auto& [path, item_value] : doc.at("paths").as_object()) {
    const json::object& item = item_value.as_object();
    for (const auto& [method_key, op_value] : item) {
      if (method_key == "parameters") continue;
      const json::object& op = op_value.as_object();
      std::string method(method_key);
      for (char& ch : method) ch = char(std::toupper(static_cast<unsigned char>(ch)));
      const std::string where = method + " " + std::string(path);
      INFO(where);
      ++operations;

      // The request: parameters of the path item and the operation.
      std::string target(path);
      std::string query;
      std::vector<const json::value*> params;
      for (const auto* list : {item.if_contains("parameters"), op.if_contains("parameters")}) {
        if (list) {
          for (const auto& p : list->as_array()) params.push_back(&p);
        }
      }
      for (const json::value* p : params) {
        const std::string name(p->at("name").as_string());
        const bool required = p->as_object().contains("required") && p->at("required").as_bool();
        const json::value* example = p->as_object().if_contains("example");
        if (!example) {
          CHECK_FALSE(required);  // a required parameter needs an example
          continue;
        }
        if (p->at("in") == "path") {
          target.replace(target.find("{" + name + "}"), name.size() + 2, scalar_text(*example));
        } else {
          query += (query.empty() ? "?" : "&") + name + "=" + scalar_text(*example);
        }
      }
      REQUIRE(target.find('{') == std::string::npos);
      std::string body;
      if (const auto* rb = op.if_contains("requestBody")) {
        const json::value& media = rb->at("content").at("application/json");
        REQUIRE(media.as_object().contains("example"));
        std::vector<std::string> errors;
        schemas.check(media.at("schema"), media.at("example"), "example", &errors);
        INFO("the request example against its schema: " << (errors.empty() ? "" : errors.front()));
        CHECK(errors.empty());
        body = json::serialize(media.at("example"));
      }

      // The answer: the documented success status, in the documented shape.
      const json::object& responses = op.at("responses").as_object();
      std::string success;
      for (const auto& [code, unused] : responses) {
        if (code.starts_with("2") && (success.empty() || std::string(code) < success)) success = code;
      }
      REQUIRE(!success.empty());
      const auto res = c.request(method, target + query, body);
      INFO(target + query << " -> " << res.result_int() << " " << res.body());
      CHECK(std::to_string(res.result_int()) == success);
      const json::value& documented = schemas.resolve(responses.at(success));
      if (const auto* content = documented.as_object().if_contains("content")) {
        if (const auto* media = content->as_object().if_contains("application/json")) {
          boost::system::error_code ec;
          const json::value answer = json::parse(res.body(), ec);
          REQUIRE(!ec);
          std::vector<std::string> errors;
          schemas.check(media->at("schema"), answer, "answer", &errors);
          INFO("the answer against its schema: " << (errors.empty() ? "" : errors.front()));
          CHECK(errors.empty());
        } else {
          // Another media type: the answer is one of those documented.
          const std::string type(res[boost::beast::http::field::content_type]);
          bool documented_type = false;
          for (const auto& [media_type, unused] : content->as_object()) {
            documented_type = documented_type || type.starts_with(std::string(media_type));
          }
          INFO("Content-Type " << type);
          CHECK(documented_type);
          CHECK(!res.body().empty());
        }
      } else {
        CHECK(res.body().empty());
      }

      // A malformed body: the documented 400, in the error shape.
      if (op.contains("requestBody")) {
        REQUIRE(responses.contains("400"));
        const auto bad = c.request(method, target + query, "{\"unterminated");
        CHECK(bad.result_int() == 400);
        std::vector<std::string> errors;
        schemas.check(schemas.resolve(responses.at("400")).at("content").at("application/json").at("schema"),
                      json::parse(bad.body()), "error", &errors);
        CHECK(errors.empty());
      }
    }
  }
  CHECK(operations == 25);
}
