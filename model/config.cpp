#include "model/config.h"

#include <limits>

namespace attnrec::model {

Status Config::validate() const {
  auto bad = [](const char* why) { return Status::invalid_argument(why); };
  // Row 0 of the item table is padding: N + 1 rows must fit in int32.
  if (num_items < 1 || num_items == std::numeric_limits<int32_t>::max()) {
    return bad("num_items must be in 1..2147483646");
  }
  if (maxlen < 1 || maxlen > 100000) return bad("maxlen must be in 1..100000");
  if (d < 1 || d > 4096) return bad("d must be in 1..4096");
  if (blocks < 1 || blocks > 64) return bad("blocks must be in 1..64");
  if (heads < 1 || d % heads != 0) return bad("heads must be >= 1 and divide d");
  if (d_ff < 0 || d_ff > 65536) return bad("d_ff must be in 0..65536");
  if (!(dropout >= 0.0f && dropout < 1.0f)) return bad("dropout must be in [0, 1)");
  if (act != Activation::kRelu && act != Activation::kGelu) return bad("unknown activation");
  if (!(ln_eps > 0.0f)) return bad("ln_eps must be > 0");
  if (attention == Attention::kFull) {
    if (window != 0) return bad("window is only for local attention (must be 0 with full)");
  } else if (attention == Attention::kLocal) {
    if (window < 1 || window > 100000) return bad("local attention needs a window in 1..100000");
  } else {
    return bad("unknown attention kind");
  }
  return Status::ok();
}

std::string_view attention_name(Attention attention) {
  switch (attention) {
    case Attention::kFull: return "full";
    case Attention::kLocal: return "local";
  }
  return "?";
}

std::optional<Attention> parse_attention(std::string_view name) {
  if (name == "full") return Attention::kFull;
  if (name == "local") return Attention::kLocal;
  return std::nullopt;
}

std::string_view loss_name(Loss loss) {
  switch (loss) {
    case Loss::kBce: return "bce";
    case Loss::kCe: return "ce";
    case Loss::kSampledCe: return "sampled-ce";
  }
  return "?";
}

std::optional<Loss> parse_loss(std::string_view name) {
  if (name == "bce") return Loss::kBce;
  if (name == "ce") return Loss::kCe;
  if (name == "sampled-ce") return Loss::kSampledCe;
  return std::nullopt;
}

std::string_view train_protocol_name(TrainProtocol protocol) {
  return protocol == TrainProtocol::kStrict ? "strict" : "deployment";
}

std::optional<TrainProtocol> parse_train_protocol(std::string_view name) {
  if (name == "deployment") return TrainProtocol::kDeployment;
  if (name == "strict") return TrainProtocol::kStrict;
  return std::nullopt;
}

}  // namespace attnrec::model
