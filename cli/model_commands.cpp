// `attnrec train | eval | recommend`: flag parsing and wiring into model/.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "base/durable_file.h"
#include "model/checkpoint.h"
#include "model/dataset.h"
#include "model/evaluator.h"
#include "model/popularity_baseline.h"
#include "model/trainer.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "service/json_codec.h"
#include "service/service.h"
#include "service/training/train_report.h"
#include "service/training/train_run.h"

namespace attnrec::cli {

namespace m = attnrec::model;
namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "error: " << message << "\n";
  throw CLI::RuntimeError(code);
}

m::TypePolicy parse_types(const std::string& positive, const std::string& negative) {
  auto types = m::TypePolicy::parse(positive, negative);
  if (!types) fail("--positive-types/--negative-types: " + types.error(), 2);
  return std::move(types).value();
}

m::Dataset read_dataset(const std::string& path, const std::string& format,
                        const std::vector<std::string>* items = nullptr, const m::TypePolicy& types = {}) {
  if (format != "pairs") fail("--format " + format + " is not supported here (only: pairs)");
  auto data = items ? m::read_pairs(path, *items, types) : m::read_pairs(path, types);
  if (!data) fail(data.error());
  return std::move(data).value();
}

std::shared_ptr<const m::Model> load_model(const std::string& path, const m::IndexOptions& index) {
  auto model = m::load_checkpoint(path, index);
  if (!model) fail(model.error());
  return model.value();
}

struct TrainFlags {
  // Defaults of the loss and activation flags come from the model's defaults.
  m::Config config;
  m::TrainConfig train;
  std::string input, format = "pairs", data_dir, out;
  std::string loss{m::loss_name(train.loss)};
  std::string activation = config.act == m::Activation::kGelu ? "gelu" : "relu";
  std::string attention{m::attention_name(config.attention)};
  std::string activate = "if_not_worse";
  std::string protocol{m::train_protocol_name(train.protocol)};
  std::string positive_types{m::kDefaultPositiveTypes};
  std::string negative_types{m::kDefaultNegativeTypes};
  service::ClusterConfig cluster;  // --nats: the cluster's trainer
  bool quiet = false;
};

// Training progress: the running batch redrawn on a terminal (a line every
// 10 s otherwise), and a line per finished epoch.
class TrainProgress {
 public:
  explicit TrainProgress(bool quiet)
      : line_(std::chrono::milliseconds(250), std::chrono::seconds(10), quiet) {}

  void batch(int epoch, int epochs, int batch, int batches, double loss, double seqs_per_sec,
             double eta_seconds) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "epoch %d/%d batch %d/%d loss %.4f %.0f seq/s ETA %s", epoch, epochs,
                  batch, batches, loss, seqs_per_sec, human_duration(eta_seconds).c_str());
    line_.show(buf, batch == batches);
  }

  void epoch(const m::EpochStats& e) {
    char buf[240];
    int n = std::snprintf(buf, sizeof buf, "epoch %d: loss %.4f, %.2f s (%.0f seq/s)", e.epoch, e.loss,
                          e.train_seconds, e.seqs_per_sec);
    if (e.evaluated) {
      n += std::snprintf(buf + n, sizeof buf - size_t(n), ", valid(full) NDCG@10 %.4f HR@10 %.4f",
                         e.valid.ndcg10(), e.valid.hr10());
    }
    std::snprintf(buf + n, sizeof buf - size_t(n), ", elapsed %s", human_duration(e.elapsed_seconds).c_str());
    line_.print(buf);
  }

 private:
  ProgressLine line_;
};

// Progress of a store training run, which reaches the CLI as job updates.
class CliJobContext : public service::JobContext {
 public:
  explicit CliJobContext(bool quiet) : printer_(quiet) {}
  bool cancelled() const override { return false; }
  void update(const std::function<void(service::TrainJob&)>& edit) override {
    edit(job_);
    if (job_.history.size() > printed_epochs_) {
      printer_.epoch(job_.history[printed_epochs_++]);  // a finished epoch
    } else if (job_.batch > 0 && (job_.epoch != shown_epoch_ || job_.batch != shown_batch_)) {
      shown_epoch_ = job_.epoch;
      shown_batch_ = job_.batch;
      printer_.batch(job_.epoch, job_.epochs, job_.batch, job_.batches, job_.loss, job_.seqs_per_sec,
                     job_.eta_seconds);
    }
  }
  const service::TrainJob& job() const { return job_; }

 private:
  TrainProgress printer_;
  service::TrainJob job_;
  size_t printed_epochs_ = 0;
  int shown_epoch_ = 0, shown_batch_ = 0;  // the batch last shown
};

// The model's validation figure beside popularity's on the same items, and
// (file runs) a warning a reader cannot miss when the model does not beat it.
void print_against_popularity(const m::RankMetrics& valid, const m::RankMetrics& popularity, int best_epoch,
                              bool warn) {
  m::TrainResult r;  // the rule of m::TrainResult::beats_popularity
  r.best_valid = valid;
  r.popularity_valid = popularity;
  char buf[300];
  std::snprintf(buf, sizeof buf,
                "valid(full) NDCG@10 on %lld users: model %.4f (epoch %d), popularity %.4f, noise %.4f\n",
                static_cast<long long>(valid.users), valid.ndcg10(), best_epoch, popularity.ndcg10(),
                r.popularity_margin());
  std::cerr << buf;
  if (warn && !r.beats_popularity()) {
    std::cerr << "warning: the model does not beat popularity on validation; a store retrain (--data-dir) "
                 "registers such a model without activating it, and the live model or popularity keeps serving\n";
  }
}

// `train --data-dir`: the service's retrain pipeline, run in the foreground.
void run_train_store(const TrainFlags& f, const m::Config& c, const m::TrainConfig& t,
                     const m::TypePolicy& types) {
  const service::TrainOptions options{c, t, f.activate == "always"};
  service::Config config;
  config.data_dir = f.data_dir;
  config.types = types;
  if (f.cluster.enabled()) {
    // One view of every shard: DIR keeps it between runs, so each run
    // replays only what came since the last.
    config.cluster = f.cluster;
    config.cluster.node = "trainer";
    config.cluster.nodes = {config.cluster.node};
    config.cluster.trainer = true;
  }
  std::unique_ptr<service::Service> svc;
  if (const Status s = service::Service::open(config, &svc); !s.is_ok()) fail(s.message());
  if (f.cluster.enabled()) {
    std::cerr << "catching up with the cluster's events, catalog and active model...\n";
    const auto start = std::chrono::steady_clock::now();
    auto said = start;
    while (!svc->ready()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (std::chrono::steady_clock::now() - said > std::chrono::seconds(10)) {
        said = std::chrono::steady_clock::now();
        std::cerr << "  " << svc->stats().events << " events so far\n";
      }
    }
    const std::string active = svc->models().live_version();
    std::cerr << "caught up in "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s; "
              << "the cluster's active model: " << (active.empty() ? "none" : active) << "\n";
  }
  const service::ServiceStats stats = svc->stats();
  std::cerr << "store: " << stats.users << " users, " << stats.items << " items, " << stats.events
            << " events (" << f.data_dir << ")\n";
  CliJobContext ctx(f.quiet);
  if (const Status s = svc->models().train_now(options, ctx); !s.is_ok()) fail(s.message());
  const service::TrainJob& job = ctx.job();
  if (job.version.empty()) fail("training stopped before a model was written");
  if (!f.out.empty()) {
    const Status s = copy_file_durably(config.data_dir + "/models/" + job.version + ".sasrec", f.out);
    if (!s.is_ok()) fail(s.message());
  }
  if (job.metrics) {
    print_against_popularity(job.metrics->valid, job.metrics->popularity_valid, job.metrics->best_epoch, false);
  }
  std::cerr << "model " << job.version << (job.activated ? " activated" : " registered, not activated") << ": "
            << job.decision << "\n";
  json::object out{{"version", job.version}, {"activated", job.activated}, {"decision", job.decision}};
  if (job.metrics) {
    out["metrics"] = json::object{{"valid", service::metrics_json(job.metrics->valid, "full")},
                                  {"popularity_valid", service::metrics_json(job.metrics->popularity_valid, "full")},
                                  {"test", service::test_json(job.metrics->test)},
                                  {"best_epoch", job.metrics->best_epoch},
                                  {"stop_reason", job.metrics->stop_reason}};
  }
  std::cout << service::serialize_json(out) << "\n";
}

void run_train(const TrainFlags& f) {
  m::Config config = f.config;
  m::TrainConfig train = f.train;
  const auto loss = m::parse_loss(f.loss);
  if (!loss) fail("--loss must be bce, ce or sampled-ce, not '" + f.loss + "'");
  train.loss = *loss;
  config.act = f.activation == "gelu" ? m::Activation::kGelu : m::Activation::kRelu;
  config.attention = *m::parse_attention(f.attention);
  train.protocol = *m::parse_train_protocol(f.protocol);  // CLI checked the name
  const m::TypePolicy types = parse_types(f.positive_types, f.negative_types);
  if (f.cluster.enabled() && f.data_dir.empty()) {
    fail("train --nats needs --data-dir DIR: the trainer keeps its view of the cluster there");
  }
  if (!f.data_dir.empty()) {
    if (!f.input.empty()) fail("give either --input FILE or --data-dir DIR, not both");
    run_train_store(f, config, train, types);
    return;
  }
  if (f.input.empty()) fail("train needs --input FILE (or --data-dir DIR)");
  if (f.out.empty()) fail("train needs --out MODEL");
  const m::Dataset data = read_dataset(f.input, f.format, nullptr, types);
  size_t negatives = 0;
  for (size_t u = 0; u < data.seqs.size(); ++u) negatives += data.negatives_of(u).size();
  std::cerr << "data: " << data.user_ids.size() << " users, " << data.num_items() << " items, "
            << data.num_interactions() << " interactions (" << f.input << ")";
  if (negatives > 0 || data.ignored > 0) {
    std::cerr << "; types: " << negatives << " (user, item) marked negative, " << data.ignored << " events ignored";
  }
  std::cerr << "\nprotocol: " << f.protocol << "\n";
  std::cerr << "model: d=" << config.d << " L=" << config.maxlen << " blocks=" << config.blocks
            << " heads=" << config.heads << " dropout=" << config.dropout << "; loss=" << f.loss
            << " lr=" << train.lr << " batch=" << train.batch << " threads=" << train.threads << "\n";

  TrainProgress printer(f.quiet);
  auto progress = [&](const m::Progress& p) {
    printer.batch(p.epoch, p.epochs, p.batch, p.batches, p.loss, p.seqs_per_sec, p.eta_seconds);
    return true;
  };
  auto on_epoch = [&](const m::EpochStats& e) { printer.epoch(e); };
  service::TrainRun run;
  const service::TrainOptions options{config, train, false};
  if (const Status s = service::train_and_test(data, options, f.input, progress, on_epoch, &run); !s.is_ok()) {
    fail(s.message());
  }
  const m::TrainResult& result = run.result;
  std::cerr << "stopped: " << result.stop_reason << "; best epoch " << result.best_epoch << "\n";
  print_against_popularity(result.best_valid, result.popularity_valid, result.best_epoch, true);

  if (const auto saved = m::save_checkpoint(*result.model, f.out); !saved.is_ok()) fail(saved.message());
  if (const Status s = write_file_durably(f.out + ".json", run.report_json); !s.is_ok()) fail(s.message());
  std::cout << service::serialize_json(json::object{{"model", f.out},
                                                    {"best_epoch", result.best_epoch},
                                                    {"train_seconds", result.seconds},
                                                    {"valid", service::metrics_json(result.best_valid, "full")},
                                                    {"popularity_valid", service::metrics_json(result.popularity_valid, "full")},
                                                    {"popularity_test", service::metrics_json(run.popularity_test, "full")},
                                                    {"beats_popularity", result.beats_popularity()},
                                                    {"test_full", service::metrics_json(run.test.full, "full")},
                                                    {"test_sampled", service::metrics_json(run.test.sampled, "sampled-100")}})
            << "\n";
}

void add_train(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train a SASRec model; writes MODEL and MODEL.json");
  c->add_option("--input", f->input, "Interaction file (one `user item` per line, time order per user)");
  c->add_option("--format", f->format, "Input format")->check(CLI::IsMember({"pairs"}))->capture_default_str();
  c->add_option("--data-dir", f->data_dir,
                 "Train from the store in DIR instead: registers a new model version and activates it "
                 "unless it is worse than the live one (see --activate); the service must not be running on DIR");
  c->add_option("--out", f->out, "Model file to write (MODEL.json gets the report); with --data-dir, a copy");
  c->add_option("--nats", f->cluster.nats,
                 "With --data-dir: train for the cluster on these NATS JetStream servers (nats://HOST:PORT,...): "
                 "DIR becomes a view of every shard, and a model activated by --activate is published to every node")
      ->delimiter(',');
  c->add_option("--shards", f->cluster.shards, "With --nats: the cluster's user shards (as its nodes' --shards)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  c->add_option("--nats-replicas", f->cluster.replicas,
                 "With --nats: replicas of the cluster's streams; 0 = min(3, servers in --nats)")
      ->check(CLI::Range(0, 5))
      ->capture_default_str();
  c->add_option("--activate", f->activate, "With --data-dir: always | if_not_worse")
      ->check(CLI::IsMember({"always", "if_not_worse"}))->capture_default_str();
  c->add_option("--protocol", f->protocol,
                 "deployment: validate on the second-last items of --eval-users users and train on the "
                 "others' (--train-on-valid), as a service retrain; strict: the published split, every user "
                 "trains on all but its last two items, the second-last items only pick the epoch")
      ->check(CLI::IsMember({"deployment", "strict"}))->capture_default_str();
  c->add_option("--positive-types", f->positive_types,
                 "With typed input (`user item type` lines, or a store): types that enter the history, "
                 "TYPE[:WEIGHT],... (the loss weight); * = every type that is not negative; others are ignored")
      ->capture_default_str();
  c->add_option("--negative-types", f->negative_types,
                 "Types that never enter the history; the item is never recommended to that user")
      ->capture_default_str();
  c->add_option("--loss", f->loss, "bce | ce | sampled-ce")->capture_default_str();
  c->add_option("--epochs", f->train.epochs, "Maximum epochs")->capture_default_str();
  c->add_option("--max-minutes", f->train.max_minutes, "Wall-clock budget (0 = none)")->capture_default_str();
  c->add_option("--patience", f->train.patience, "Stop after this many evaluations without validation gain (0 = never)")->capture_default_str();
  c->add_option("--eval-every", f->train.eval_every, "Validate every N epochs")->capture_default_str();
  c->add_option("--eval-users", f->train.eval_users, "Validate on at most this many users (0 = all)")->capture_default_str();
  c->add_option("--maxlen", f->config.maxlen, "Positions per history")->capture_default_str();
  c->add_option("--dim", f->config.d, "Model width")->capture_default_str();
  c->add_option("--blocks", f->config.blocks, "Transformer blocks")->capture_default_str();
  c->add_option("--heads", f->config.heads, "Attention heads")->capture_default_str();
  c->add_option("--ffn", f->config.d_ff, "Feed-forward hidden width (0 = dim)")->capture_default_str();
  c->add_option("--activation", f->activation, "relu | gelu")->check(CLI::IsMember({"relu", "gelu"}))->capture_default_str();
  c->add_option("--dropout", f->config.dropout, "Dropout rate")->capture_default_str();
  c->add_option("--attention", f->attention, "full | local (each position attends to the --window before it)")
      ->check(CLI::IsMember({"full", "local"}))->capture_default_str();
  c->add_option("--window", f->config.window, "With --attention local: positions each attends to (itself included)")
      ->capture_default_str();
  c->add_option("--lr", f->train.lr, "Adam learning rate")->capture_default_str();
  c->add_option("--weight-decay", f->train.weight_decay, "Decoupled weight decay")->capture_default_str();
  c->add_option("--warmup", f->train.warmup_steps, "Linear learning-rate warm-up steps")->capture_default_str();
  c->add_flag("--lr-decay", f->train.lr_decay, "Decay the learning rate linearly to 0");
  c->add_option("--ema", f->train.ema_decay, "Validate and keep a moving average of the weights with this decay per step (0 = off)")
      ->check(CLI::Range(0.0, 0.99999))->capture_default_str();
  c->add_flag("--train-on-valid,!--no-train-on-valid", f->train.train_on_valid,
              "Train on the second-last items of users outside the validation subset (--eval-users)");
  c->add_flag("--all-windows,!--last-window", f->train.all_windows,
              "Train long histories on all their items, in windows of --maxlen; --last-window: on their last --maxlen only");
  c->add_flag("--trace-test", f->train.trace_test,
              "Also rank the test items after every validated epoch and report them per epoch in MODEL.json "
              "(time-to-quality curves; never used for selection, left out of the clock)");
  c->add_option("--batch", f->train.batch, "Sequences per step")->capture_default_str();
  c->add_option("--negatives", f->train.negatives, "Negatives (0 = 1 for bce, 256 for sampled-ce)")->capture_default_str();
  c->add_option("--lazy-embedding-items", f->train.lazy_embedding_items,
                "Catalogs of at least this many items update only the embedding rows each batch touched (0 = always dense)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  c->add_option("--seed", f->train.seed, "Random seed")->capture_default_str();
  c->add_option("--threads", f->train.threads, "Training threads")->capture_default_str();
  c->add_flag("--quiet", f->quiet, "No per-batch progress");
  c->callback([f] { run_train(*f); });
}

void add_eval(CLI::App& app) {
  struct Flags {
    std::string model, input, format = "pairs", protocol = "sampled", split = "test";
    std::string positive_types{m::kDefaultPositiveTypes}, negative_types{m::kDefaultNegativeTypes};
    int threads = 2;
    uint64_t seed = 2018;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("eval", "Leave-one-out evaluation of a model; prints JSON");
  c->add_option("--model", f->model, "Model file")->required();
  c->add_option("--input", f->input, "Interaction file")->required();
  c->add_option("--format", f->format, "Input format")->check(CLI::IsMember({"pairs"}))->capture_default_str();
  c->add_option("--protocol", f->protocol, "sampled (100 negatives) | full (all items)")
      ->check(CLI::IsMember({"sampled", "full"}))->capture_default_str();
  c->add_option("--split", f->split, "test (last item) | valid (second last)")
      ->check(CLI::IsMember({"test", "valid"}))->capture_default_str();
  c->add_option("--threads", f->threads, "Threads")->capture_default_str();
  c->add_option("--seed", f->seed, "Seed of the negative sampling")->capture_default_str();
  c->add_option("--positive-types", f->positive_types, "As for train (typed input)")->capture_default_str();
  c->add_option("--negative-types", f->negative_types, "As for train (typed input)")->capture_default_str();
  c->callback([f] {
    const m::TypePolicy types = parse_types(f->positive_types, f->negative_types);
    // Evaluation ranks every item exactly: an approximate index would be unused.
    const auto model = load_model(f->model, {.kind = m::IndexKind::kExact});
    const m::Dataset data = read_dataset(f->input, f->format, &model->item_ids(), types);
    if (data.dropped > 0) {
      std::cerr << "note: " << data.dropped << " interactions with items unknown to the model were skipped\n";
    }
    m::EvalOptions eo;
    eo.protocol = f->protocol == "full" ? m::Protocol::kFull : m::Protocol::kSampled;
    eo.threads = std::max(1, f->threads);
    eo.seed = f->seed;
    const auto metrics = m::evaluate(*model, data, f->split == "test" ? m::Split::kTest : m::Split::kValid, eo);
    json::object out{{"split", f->split}};
    for (const auto& [key, value] : service::metrics_json(metrics, m::protocol_name(eo.protocol))) {
      out[key] = value;
    }
    std::cout << service::serialize_json(out) << "\n";
  });
}

// Whether MODEL.json, the report `train` wrote next to MODEL, says the model
// did not beat popularity on validation. False when there is no report, it
// does not parse, or it predates the rule (no beats_popularity).
bool report_says_below_popularity(const std::string& model_path) {
  std::ifstream in(model_path + ".json");
  if (!in) return false;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return false;
  const json::value* beats = v.as_object().if_contains("beats_popularity");
  return beats && beats->is_bool() && !beats->as_bool();
}

void add_recommend(CLI::App& app) {
  struct Flags {
    std::string model, input, format = "pairs", item_index = "auto";
    int k = 10;
    bool model_anyway = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("recommend", "Top-K items per user of FILE (history items excluded)");
  c->add_option("--model", f->model, "Model file")->required();
  c->add_option("--input", f->input, "Interaction file: each user's whole sequence is the history")->required();
  c->add_option("--format", f->format, "Input format")->check(CLI::IsMember({"pairs"}))->capture_default_str();
  c->add_option("--k", f->k, "Items per user")->check(CLI::Range(1, 100000))->capture_default_str();
  c->add_option("--item-index", f->item_index,
                "Item index: exact, hnsw (approximate), auto (hnsw for large catalogs)")
      ->check(CLI::IsMember({"exact", "hnsw", "auto"}))
      ->capture_default_str();
  c->add_flag("--model-anyway", f->model_anyway,
              "Answer from the model even when MODEL.json says it does not beat popularity on validation "
              "(by default such a model is not used: the answers come from popularity, as a store serves)");
  c->callback([f] {
    const auto kind = m::parse_index_kind(f->item_index);
    if (!kind) fail("--item-index " + f->item_index + " is not one of exact, hnsw, auto", 2);
    const auto model = load_model(f->model, {.kind = *kind});
    const m::Dataset data = read_dataset(f->input, f->format, &model->item_ids());
    // A model that lost to popularity is not served by a store; neither is
    // it used here: items ranked by their count in FILE answer instead.
    const bool popularity = !f->model_anyway && report_says_below_popularity(f->model);
    std::vector<int32_t> ranked;  // by count in FILE, most first; ties by item index
    if (popularity) {
      std::cerr << "note: " << f->model << ".json says the model does not beat popularity on validation; "
                << "answering from popularity (item counts in " << f->input << "); --model-anyway uses the model\n";
      m::PopularityBaseline counts(model->num_items());
      for (const auto& seq : data.seqs) counts.add(seq);
      for (int32_t i = 1; i <= model->num_items(); ++i) {
        if (counts.counts()[size_t(i)] > 0) ranked.push_back(i);
      }
      std::stable_sort(ranked.begin(), ranked.end(), [&](int32_t a, int32_t b) {
        return counts.counts()[size_t(a)] > counts.counts()[size_t(b)];
      });
    }
    std::string line;
    std::vector<int32_t> seen;
    for (size_t u = 0; u < data.seqs.size(); ++u) {
      const auto& seq = data.seqs[u];
      std::vector<m::ScoredItem> top;
      if (popularity) {
        seen.assign(seq.begin(), seq.end());
        std::sort(seen.begin(), seen.end());
        for (int32_t i : ranked) {
          if (top.size() >= size_t(f->k)) break;
          if (!std::binary_search(seen.begin(), seen.end(), i)) top.push_back({i, 0.0f});
        }
      } else {
        top = model->recommend(seq, f->k, {.allowed = {}, .excluded = seq});
      }
      line = data.user_ids[u];
      line += '\t';
      for (size_t i = 0; i < top.size(); ++i) {
        if (i) line += ' ';
        line += model->external_id(top[i].item);
      }
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    std::fflush(stdout);
  });
}

}  // namespace

void add_model_commands(CLI::App& app) {
  add_train(app);
  add_eval(app);
  add_recommend(app);
}

}  // namespace attnrec::cli
