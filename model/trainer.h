// Trainer: mini-batch training of a SASRec model on a Dataset's training
// part (see dataset.h), with validation on the second-last items (full
// ranking NDCG@10), early stopping and an optional wall-clock budget. A loss
// that becomes NaN or inf stops training at once (TrainResult::diverged).
//
// Each user contributes its last L+1 training items as one sequence (inputs
// = all but the last, targets = all but the first). The training items are
// train_part() (all but the last two) for the users validated on (the first
// eval_users evaluable users, or all), and, under the deployment protocol,
// all but the last item for the others when train_on_valid is set; under
// the strict protocol train_part() for everyone (TrainConfig::protocol).
// A target's loss is weighted by its event type's weight (Dataset::weights).
// Negatives are drawn from the items outside the user's training items. A batch's sequences are
// spread over `threads` threads by a deterministic cost-balanced assignment;
// each thread accumulates into its own gradient buffer and the buffers are
// summed in thread order, so a run is reproducible for a given --seed and
// thread count. Dropout masks and negatives come from a generator seeded by
// (seed, epoch, user), independent of the thread that draws them. Large
// catalogs (TrainConfig::lazy_embedding_items) update only the embedding
// rows each batch used. The time budget is checked after every batch.
// fit() also ranks popularity over the same training items on the same
// validation items (TrainResult::popularity_valid, beats_popularity()).
//
// Not thread-safe: one Trainer is driven by one thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/adam.h"
#include "model/config.h"
#include "model/dataset.h"
#include "model/evaluator.h"
#include "model/metrics.h"
#include "model/model.h"
#include "model/params.h"
#include "model/popularity_baseline.h"

namespace attnrec::model {

struct Progress {
  int epoch = 0, epochs = 0;     // 1-based epoch
  int batch = 0, batches = 0;    // 1-based batch within the epoch
  double loss = 0;               // mean loss per position so far in this epoch
  double seqs_per_sec = 0;
  double eta_seconds = 0;        // to the end of this epoch
};

struct EpochStats {
  int epoch = 0;
  double loss = 0;               // mean training loss per position
  double train_seconds = 0;      // this epoch's training time (no evaluation)
  double seqs_per_sec = 0;
  // Sequences trained on in this epoch: all of them, unless the time budget
  // ran out in the middle of the epoch (then the last epoch is partial).
  int64_t sequences = 0;
  bool evaluated = false;
  RankMetrics valid;             // full ranking on the validation items
  double eval_seconds = 0;
  double elapsed_seconds = 0;    // since fit() started, incl. validation (not tracing)
  bool traced = false;           // TrainConfig::trace_test: the test items ranked too
  TestReport test;               // when traced
};

struct TrainResult {
  // Best on validation; the last weights if never evaluated. Never the
  // weights of a diverged run: after divergence the best validated before
  // it, or the initial (untrained) weights if none was (best_epoch == 0).
  std::shared_ptr<const Model> model;
  int best_epoch = 0;
  RankMetrics best_valid;
  // Popularity (popularity_baseline.h) over the items trained on, ranked on
  // the same validation items as best_valid.
  RankMetrics popularity_valid;
  std::vector<EpochStats> epochs;      // a diverged epoch last, its loss not finite
  double seconds = 0;
  // A batch's loss (or the weights at the end of an epoch) became NaN or
  // inf; training stopped there and stop_reason says where.
  bool diverged = false;
  // The progress callback asked to stop (a cancelled job); the epoch it
  // stopped in is neither kept nor validated.
  bool cancelled = false;
  // "epochs", "early stopping", "time budget", "cancelled", or on divergence
  // e.g. "diverged: loss is nan at epoch 3 batch 7".
  std::string stop_reason;

  // The noise of the validation figures, for reading them: an upper bound
  // on the standard error of the difference of the two NDCG@10s over the
  // same users, sqrt(sum of both sides' per-user NDCG@10 terms) / users
  // (each term is in [0, 1], so its square is at most itself). 0 when
  // nothing was validated.
  double popularity_margin() const;
  // The kept model ranks the validation items strictly better than
  // popularity (NDCG@10). A model that does not is no better than the
  // service's popularity fallback, and the service does not activate it.
  // The rule does not ask for a lead beyond popularity_margin(): on the
  // sparse sets of bench/small that gave up more than it saved (bench/README).
  bool beats_popularity() const { return best_valid.ndcg10() > popularity_valid.ndcg10(); }
};

// Learning rate of optimizer step `step` (1-based) out of `total_steps`:
// lr * min(1, step / warmup_steps) when warmup_steps > 0, times
// max(0, 1 - step / total_steps) when lr_decay is set.
float scheduled_lr(const TrainConfig& train, int64_t step, int64_t total_steps);

class Trainer {
 public:
  // Called after every batch; returning false stops training after that
  // batch (cancellation, without exceptions).
  using ProgressFn = std::function<bool(const Progress&)>;
  using EpochFn = std::function<void(const EpochStats&)>;

  // config.num_items is taken from `data`; `data` must outlive the Trainer.
  Trainer(Config config, TrainConfig train, const Dataset& data);
  ~Trainer();

  // One pass over all training sequences; returns the mean loss per position.
  // Stops at once, before the step, when a batch's loss is not finite (or
  // after the epoch when the weights are not): divergence() then says where
  // and the result is not finite. Does nothing once diverged. Returns early,
  // with cancelled() set, when `progress` returns false, and with
  // out_of_time() set after the batch that passed fit()'s deadline.
  double train_epoch(int epoch, const ProgressFn& progress = {});
  // Epochs with validation and early stopping as configured, until the
  // epochs, the patience or the time budget run out or training diverges.
  // on_epoch is called after each complete epoch (not a diverged one).
  TrainResult fit(const ProgressFn& progress = {}, const EpochFn& on_epoch = {});
  // Empty while training is sound; else e.g. "diverged: loss is inf at epoch
  // 2 batch 5".
  const std::string& divergence() const { return divergence_; }
  // True once a progress callback returned false.
  bool cancelled() const { return cancelled_; }
  // True once the time budget ran out in the middle of an epoch.
  bool out_of_time() const { return out_of_time_; }
  // Whether the item embedding is updated lazily (lazy_embedding_items).
  bool lazy_embedding() const { return lazy_; }

  // The weights validated and saved: the moving average when ema_decay > 0.
  std::shared_ptr<const Model> snapshot() const;
  const Params<float>& params() const { return params_; }
  const Config& config() const { return config_; }
  size_t num_sequences() const { return samples_.size(); }
  // Training target positions per epoch (sum of the sequence lengths).
  int64_t num_positions() const;
  // Popularity counted over every user's training items under the run's
  // protocol (what its sequences are cut from), the baseline fit() ranks
  // on the validation items beside the model.
  const PopularityBaseline& popularity() const { return popularity_; }
  // Users whose second-last item is held out for validation (sorted).
  const std::vector<int32_t>& valid_users() const { return valid_users_; }

  // One training sequence: a window of a user's training items.
  struct Sample {
    int32_t user;
    int32_t window;  // 0 = the most recent maxlen targets, 1 = the ones before, ...
    std::span<const int32_t> inputs, targets;
    std::span<const float> weights;  // [targets] loss weights; empty = all 1
  };
  // Every training sequence, in user order (the split as trained on).
  const std::vector<Sample>& sequences() const { return samples_; }

 private:
  struct ThreadState;

  void run_sequence(const Sample& s, int epoch, float scale, ThreadState& ts);
  float learning_rate() const;
  void clear_gradient(ThreadState& ts) const;
  // g += the other threads' gradients (only the touched embedding rows when lazy).
  void reduce_gradients();
  // Brings the moving average of `rows` of the embedding up to this step
  // (lazy mode: they were not averaged while their weights stood still).
  void catch_up_average(std::span<const int32_t> rows);
  void update_average();
  // The moving average with every embedding row caught up (lazy mode), or
  // empty when the average is off.
  FlatVec<float> averaged_weights() const;

  Config config_;
  TrainConfig train_;
  const Dataset& data_;
  Params<float> params_;
  Adam adam_;
  FlatVec<float> average_;  // EMA of params_.flat() (empty when off)
  // Lazy embedding: rows the current batch touched (sorted, distinct), the
  // embedding's place in the flat array, the running sum of log(decay) over
  // the averaging steps, and that sum when each row was last averaged.
  bool lazy_ = false;
  size_t emb_offset_ = 0, emb_rows_ = 0;
  std::vector<int32_t> batch_rows_;
  double log_decay_sum_ = 0;
  std::vector<double> row_mark_;
  std::vector<Sample> samples_;
  std::vector<std::vector<int32_t>> user_items_;  // sorted distinct training items per user
  std::vector<int32_t> valid_users_;
  PopularityBaseline popularity_;
  std::vector<std::unique_ptr<ThreadState>> threads_;
  int64_t total_steps_ = 0;
  std::string divergence_;
  bool cancelled_ = false;
  // Set by fit() from the time budget; train_epoch stops after the batch
  // that passes it.
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool out_of_time_ = false;
  int64_t epoch_sequences_ = 0;  // trained on by the last train_epoch
};

}  // namespace attnrec::model
