#include "api/train_options.h"

#include <cstdint>
#include <string>

#include "api/body_fields.h"

namespace attnrec::api {
namespace {

namespace json = boost::json;

template <class T>
MaybeError int_field(const json::object& body, std::string_view name, size_t lo, size_t hi, T* out) {
  size_t v = static_cast<size_t>(*out);
  if (auto e = size_field(body, name, lo, hi, &v)) return e;
  *out = static_cast<T>(v);
  return std::nullopt;
}

template <class T>
MaybeError real_field(const json::object& body, std::string_view name, double lo, double hi, T* out) {
  double v = static_cast<double>(*out);
  if (auto e = number_field(body, name, lo, hi, &v)) return e;
  *out = static_cast<T>(v);
  return std::nullopt;
}

// A string field that must be one of `choices`; *out keeps its value when absent.
MaybeError choice_field(const json::object& body, std::string_view name,
                        std::initializer_list<std::string_view> choices, std::string* out) {
  if (auto e = string_field(body, name, out)) return e;
  for (std::string_view c : choices) {
    if (*out == c) return std::nullopt;
  }
  std::string list;
  for (std::string_view c : choices) list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
  return invalid_argument(std::string(name) + ": expected one of " + list);
}

}  // namespace

MaybeError decode_train_options(const json::object& body, service::TrainOptions* options) {
  if (auto e = only_fields(body, {"epochs", "max_minutes", "patience", "batch", "lr", "weight_decay",
                                  "negatives", "lazy_embedding_items", "seed", "threads", "maxlen", "dim", "blocks", "heads",
                                  "dropout", "ffn", "ema", "warmup", "eval_every", "eval_users",
                                  "train_on_valid", "all_windows", "lr_decay", "activation", "loss",
                                  "activate", "attention", "window"})) {
    return e;
  }
  model::Config& m = options->model;
  model::TrainConfig& t = options->train;
  MaybeError e;
  const bool failed = (e = int_field(body, "epochs", 1, 100000, &t.epochs)) ||
      (e = real_field(body, "max_minutes", 0.0, 7 * 24 * 60.0, &t.max_minutes)) ||
      (e = int_field(body, "patience", 0, 100000, &t.patience)) ||
      (e = int_field(body, "batch", 1, 65536, &t.batch)) ||
      (e = real_field(body, "lr", 1e-7, 1.0, &t.lr)) ||
      (e = real_field(body, "weight_decay", 0.0, 1.0, &t.weight_decay)) ||
      (e = int_field(body, "negatives", 0, 100000, &t.negatives)) ||
      (e = int_field(body, "lazy_embedding_items", 0, INT32_MAX, &t.lazy_embedding_items)) ||
      (e = int_field(body, "seed", 0, size_t{1} << 62, &t.seed)) ||
      (e = int_field(body, "threads", 1, 256, &t.threads)) ||
      (e = int_field(body, "maxlen", 1, 4096, &m.maxlen)) ||
      (e = int_field(body, "dim", 1, 4096, &m.d)) ||
      (e = int_field(body, "blocks", 1, 64, &m.blocks)) ||
      (e = int_field(body, "heads", 1, 64, &m.heads)) ||
      (e = real_field(body, "dropout", 0.0, 0.95, &m.dropout)) ||
      (e = int_field(body, "ffn", 0, 65536, &m.d_ff)) ||
      (e = int_field(body, "window", 0, 100000, &m.window)) ||
      (e = real_field(body, "ema", 0.0, 0.99999, &t.ema_decay)) ||
      (e = int_field(body, "warmup", 0, 100000000, &t.warmup_steps)) ||
      (e = int_field(body, "eval_every", 1, 100000, &t.eval_every)) ||
      (e = int_field(body, "eval_users", 0, 100000000, &t.eval_users)) ||
      (e = bool_field(body, "train_on_valid", &t.train_on_valid)) ||
      (e = bool_field(body, "all_windows", &t.all_windows)) ||
      (e = bool_field(body, "lr_decay", &t.lr_decay));
  if (failed) return e;
  std::string activation = m.act == model::Activation::kGelu ? "gelu" : "relu";
  if (auto err = choice_field(body, "activation", {"relu", "gelu"}, &activation)) return err;
  m.act = activation == "gelu" ? model::Activation::kGelu : model::Activation::kRelu;
  std::string attention(model::attention_name(m.attention));
  if (auto err = choice_field(body, "attention", {"full", "local"}, &attention)) return err;
  m.attention = *model::parse_attention(attention);
  std::string loss(model::loss_name(t.loss));
  if (auto err = choice_field(body, "loss", {"bce", "ce", "sampled-ce"}, &loss)) return err;
  t.loss = *model::parse_loss(loss);
  std::string activate = options->activate_always ? "always" : "if_not_worse";
  if (auto err = choice_field(body, "activate", {"always", "if_not_worse"}, &activate)) return err;
  options->activate_always = activate == "always";
  return std::nullopt;
}

}  // namespace attnrec::api
