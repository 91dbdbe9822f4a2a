// `attnrec train | eval | recommend`: flag parsing and wiring into model/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "model/checkpoint.h"
#include "model/dataset.h"
#include "model/evaluator.h"
#include "model/train_report.h"
#include "model/trainer.h"
#include "service/cli.h"
#include "service/codec.h"
#include "service/recommender.h"
#include "service/training.h"

namespace attnrec::cli {

namespace m = attnrec::model;
namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "error: " << message << "\n";
  throw CLI::RuntimeError(code);
}

m::Dataset read_dataset(const std::string& path, const std::string& format,
                        const std::vector<std::string>* items = nullptr) {
  if (format != "pairs") fail("--format " + format + " is not supported here (only: pairs)");
  auto data = items ? m::read_pairs(path, *items) : m::read_pairs(path);
  if (!data) fail(data.error());
  return std::move(data).value();
}

std::shared_ptr<const m::Model> load_model(const std::string& path) {
  auto model = m::load_checkpoint(path);
  if (!model) fail(model.error());
  return model.value();
}

std::string fmt_seconds(double s) {
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  }
  return buf;
}

struct TrainFlags {
  // Defaults of the loss and activation flags come from the model's defaults.
  m::Config config;
  m::TrainConfig train;
  std::string input, format = "pairs", data_dir, out;
  std::string loss{m::loss_name(train.loss)};
  std::string activation = config.act == m::Activation::kGelu ? "gelu" : "relu";
  std::string activate = "if_not_worse";
  bool quiet = false;
};

// Prints training progress on stderr: one redrawn line on a terminal, a line
// every 10 s otherwise, and a line per finished epoch.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

  void batch(int epoch, int epochs, int batch, int batches, double loss, double seqs_per_sec,
             double eta_seconds) {
    const auto now = std::chrono::steady_clock::now();
    if (quiet_ || (batch != batches && now - last_ < std::chrono::milliseconds(tty_ ? 250 : 10000))) return;
    last_ = now;
    char buf[200];
    std::snprintf(buf, sizeof buf, "epoch %d/%d batch %d/%d loss %.4f %.0f seq/s ETA %s", epoch, epochs,
                  batch, batches, loss, seqs_per_sec, fmt_seconds(eta_seconds).c_str());
    std::cerr << (tty_ ? "\r" : "") << buf << (tty_ ? "\x1b[K" : "\n") << std::flush;
  }

  void epoch(const m::EpochStats& e) {
    char buf[240];
    std::snprintf(buf, sizeof buf, "epoch %d: loss %.4f, %.2f s (%.0f seq/s)", e.epoch, e.loss,
                  e.train_seconds, e.seqs_per_sec);
    std::cerr << (tty_ ? "\r\x1b[K" : "") << buf;
    if (e.evaluated) {
      std::snprintf(buf, sizeof buf, ", valid(full) NDCG@10 %.4f HR@10 %.4f", e.valid.ndcg10(), e.valid.hr10());
      std::cerr << buf;
    }
    std::cerr << ", elapsed " << fmt_seconds(e.elapsed_seconds) << "\n";
  }

 private:
  const bool quiet_, tty_;
  std::chrono::steady_clock::time_point last_{};
};

// Progress of a store training run, which reaches the CLI as job updates.
class CliJobContext : public service::JobContext {
 public:
  explicit CliJobContext(bool quiet) : printer_(quiet) {}
  bool cancelled() const override { return false; }
  void update(const std::function<void(service::TrainJob&)>& edit) override {
    edit(job_);
    if (job_.history.size() > printed_epochs_) {
      // A finished epoch: print it from the job's record.
      const auto& point = job_.history[printed_epochs_++].as_object();
      m::EpochStats e;
      e.epoch = static_cast<int>(point.at("epoch").to_number<double>());
      e.loss = point.at("loss").to_number<double>();
      e.train_seconds = point.at("seconds").to_number<double>();
      e.seqs_per_sec = point.at("seqs_per_sec").to_number<double>();
      if (const auto* valid = point.if_contains("valid")) {
        e.evaluated = true;
        e.valid.users = 1;
        e.valid.ndcg_sum = valid->at("ndcg@10").to_number<double>();
        e.valid.hr_sum = valid->at("hr@10").to_number<double>();
      }
      e.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      printer_.epoch(e);
    } else if (job_.batch > 0) {
      printer_.batch(job_.epoch, job_.epochs, job_.batch, job_.batches, job_.loss, 0, job_.eta_seconds);
    }
  }
  const service::TrainJob& job() const { return job_; }

 private:
  ProgressPrinter printer_;
  service::TrainJob job_;
  size_t printed_epochs_ = 0;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// `train --data-dir`: the service's retrain pipeline, run in the foreground.
void run_train_store(const TrainFlags& f, const m::Config& c, const m::TrainConfig& t) {
  const json::object options{{"epochs", t.epochs},         {"max_minutes", t.max_minutes},
                             {"patience", t.patience},     {"eval_every", t.eval_every},
                             {"eval_users", t.eval_users}, {"maxlen", c.maxlen},
                             {"dim", c.d},                 {"blocks", c.blocks},
                             {"heads", c.heads},           {"ffn", c.d_ff},
                             {"activation", f.activation}, {"dropout", c.dropout},
                             {"lr", t.lr},                 {"weight_decay", t.weight_decay},
                             {"warmup", t.warmup_steps},   {"lr_decay", t.lr_decay},
                             {"ema", t.ema_decay},         {"all_windows", t.all_windows},
                             {"batch", t.batch},           {"negatives", t.negatives},
                             {"seed", t.seed},             {"threads", t.threads},
                             {"loss", f.loss},             {"activate", f.activate},
                             {"train_on_valid", t.train_on_valid}};
  service::Config config;
  config.data_dir = f.data_dir;
  std::unique_ptr<service::Recommender> rec;
  if (const service::Status s = service::Recommender::open(config, &rec); !s.is_ok()) fail(s.message());
  const service::ServiceStats stats = rec->stats();
  std::cerr << "store: " << stats.users << " users, " << stats.items << " items, " << stats.events
            << " events (" << f.data_dir << ")\n";
  CliJobContext ctx(f.quiet);
  if (const service::Status s = rec->train_now(options, ctx); !s.is_ok()) fail(s.message());
  const service::TrainJob& job = ctx.job();
  if (job.version.empty()) fail("training stopped before a model was written");
  if (!f.out.empty()) {
    std::error_code ec;
    std::filesystem::copy_file(config.data_dir + "/models/" + job.version + ".sasrec", f.out,
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) fail(f.out + ": cannot write: " + ec.message());
  }
  std::cerr << "model " << job.version << (job.activated ? " activated" : " registered, not activated") << ": "
            << job.decision << "\n";
  std::cout << service::serialize_json(json::object{{"version", job.version},
                                            {"activated", job.activated},
                                            {"decision", job.decision},
                                            {"metrics", job.metrics}})
            << "\n";
}

void run_train(const TrainFlags& f) {
  m::Config config = f.config;
  m::TrainConfig train = f.train;
  const auto loss = m::parse_loss(f.loss);
  if (!loss) fail("--loss must be bce, ce or sampled-ce, not '" + f.loss + "'");
  train.loss = *loss;
  config.act = f.activation == "gelu" ? m::Activation::kGelu : m::Activation::kRelu;
  if (!f.data_dir.empty()) {
    if (!f.input.empty()) fail("give either --input FILE or --data-dir DIR, not both");
    run_train_store(f, config, train);
    return;
  }
  if (f.input.empty()) fail("train needs --input FILE (or --data-dir DIR)");
  if (f.out.empty()) fail("train needs --out MODEL");
  const m::Dataset data = read_dataset(f.input, f.format);
  std::cerr << "data: " << data.user_ids.size() << " users, " << data.num_items() << " items, "
            << data.num_interactions() << " interactions (" << f.input << ")\n";
  std::cerr << "model: d=" << config.d << " L=" << config.maxlen << " blocks=" << config.blocks
            << " heads=" << config.heads << " dropout=" << config.dropout << "; loss=" << f.loss
            << " lr=" << train.lr << " batch=" << train.batch << " threads=" << train.threads << "\n";

  ProgressPrinter printer(f.quiet);
  auto progress = [&](const m::Progress& p) {
    printer.batch(p.epoch, p.epochs, p.batch, p.batches, p.loss, p.seqs_per_sec, p.eta_seconds);
  };
  auto on_epoch = [&](const m::EpochStats& e) { printer.epoch(e); };
  service::TrainRun run;
  const service::TrainSpec spec{config, train, f.input};
  if (const service::Status s = service::train_and_test(data, spec, progress, on_epoch, &run); !s.is_ok()) {
    fail(s.message());
  }
  const m::TrainResult& result = run.result;
  std::cerr << "stopped: " << result.stop_reason << "; best epoch " << result.best_epoch << "\n";

  if (const auto saved = m::save_checkpoint(*result.model, f.out); !saved.is_ok()) fail(saved.message());
  {
    std::ofstream js(f.out + ".json");
    js << run.report_json;
    if (!js) fail(f.out + ".json: cannot write");
  }
  std::cout << "{\"model\":\"" << f.out << "\",\"best_epoch\":" << result.best_epoch
            << ",\"train_seconds\":" << result.seconds << ",\"valid\":"
            << result.best_valid.to_json("full") << ",\"test_full\":" << run.test.full.to_json("full")
            << ",\"test_sampled\":" << run.test.sampled.to_json("sampled-100") << "}\n";
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
  c->add_option("--activate", f->activate, "With --data-dir: always | if_not_worse")
      ->check(CLI::IsMember({"always", "if_not_worse"}))->capture_default_str();
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
  c->add_option("--seed", f->train.seed, "Random seed")->capture_default_str();
  c->add_option("--threads", f->train.threads, "Training threads")->capture_default_str();
  c->add_flag("--quiet", f->quiet, "No per-batch progress");
  c->callback([f] { run_train(*f); });
}

void add_eval(CLI::App& app) {
  struct Flags {
    std::string model, input, format = "pairs", protocol = "sampled", split = "test";
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
  c->callback([f] {
    const auto model = load_model(f->model);
    const m::Dataset data = read_dataset(f->input, f->format, &model->item_ids());
    if (data.dropped > 0) {
      std::cerr << "note: " << data.dropped << " interactions with items unknown to the model were skipped\n";
    }
    m::EvalOptions eo;
    eo.protocol = f->protocol == "full" ? m::Protocol::kFull : m::Protocol::kSampled;
    eo.threads = std::max(1, f->threads);
    eo.seed = f->seed;
    const auto metrics = m::evaluate(*model, data, f->split == "test" ? m::Split::kTest : m::Split::kValid, eo);
    const std::string json = metrics.to_json(m::protocol_name(eo.protocol));
    std::cout << "{\"split\":\"" << f->split << "\"," << json.substr(1) << "\n";
  });
}

void add_recommend(CLI::App& app) {
  struct Flags {
    std::string model, input, format = "pairs";
    int k = 10;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("recommend", "Top-K items per user of FILE (history items excluded)");
  c->add_option("--model", f->model, "Model file")->required();
  c->add_option("--input", f->input, "Interaction file: each user's whole sequence is the history")->required();
  c->add_option("--format", f->format, "Input format")->check(CLI::IsMember({"pairs"}))->capture_default_str();
  c->add_option("--k", f->k, "Items per user")->check(CLI::Range(1, 100000))->capture_default_str();
  c->callback([f] {
    const auto model = load_model(f->model);
    const m::Dataset data = read_dataset(f->input, f->format, &model->item_ids());
    std::string line;
    for (size_t u = 0; u < data.seqs.size(); ++u) {
      const auto& seq = data.seqs[u];
      const auto top = model->recommend(seq, f->k, seq);
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
