#include "model/train_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace attnrec::model {

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// JSON has no NaN or infinity (a diverged epoch's loss): those are null.
std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string train_report_json(const Config& c, const TrainConfig& t, const std::string& input,
                              const TrainResult& r, const TestReport& test) {
  std::ostringstream o;
  o << "{\n  \"input\": " << quote(input) << ",\n";
  o << "  \"config\": {\"num_items\": " << c.num_items << ", \"maxlen\": " << c.maxlen
    << ", \"dim\": " << c.d << ", \"blocks\": " << c.blocks << ", \"heads\": " << c.heads
    << ", \"d_ff\": " << c.ffn_width() << ", \"dropout\": " << num(c.dropout)
    << ", \"activation\": " << quote(c.act == Activation::kGelu ? "gelu" : "relu") << "},\n";
  o << "  \"train\": {\"loss\": " << quote(std::string(loss_name(t.loss)))
    << ", \"epochs\": " << t.epochs << ", \"max_minutes\": " << num(t.max_minutes)
    << ", \"batch\": " << t.batch << ", \"lr\": " << num(t.lr)
    << ", \"weight_decay\": " << num(t.weight_decay) << ", \"negatives\": " << t.num_negatives()
    << ", \"seed\": " << t.seed << ", \"threads\": " << t.threads
    << ", \"patience\": " << t.patience << ", \"warmup_steps\": " << t.warmup_steps
    << ", \"lr_decay\": " << (t.lr_decay ? "true" : "false") << ", \"ema\": " << num(t.ema_decay)
    << ", \"all_windows\": " << (t.all_windows ? "true" : "false")
    << ", \"eval_users\": " << t.eval_users
    << ", \"train_on_valid\": " << (t.train_on_valid ? "true" : "false")
    << ", \"trace_test\": " << (t.trace_test ? "true" : "false") << "},\n";
  o << "  \"epochs\": [\n";
  for (size_t i = 0; i < r.epochs.size(); ++i) {
    const EpochStats& e = r.epochs[i];
    o << "    {\"epoch\": " << e.epoch << ", \"loss\": " << num(e.loss)
      << ", \"train_seconds\": " << num(e.train_seconds)
      << ", \"seqs_per_sec\": " << num(e.seqs_per_sec)
      << ", \"elapsed_seconds\": " << num(e.elapsed_seconds);
    if (e.evaluated) {
      o << ", \"eval_seconds\": " << num(e.eval_seconds)
        << ", \"valid\": " << e.valid.to_json("full");
    }
    if (e.traced) {
      o << ", \"test\": {\"full\": " << e.test.full.to_json("full")
        << ", \"sampled\": " << e.test.sampled.to_json("sampled-100") << "}";
    }
    o << "}" << (i + 1 < r.epochs.size() ? "," : "") << "\n";
  }
  o << "  ],\n";
  o << "  \"best_epoch\": " << r.best_epoch << ",\n";
  o << "  \"best_valid\": " << r.best_valid.to_json("full") << ",\n";
  o << "  \"stop_reason\": " << quote(r.stop_reason) << ",\n";
  o << "  \"train_seconds\": " << num(r.seconds) << ",\n";
  o << "  \"test\": {\"full\": " << test.full.to_json("full")
    << ", \"sampled\": " << test.sampled.to_json("sampled-100")
    << ", \"seconds\": " << num(test.seconds) << "}\n}\n";
  return o.str();
}

}  // namespace attnrec::model
