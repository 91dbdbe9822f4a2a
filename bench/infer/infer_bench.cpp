// Serving cost per user, single thread: Model::encode (last_only forward)
// plus a full-catalog top-10 through the ExactIndex with the history
// excluded, for every user of an ML-1M file, in file order; one JSON line
// per configuration with the mean, p50 and p99 microseconds per user, wall
// clock and the thread's CPU time (on a shared, loaded machine the wall
// clock also counts the time other processes hold the core; CPU time does
// not), and the encode and top-k parts (wall). Weights are random (Xavier, as training
// starts): the cost does not depend on their values. Histories are each
// user's whole sequence; the model uses its last maxlen items.
//
// Configurations: "ref" = pmixer/SASRec.pytorch's reference architecture
// (maxlen 200, d 50, 2 blocks, 1 head, feed-forward 50); "default" =
// attnrec's default model (maxlen 200, d 64, 2 blocks, 2 heads, ffn 512).
//
// usage: infer_bench FILE [ref|default|both] [REPEATS]
// Exits 0 with "skipped" when FILE does not exist.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "model/dataset.h"
#include "model/model.h"
#include "model/sasrec.h"

namespace m = attnrec::model;
using Clock = std::chrono::steady_clock;

namespace {

double us_since(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

void run(const std::string& name, m::Config cfg, const m::Dataset& data, int repeats) {
  cfg.num_items = data.num_items();
  m::Params<float> p(std::make_shared<m::Layout>(cfg));
  p.init(1);
  const m::Model model(std::move(p), data.item_ids, {.kind = m::IndexKind::kExact});
  std::vector<float> user(size_t(cfg.d));
  std::vector<m::ScoredItem> top;
  top.reserve(10);
  // Warm-up: the thread's workspace and scratch are allocated here.
  for (size_t u = 0; u < std::min<size_t>(50, data.seqs.size()); ++u) {
    model.encode(data.seqs[u], user);
    model.top_k(user, 10, {.allowed = {}, .excluded = data.seqs[u]}, &top);
  }
  std::vector<double> total, cpu, enc, topk;
  for (int r = 0; r < repeats; ++r) {
    for (const auto& seq : data.seqs) {
      const double c0 = thread_cpu_us();
      const auto t0 = Clock::now();
      if (!model.encode(seq, user)) continue;
      const double e = us_since(t0);
      const auto t1 = Clock::now();
      model.top_k(user, 10, {.allowed = {}, .excluded = seq}, &top);
      const double k = us_since(t1);
      cpu.push_back(thread_cpu_us() - c0);
      enc.push_back(e);
      topk.push_back(k);
      total.push_back(e + k);
    }
  }
  const m::Workspace<float> train_ws(cfg), serve_ws(cfg, m::Pass::kLastOnly);
  std::printf(
      "{\"impl\": \"attnrec\", \"config\": \"%s\", \"items\": %d, \"d\": %d, \"heads\": %d, \"ffn\": %d, "
      "\"users\": %zu, \"mean_us\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"cpu_mean_us\": %.1f, "
      "\"cpu_p50_us\": %.1f, \"cpu_p99_us\": %.1f, \"encode_mean_us\": %.1f, "
      "\"topk_mean_us\": %.1f, \"index\": \"%s\", \"serving_workspace_bytes\": %zu, "
      "\"training_workspace_bytes\": %zu}\n",
      name.c_str(), cfg.num_items, cfg.d, cfg.heads, cfg.ffn_width(), total.size(), mean(total),
      percentile(total, 0.5), percentile(total, 0.99), mean(cpu), percentile(cpu, 0.5),
      percentile(cpu, 0.99), mean(enc), mean(topk),
      std::string(model.index().kind()).c_str(), serve_ws.bytes(), train_ws.bytes());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: infer_bench FILE [ref|default|both] [REPEATS]\n");
    return 2;
  }
  const std::string path = argv[1], which = argc > 2 ? argv[2] : "both";
  const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
  if (!std::filesystem::exists(path)) {
    std::printf("skipped: %s not found\n", path.c_str());
    return 0;
  }
  auto data = m::read_pairs(path);
  if (!data.ok()) {
    std::fprintf(stderr, "error: %s\n", data.error().c_str());
    return 1;
  }
  if (which == "ref" || which == "both") {
    m::Config c;
    c.maxlen = 200;
    c.d = 50;
    c.blocks = 2;
    c.heads = 1;
    c.d_ff = 50;
    run("ref", c, data.value(), repeats);
  }
  if (which == "default" || which == "both") run("default", m::Config{}, data.value(), repeats);
  return 0;
}
