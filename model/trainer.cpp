#include "model/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>
#include <utility>

#include "base/random.h"
#include "model/evaluator.h"
#include "model/loss.h"
#include "model/sasrec.h"

namespace attnrec::model {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
bool all_finite(std::span<const float> v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}
// Seed of the initial weights (Params::init).
uint64_t init_seed(const TrainConfig& t) { return mix_seed(t.seed, 0x1417); }
// The models a trainer makes are evaluated (full ranking needs an exact
// index anyway) and saved; serving builds its own index when it loads one.
const IndexOptions kEvalIndex{.kind = IndexKind::kExact};
}  // namespace

struct Trainer::ThreadState {
  explicit ThreadState(const Params<float>& p)
      : ws(p.config()), grad(p.layout_ptr()), dh(p.config().maxlen, p.config().d) {}
  Workspace<float> ws;
  LossScratch<float> scratch;
  Params<float> grad;
  Mat<float> dh;                 // [L, d]
  std::vector<int32_t> negatives;
  double loss = 0;
  std::vector<size_t> work;      // indices into the batch
  std::vector<int32_t> rows;     // embedding rows with a gradient (lazy mode; repeats allowed)
};

Trainer::Trainer(Config config, TrainConfig train, const Dataset& data)
    : config_([&] {
        config.num_items = data.num_items();
        return config;
      }()),
      train_(train),
      data_(data),
      params_(std::make_shared<Layout>(config_)),
      adam_(params_.flat().size(), train.beta1, train.beta2, train.weight_decay),
      popularity_(config_.num_items) {
  params_.init(init_seed(train_));
  const int L = config_.maxlen;
  const std::vector<EvalCase> valid = eval_cases(data, Split::kValid);
  const size_t nvalid = train_.eval_users > 0 ? std::min(valid.size(), size_t(train_.eval_users))
                                              : valid.size();
  for (size_t i = 0; i < nvalid; ++i) valid_users_.push_back(valid[i].user);
  std::sort(valid_users_.begin(), valid_users_.end());
  user_items_.resize(data.seqs.size());
  for (size_t u = 0; u < data.seqs.size(); ++u) {
    const std::span<const int32_t> seq = data.seqs[u];
    std::span<const int32_t> t = train_part(seq);
    if (train_.protocol == TrainProtocol::kDeployment && train_.train_on_valid && seq.size() >= 3 &&
        !std::binary_search(valid_users_.begin(), valid_users_.end(), int32_t(u))) {
      t = seq.first(seq.size() - 1);  // + the validation item; never the test item
    }
    const std::span<const float> weights = data.weights_of(u);  // [seq] or empty
    popularity_.add(t);
    auto& items = user_items_[u];
    items.assign(t.begin(), t.end());
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    // Targets t[1..T]; window w holds targets (end - n, end] with
    // end = T - w * L, inputs one item earlier.
    const size_t T = t.size() < 2 ? 0 : t.size() - 1;
    for (size_t w = 0, end = T; end >= 1; ++w, end -= std::min(end, size_t(L))) {
      if (w > 0 && !train_.all_windows) break;
      const size_t n = std::min(end, size_t(L));
      samples_.push_back({int32_t(u), int32_t(w), t.subspan(end - n, n), t.subspan(end - n + 1, n),
                          weights.empty() ? weights : weights.subspan(end - n + 1, n)});
    }
  }
  const CMatMap<float>& E = std::as_const(params_).net().item_emb;
  emb_offset_ = size_t(E.data() - std::as_const(params_).flat().data());
  emb_rows_ = size_t(E.rows());
  lazy_ = train_.loss != Loss::kCe && train_.lazy_embedding_items > 0 &&
          config_.num_items >= train_.lazy_embedding_items;
  const int nthreads = std::max(1, train_.threads);
  for (int i = 0; i < nthreads; ++i) threads_.push_back(std::make_unique<ThreadState>(params_));
  const int64_t batches = int64_t((samples_.size() + size_t(train_.batch) - 1) / size_t(train_.batch));
  total_steps_ = batches * train_.epochs;
}

Trainer::~Trainer() = default;

double TrainResult::popularity_margin() const {
  if (best_valid.users == 0) return 0;
  return std::sqrt(best_valid.ndcg_sum + popularity_valid.ndcg_sum) / double(best_valid.users);
}

float scheduled_lr(const TrainConfig& train, int64_t step, int64_t total_steps) {
  double lr = train.lr;
  if (train.warmup_steps > 0) lr *= std::min(1.0, double(step) / double(train.warmup_steps));
  if (train.lr_decay && total_steps > 0) lr *= std::max(0.0, 1.0 - double(step) / double(total_steps));
  return float(lr);
}

float Trainer::learning_rate() const { return scheduled_lr(train_, adam_.steps() + 1, total_steps_); }

int64_t Trainer::num_positions() const {
  int64_t n = 0;
  for (const Sample& s : samples_) n += int64_t(s.targets.size());
  return n;
}

void Trainer::run_sequence(const Sample& s, int epoch, float scale, ThreadState& ts) {
  const int n = int(s.inputs.size());
  const int N = config_.num_items;
  Rng rng(mix_seed(train_.seed, uint64_t(epoch), uint64_t(s.user), uint64_t(s.window)));
  forward<float>(params_, s.inputs, ts.ws, config_.dropout > 0 ? &rng : nullptr);
  const auto H = ts.ws.out.topRows(n);                        // [n, d]
  auto dH = ts.dh.topRows(n);                                 // [n, d]
  const auto& seen = user_items_[size_t(s.user)];
  auto draw_negative = [&] {
    for (;;) {
      const int32_t j = int32_t(rng.below(uint32_t(N))) + 1;
      if (!std::binary_search(seen.begin(), seen.end(), j)) return j;
      if (seen.size() >= size_t(N)) return j;                  // user saw every item
    }
  };
  const int k = train_.num_negatives();
  const CMatMap<float>& E = params_.net().item_emb;           // [N + 1, d]
  MatMap<float>& dE = ts.grad.mut().item_emb;                 // [N + 1, d]
  switch (train_.loss) {
    case Loss::kBce:
      ts.negatives.resize(size_t(n) * size_t(k));
      for (int32_t& j : ts.negatives) j = draw_negative();
      ts.loss += bce_loss<float>(E, H, s.targets, ts.negatives, k, scale, dH, dE, ts.scratch, s.weights);
      break;
    case Loss::kCe:
      ts.loss += ce_loss<float>(E, H, s.targets, scale, dH, dE, ts.scratch, s.weights);
      break;
    case Loss::kSampledCe:
      ts.negatives.resize(size_t(k));
      for (int32_t& j : ts.negatives) j = draw_negative();
      ts.loss += sampled_ce_loss<float>(E, H, s.targets, ts.negatives, scale, dH, dE, ts.scratch, s.weights);
      break;
  }
  backward<float>(params_, ts.ws, dH, ts.grad);
  if (lazy_) {
    ts.rows.insert(ts.rows.end(), s.inputs.begin(), s.inputs.end());
    ts.rows.insert(ts.rows.end(), s.targets.begin(), s.targets.end());
    ts.rows.insert(ts.rows.end(), ts.negatives.begin(), ts.negatives.end());
  }
}

void Trainer::clear_gradient(ThreadState& ts) const {
  if (!lazy_) {
    ts.grad.set_zero();
    return;
  }
  const std::span<float> g = ts.grad.flat();
  const size_t d = size_t(config_.d), emb_end = emb_offset_ + emb_rows_ * d;
  std::fill(g.begin(), g.begin() + ptrdiff_t(emb_offset_), 0.0f);
  std::fill(g.begin() + ptrdiff_t(emb_end), g.end(), 0.0f);
  for (int32_t r : ts.rows) std::fill_n(g.begin() + ptrdiff_t(emb_offset_ + size_t(r) * d), d, 0.0f);
  ts.rows.clear();
}

void Trainer::reduce_gradients() {
  const std::span<float> g = threads_[0]->grad.flat();
  auto add = [&](size_t begin, size_t end) {
    for (size_t t = 1; t < threads_.size(); ++t) {
      const FlatVec<float>& gt = std::as_const(threads_[t]->grad).flat();
      for (size_t i = begin; i < end; ++i) g[i] += gt[i];
    }
  };
  if (!lazy_) {
    add(0, g.size());
    return;
  }
  // Every thread's buffer is zero outside the rows it touched, so summing
  // the union of the rows is the whole sum.
  batch_rows_.clear();
  for (const auto& ts : threads_) batch_rows_.insert(batch_rows_.end(), ts->rows.begin(), ts->rows.end());
  std::sort(batch_rows_.begin(), batch_rows_.end());
  batch_rows_.erase(std::unique(batch_rows_.begin(), batch_rows_.end()), batch_rows_.end());
  const size_t d = size_t(config_.d), emb_end = emb_offset_ + emb_rows_ * d;
  add(0, emb_offset_);
  for (int32_t r : batch_rows_) add(emb_offset_ + size_t(r) * d, emb_offset_ + size_t(r + 1) * d);
  add(emb_end, g.size());
}

double Trainer::train_epoch(int epoch, const ProgressFn& progress) {
  if (!divergence_.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto start = Clock::now();
  std::vector<size_t> order(samples_.size());
  std::iota(order.begin(), order.end(), size_t(0));
  Rng shuffle_rng(mix_seed(train_.seed, uint64_t(epoch), 0x5f1fULL));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle_rng.below(uint32_t(i))]);

  const size_t B = size_t(train_.batch);
  const int batches = int((order.size() + B - 1) / B);
  const int T = int(threads_.size());
  const double out_cost = train_.loss == Loss::kCe ? double(config_.num_items) : double(train_.num_negatives());
  double epoch_loss = 0;
  int64_t positions = 0, seqs_done = 0;
  epoch_sequences_ = 0;
  std::vector<double> load(static_cast<size_t>(T));
  for (int b = 0; b < batches; ++b) {
    const size_t lo = size_t(b) * B, hi = std::min(order.size(), lo + B);
    int64_t batch_positions = 0;
    for (auto& ts : threads_) {
      ts->work.clear();
      ts->loss = 0;
      clear_gradient(*ts);
    }
    // Deterministic balancing: each sequence goes to the least-loaded thread.
    std::fill(load.begin(), load.end(), 0.0);
    for (size_t i = lo; i < hi; ++i) {
      const double n = double(samples_[order[i]].inputs.size());
      batch_positions += int64_t(n);
      const size_t t = size_t(std::min_element(load.begin(), load.end()) - load.begin());
      load[t] += n * (n + 6.0 * config_.d + 2.0 * out_cost);
      threads_[t]->work.push_back(order[i]);
    }
    const float scale = 1.0f / float(batch_positions);
    auto work = [&](int t) {
      ThreadState& ts = *threads_[size_t(t)];
      for (size_t idx : ts.work) run_sequence(samples_[idx], epoch, scale, ts);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < T; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    double batch_loss = 0;
    for (auto& ts : threads_) batch_loss += ts->loss;
    if (!std::isfinite(batch_loss)) {
      // Stop before this batch's step: its gradients are not to be trusted.
      divergence_ = "diverged: loss is " + std::string(std::isnan(batch_loss) ? "nan" : "inf") +
                    " at epoch " + std::to_string(epoch) + " batch " + std::to_string(b + 1);
      return batch_loss;
    }
    // Reduce in thread order (deterministic), then one Adam step.
    reduce_gradients();
    if (lazy_) {
      catch_up_average(batch_rows_);  // while their weights are still the ones averaged
      const LazyRows rows{.offset = emb_offset_, .rows = emb_rows_, .width = size_t(config_.d),
                          .touched = batch_rows_};
      adam_.step(params_.flat(), threads_[0]->grad.flat(), learning_rate(), &rows);
    } else {
      adam_.step(params_.flat(), threads_[0]->grad.flat(), learning_rate());
    }
    params_.mut().item_emb.row(0).setZero();
    update_average();
    for (auto& ts : threads_) epoch_loss += ts->loss;
    positions += batch_positions;
    seqs_done += int64_t(hi - lo);
    if (progress) {
      const double el = seconds_since(start);
      Progress p;
      p.epoch = epoch;
      p.epochs = train_.epochs;
      p.batch = b + 1;
      p.batches = batches;
      p.loss = epoch_loss / double(std::max<int64_t>(positions, 1));
      p.seqs_per_sec = double(seqs_done) / std::max(el, 1e-9);
      p.eta_seconds = el / double(b + 1) * double(batches - b - 1);
      if (!progress(p)) {
        cancelled_ = true;
        return epoch_loss / double(std::max<int64_t>(positions, 1));
      }
    }
    epoch_sequences_ = seqs_done;
    if (b + 1 < batches && Clock::now() >= deadline_) {
      out_of_time_ = true;
      break;
    }
  }
  // A finite loss with an overflowing gradient leaves non-finite weights,
  // which the next batch's loss would show; check before they are validated.
  if (!all_finite(params_.flat())) {
    divergence_ = "diverged: weights are not finite after epoch " + std::to_string(epoch);
    return std::numeric_limits<double>::quiet_NaN();
  }
  return epoch_loss / double(std::max<int64_t>(positions, 1));
}

// A row whose weights w stood still while the average decayed by a total
// factor f = exp(log_decay_sum_ - mark) has the average w + (a - w) f, a
// being its stored average: the dense update applied step by step.
void Trainer::catch_up_average(std::span<const int32_t> rows) {
  if (average_.empty()) return;
  const FlatVec<float>& w = std::as_const(params_).flat();
  const size_t d = size_t(config_.d);
  for (int32_t r : rows) {
    if (row_mark_[size_t(r)] == log_decay_sum_) continue;  // averaged last step: exact as it is
    const float f = float(std::exp(log_decay_sum_ - row_mark_[size_t(r)]));
    for (size_t i = emb_offset_ + size_t(r) * d, end = i + d; i < end; ++i) {
      average_[i] = w[i] + (average_[i] - w[i]) * f;
    }
    row_mark_[size_t(r)] = log_decay_sum_;
  }
}

void Trainer::update_average() {
  if (train_.ema_decay <= 0) return;
  const FlatVec<float>& w = std::as_const(params_).flat();
  if (average_.empty()) {
    average_ = w;
    if (lazy_) row_mark_.assign(emb_rows_, 0.0);
    return;
  }
  // Early on the average would be dominated by the random initialisation, so
  // the decay ramps up with the step count (as TensorFlow's num_updates).
  const double steps = double(adam_.steps());
  const float decay = float(std::min<double>(train_.ema_decay, (1.0 + steps) / (10.0 + steps)));
  auto average = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) average_[i] += (1.0f - decay) * (w[i] - average_[i]);
  };
  if (!lazy_) {
    average(0, w.size());
    return;
  }
  // The touched rows were caught up before the step; the others wait.
  const size_t d = size_t(config_.d);
  log_decay_sum_ += std::log(double(decay));
  average(0, emb_offset_);
  for (int32_t r : batch_rows_) {
    average(emb_offset_ + size_t(r) * d, emb_offset_ + size_t(r + 1) * d);
    row_mark_[size_t(r)] = log_decay_sum_;
  }
  average(emb_offset_ + emb_rows_ * d, w.size());
}

FlatVec<float> Trainer::averaged_weights() const {
  FlatVec<float> a = average_;
  if (!lazy_ || a.empty()) return a;
  const FlatVec<float>& w = std::as_const(params_).flat();
  const size_t d = size_t(config_.d);
  for (size_t r = 0; r < emb_rows_; ++r) {
    if (row_mark_[r] == log_decay_sum_) continue;
    const float f = float(std::exp(log_decay_sum_ - row_mark_[r]));
    for (size_t i = emb_offset_ + r * d, end = i + d; i < end; ++i) a[i] = w[i] + (a[i] - w[i]) * f;
  }
  return a;
}

std::shared_ptr<const Model> Trainer::snapshot() const {
  Params<float> copy = params_;
  const FlatVec<float> average = averaged_weights();
  if (!average.empty()) std::copy(average.begin(), average.end(), copy.flat().begin());
  return std::make_shared<const Model>(std::move(copy), data_.item_ids, kEvalIndex);
}

TrainResult Trainer::fit(const ProgressFn& progress, const EpochFn& on_epoch) {
  TrainResult result;
  const auto start = Clock::now();
  FlatVec<float> best;
  double best_ndcg = -1;
  int evals_since_best = 0;
  double traced_seconds = 0;  // test tracing, left out of every clock
  double eval_seconds = 0;    // the last validation's, kept free at the deadline
  result.stop_reason = "epochs";
  result.popularity_valid = popularity_.evaluate(data_, Split::kValid, train_.eval_users);
  for (int epoch = 1; epoch <= train_.epochs; ++epoch) {
    const auto t0 = Clock::now();
    if (train_.max_minutes > 0) {
      // An epoch can be longer than what is left (a large catalog): it stops
      // at the deadline, which keeps the last validation's time free, and is
      // validated like a whole one.
      deadline_ = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              train_.max_minutes * 60.0 + traced_seconds - eval_seconds));
    }
    EpochStats st;
    st.epoch = epoch;
    st.loss = train_epoch(epoch, progress);
    st.train_seconds = seconds_since(t0);
    st.sequences = epoch_sequences_;
    st.seqs_per_sec = double(epoch_sequences_) / std::max(st.train_seconds, 1e-9);
    if (cancelled_) {
      result.cancelled = true;
      result.stop_reason = "cancelled";
      break;
    }
    if (!divergence_.empty()) {
      // The cut-short epoch is kept for the report (its loss is not finite)
      // but neither validated nor passed to on_epoch.
      st.elapsed_seconds = seconds_since(start) - traced_seconds;
      result.epochs.push_back(st);
      result.diverged = true;
      result.stop_reason = divergence_;
      break;
    }
    const bool last = epoch == train_.epochs || out_of_time_;
    if (epoch % std::max(1, train_.eval_every) == 0 || last) {
      const auto t1 = Clock::now();
      const auto model = snapshot();
      EvalOptions eo;
      eo.protocol = Protocol::kFull;
      eo.threads = train_.threads;
      eo.max_users = train_.eval_users;
      st.valid = evaluate(*model, data_, Split::kValid, eo);
      st.evaluated = true;
      st.eval_seconds = seconds_since(t1);
      eval_seconds = st.eval_seconds;
      if (st.valid.ndcg10() > best_ndcg) {
        best_ndcg = st.valid.ndcg10();
        best = average_.empty() ? std::as_const(params_).flat() : averaged_weights();
        result.best_epoch = epoch;
        result.best_valid = st.valid;
        evals_since_best = 0;
      } else {
        ++evals_since_best;
      }
      if (train_.trace_test) {
        st.test = evaluate_test(*model, data_, train_.threads);
        st.traced = true;
        traced_seconds += st.test.seconds;
      }
    }
    st.elapsed_seconds = seconds_since(start) - traced_seconds;
    result.epochs.push_back(st);
    if (on_epoch) on_epoch(st);
    if (out_of_time_) {
      result.stop_reason = "time budget";
      break;
    }
    if (st.evaluated && train_.patience > 0 && evals_since_best >= train_.patience) {
      result.stop_reason = "early stopping";
      break;
    }
    // Another epoch starts while time is left and stops at the deadline, so
    // the whole budget trains (an epoch that would not fit is cut, not
    // skipped).
    if (train_.max_minutes > 0 && !last && Clock::now() >= deadline_) {
      result.stop_reason = "time budget";
      break;
    }
  }
  result.seconds = seconds_since(start) - traced_seconds;
  if (!best.empty()) {
    Params<float> p = params_;
    std::copy(best.begin(), best.end(), p.flat().begin());
    result.model = std::make_shared<const Model>(std::move(p), data_.item_ids, kEvalIndex);
  } else if (result.diverged) {
    // Nothing was validated before the weights went bad: keep none of them.
    Params<float> p(params_.layout_ptr());
    p.init(init_seed(train_));
    result.model = std::make_shared<const Model>(std::move(p), data_.item_ids, kEvalIndex);
  } else {
    result.model = snapshot();
  }
  return result;
}

}  // namespace attnrec::model
