// `attnrec train | eval | recommend`: flag parsing and wiring into model/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
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

namespace attnrec::cli {

namespace m = attnrec::model;

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
  std::string input, format = "pairs", data_dir, out, loss = "ce", activation = "relu";
  m::Config config;
  m::TrainConfig train;
  bool quiet = false;
};

void run_train(const TrainFlags& f) {
  if (!f.data_dir.empty()) {
    fail("--data-dir (training from the store) is not implemented yet; use --input FILE --format pairs");
  }
  if (f.input.empty()) fail("train needs --input FILE (or --data-dir DIR)");
  if (f.out.empty()) fail("train needs --out MODEL");
  m::Config config = f.config;
  m::TrainConfig train = f.train;
  const auto loss = m::parse_loss(f.loss);
  if (!loss) fail("--loss must be bce, ce or sampled-ce, not '" + f.loss + "'");
  train.loss = *loss;
  config.act = f.activation == "gelu" ? m::Activation::kGelu : m::Activation::kRelu;
  const m::Dataset data = read_dataset(f.input, f.format);
  config.num_items = data.num_items();
  if (const std::string why = config.validate(); !why.empty()) fail("bad model flags: " + why);
  if (train.batch < 1 || train.epochs < 1 || train.threads < 1 || !(train.lr > 0)) {
    fail("--batch, --epochs and --threads must be >= 1 and --lr > 0");
  }
  std::cerr << "data: " << data.user_ids.size() << " users, " << data.num_items() << " items, "
            << data.num_interactions() << " interactions (" << f.input << ")\n";
  m::Trainer trainer(config, train, data);
  std::cerr << "model: d=" << config.d << " L=" << config.maxlen << " blocks=" << config.blocks
            << " heads=" << config.heads << " dropout=" << config.dropout
            << "; loss=" << f.loss << " lr=" << train.lr << " batch=" << train.batch
            << " threads=" << train.threads << "; " << trainer.num_sequences()
            << " training sequences\n";

  const bool tty = isatty(STDERR_FILENO) != 0;
  auto last_print = std::chrono::steady_clock::now();
  auto progress = [&](const m::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (f.quiet || (p.batch != p.batches && now - last_print < std::chrono::milliseconds(tty ? 250 : 10000))) return;
    last_print = now;
    char buf[200];
    std::snprintf(buf, sizeof buf, "epoch %d/%d batch %d/%d loss %.4f %.0f seq/s ETA %s",
                  p.epoch, p.epochs, p.batch, p.batches, p.loss, p.seqs_per_sec,
                  fmt_seconds(p.eta_seconds).c_str());
    std::cerr << (tty ? "\r" : "") << buf << (tty ? "\x1b[K" : "\n") << std::flush;
  };
  auto on_epoch = [&](const m::EpochStats& e) {
    char buf[240];
    std::snprintf(buf, sizeof buf, "epoch %d: loss %.4f, %.2f s (%.0f seq/s)", e.epoch, e.loss,
                  e.train_seconds, e.seqs_per_sec);
    std::cerr << (tty ? "\r\x1b[K" : "") << buf;
    if (e.evaluated) {
      std::snprintf(buf, sizeof buf, ", valid(full) NDCG@10 %.4f HR@10 %.4f", e.valid.ndcg10(),
                    e.valid.hr10());
      std::cerr << buf;
    }
    std::cerr << ", elapsed " << fmt_seconds(e.elapsed_seconds) << "\n";
  };
  const m::TrainResult result = trainer.fit(progress, on_epoch);
  std::cerr << "stopped: " << result.stop_reason << "; best epoch " << result.best_epoch << "\n";

  const auto t0 = std::chrono::steady_clock::now();
  m::TestReport test;
  m::EvalOptions eo;
  eo.threads = train.threads;
  eo.protocol = m::Protocol::kFull;
  test.full = m::evaluate(*result.model, data, m::Split::kTest, eo);
  eo.protocol = m::Protocol::kSampled;
  test.sampled = m::evaluate(*result.model, data, m::Split::kTest, eo);
  test.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (auto saved = m::save_checkpoint(*result.model, f.out); !saved) fail(saved.error());
  const std::string json = m::train_report_json(config, train, f.input, result, test);
  {
    std::ofstream js(f.out + ".json");
    js << json;
    if (!js) fail(f.out + ".json: cannot write");
  }
  std::cout << "{\"model\":\"" << f.out << "\",\"best_epoch\":" << result.best_epoch
            << ",\"train_seconds\":" << result.seconds << ",\"valid\":"
            << result.best_valid.to_json("full") << ",\"test_full\":" << test.full.to_json("full")
            << ",\"test_sampled\":" << test.sampled.to_json("sampled-100") << "}\n";
}

void add_train(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train a SASRec model; writes MODEL and MODEL.json");
  c->add_option("--input", f->input, "Interaction file (one `user item` per line, time order per user)");
  c->add_option("--format", f->format, "Input format")->check(CLI::IsMember({"pairs"}))->capture_default_str();
  c->add_option("--data-dir", f->data_dir, "Train from the store in DIR (not implemented yet)");
  c->add_option("--out", f->out, "Model file to write (MODEL.json gets the report)");
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
  c->add_option("--ffn", f->config.d_ff, "Feed-forward width (0 = dim)")->capture_default_str();
  c->add_option("--activation", f->activation, "relu | gelu")->check(CLI::IsMember({"relu", "gelu"}))->capture_default_str();
  c->add_option("--dropout", f->config.dropout, "Dropout rate")->capture_default_str();
  c->add_option("--lr", f->train.lr, "Adam learning rate")->capture_default_str();
  c->add_option("--weight-decay", f->train.weight_decay, "Decoupled weight decay")->capture_default_str();
  c->add_option("--warmup", f->train.warmup_steps, "Linear learning-rate warm-up steps")->capture_default_str();
  c->add_flag("--lr-decay", f->train.lr_decay, "Decay the learning rate linearly to 0");
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
