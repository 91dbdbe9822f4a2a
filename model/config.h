// Hyper-parameters of the network (Config, saved in checkpoints) and of
// training (TrainConfig, not saved). Defaults are the recipe tuned for ML-1M
// (see bench/README.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace attnrec::model {

enum class Activation : int32_t { kRelu = 0, kGelu = 1 };

// Which earlier positions a position attends to (both causal). Query
// position i attends to key positions j with
//   kFull:  0 <= j <= i                      (SASRec; cost O(L^2 d))
//   kLocal: i - window < j <= i, j >= 0      (the `window` most recent
//           positions, i itself included; cost O(L window d))
// Local attention with window >= the history length is full attention.
enum class Attention : int32_t { kFull = 0, kLocal = 1 };

struct Config {
  int32_t num_items = 0;   // N; item indices are 1..N, row 0 is padding
  int32_t maxlen = 200;    // L: positions kept from the end of a history
  int32_t d = 64;          // model width
  int32_t blocks = 2;      // transformer blocks
  int32_t heads = 2;       // attention heads; d % heads == 0
  int32_t d_ff = 512;      // feed-forward hidden width; 0 means d
  float dropout = 0.2f;    // training only
  Activation act = Activation::kRelu;
  float ln_eps = 1e-6f;
  Attention attention = Attention::kFull;
  int32_t window = 0;      // W of kLocal (>= 1); must be 0 with kFull

  int32_t ffn_width() const { return d_ff > 0 ? d_ff : d; }
  int32_t head_dim() const { return d / heads; }
  // The attention kernels' window argument: 0 for full attention, else W.
  int32_t attention_window() const { return attention == Attention::kLocal ? window : 0; }
  // Ok when valid, else kInvalidArgument saying what is wrong (for flags and
  // checkpoint headers).
  Status validate() const;
};

std::string_view attention_name(Attention attention);
std::optional<Attention> parse_attention(std::string_view name);  // "full", "local"

enum class Loss : int32_t { kBce = 0, kCe = 1, kSampledCe = 2 };

std::string_view loss_name(Loss loss);
std::optional<Loss> parse_loss(std::string_view name);  // "bce", "ce", "sampled-ce"

// What a run trains on and what picks its epoch; the test items (each
// user's last, ranked with the whole rest of the sequence as history) are
// never trained on under either.
//   kDeployment: what a service retrain does. The second-last items of the
//     first eval_users evaluable users pick the epoch; every other user also
//     trains on its second-last item when train_on_valid is set.
//   kStrict: the published protocol (SASRec paper and code). Every user
//     trains on its sequence minus its last two items, whatever
//     train_on_valid says; the second-last items (of the first eval_users
//     users, all when 0) pick the epoch and are never trained on.
enum class TrainProtocol : int32_t { kDeployment = 0, kStrict = 1 };

std::string_view train_protocol_name(TrainProtocol protocol);
std::optional<TrainProtocol> parse_train_protocol(std::string_view name);  // "deployment", "strict"

struct TrainConfig {
  Loss loss = Loss::kSampledCe;
  TrainProtocol protocol = TrainProtocol::kDeployment;
  int32_t epochs = 200;
  double max_minutes = 9;      // wall-clock budget for training; 0 = none
  int32_t batch = 64;          // sequences per optimizer step
  float lr = 2e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.98f;
  float weight_decay = 0.0f;   // decoupled (AdamW) when > 0
  int32_t warmup_steps = 0;    // linear warm-up of the learning rate
  bool lr_decay = false;       // linear decay to 0 over `epochs` (see scheduled_lr)
  // Exponential moving average of the weights, updated after every step; the
  // averaged weights are the ones validated, kept and saved. 0 = off.
  float ema_decay = 0.998f;
  int32_t negatives = 0;       // 0: 1 for bce, 256 for sampled-ce
  // Catalogs of at least this many items update the item embedding lazily:
  // a step touches only the rows its batch used (inputs, targets, negatives;
  // see LazyRows in adam.h), and the moving average of the other rows is
  // brought up to date when they are next touched or read. A step then costs
  // O(batch) instead of O(items x d): at 1M items the dense update moved
  // ~3 GB per step. Never with loss ce, whose gradient reaches every row.
  // 0 = always dense.
  int32_t lazy_embedding_items = 100000;
  uint64_t seed = 42;
  int32_t threads = 2;
  int32_t patience = 10;       // epochs without validation gain before stopping
  int32_t eval_every = 1;      // validate every n epochs
  int32_t eval_users = 1000;   // validate on the first this many users (0 = all)
  // Users outside the validation subset (i.e. all but the first eval_users
  // evaluable users) also train on their second-last item; the last (test)
  // item is never trained on. No effect when eval_users == 0.
  bool train_on_valid = true;
  // Histories longer than maxlen + 1 also train on their earlier items, as
  // further sequences of up to maxlen targets ending maxlen, 2 maxlen, ...
  // items before the end; otherwise only the last maxlen targets are used.
  bool all_windows = true;
  // Also rank the test items (both protocols) after every validated epoch,
  // for time-to-quality curves in the report. Reporting only: never used to
  // pick an epoch or stop, and its time is left out of every clock (the
  // budget included), so a traced run trains exactly as an untraced one.
  bool trace_test = false;

  int32_t num_negatives() const {
    if (negatives > 0) return negatives;
    return loss == Loss::kSampledCe ? 256 : 1;
  }
};

}  // namespace attnrec::model
