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
//
//        infer_bench --sweep-maxlen CSV [USERS]
// Scaling against maxlen: the default-width model (random weights, 3,416
// items as ML-1M) at maxlen 50, 100, 200, 400, 800, fed random histories of
// exactly maxlen items (USERS of them, default 400), with full attention and
// with local attention of window 50; per user the same encode + top-10 as
// above. Writes one CSV row per (attention, maxlen) and prints it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/latency_stats.h"
#include "model/dataset.h"
#include "model/model.h"
#include "model/sasrec.h"

namespace m = attnrec::model;
using Clock = std::chrono::steady_clock;

using attnrec::bench::mean;
using attnrec::bench::percentile;

namespace {

double us_since(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}



struct Stats {
  size_t users = 0;
  double mean = 0, p50 = 0, p99 = 0;              // wall, encode + top-10
  double cpu_mean = 0, cpu_p50 = 0, cpu_p99 = 0;  // thread CPU time
  double encode_mean = 0, topk_mean = 0;          // wall
  double wall_s = 0, cpu_s = 0;                   // whole pass
};

// Encode + top-10 (history excluded) for every history, `repeats` passes,
// after a warm-up that allocates the thread's workspace and scratch.
Stats measure(const m::Model& model, const std::vector<std::vector<int32_t>>& seqs, int repeats) {
  std::vector<float> user(size_t(model.dim()));
  std::vector<m::ScoredItem> top;
  top.reserve(10);
  for (size_t u = 0; u < std::min<size_t>(50, seqs.size()); ++u) {
    model.encode(seqs[u], user);
    model.top_k(user, 10, {.allowed = {}, .excluded = seqs[u]}, &top);
  }
  std::vector<double> total, cpu, enc, topk;
  const double cpu_start = thread_cpu_us();
  const auto wall_start = Clock::now();
  for (int r = 0; r < repeats; ++r) {
    for (const auto& seq : seqs) {
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
  Stats st;
  st.wall_s = us_since(wall_start) / 1e6;
  st.cpu_s = (thread_cpu_us() - cpu_start) / 1e6;
  st.users = total.size();
  st.mean = mean(total), st.p50 = percentile(total, 0.5), st.p99 = percentile(total, 0.99);
  st.cpu_mean = mean(cpu), st.cpu_p50 = percentile(cpu, 0.5), st.cpu_p99 = percentile(cpu, 0.99);
  st.encode_mean = mean(enc), st.topk_mean = mean(topk);
  return st;
}

m::Model random_model(m::Config cfg, int num_items) {
  cfg.num_items = num_items;
  m::Params<float> p(std::make_shared<m::Layout>(cfg));
  p.init(1);
  std::vector<std::string> ids;
  for (int i = 1; i <= num_items; ++i) ids.push_back(std::to_string(i));
  return m::Model(std::move(p), std::move(ids), {.kind = m::IndexKind::kExact});
}

void run(const std::string& name, m::Config cfg, const m::Dataset& data, int repeats) {
  cfg.num_items = data.num_items();
  m::Params<float> p(std::make_shared<m::Layout>(cfg));
  p.init(1);
  const m::Model model(std::move(p), data.item_ids, {.kind = m::IndexKind::kExact});
  const Stats st = measure(model, data.seqs, repeats);
  const m::Workspace<float> train_ws(cfg), serve_ws(cfg, m::Pass::kLastOnly);
  std::printf(
      "{\"impl\": \"attnrec\", \"config\": \"%s\", \"items\": %d, \"d\": %d, \"heads\": %d, \"ffn\": %d, "
      "\"users\": %zu, \"mean_us\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"cpu_mean_us\": %.1f, "
      "\"cpu_p50_us\": %.1f, \"cpu_p99_us\": %.1f, \"encode_mean_us\": %.1f, "
      "\"topk_mean_us\": %.1f, \"index\": \"%s\", \"serving_workspace_bytes\": %zu, "
      "\"training_workspace_bytes\": %zu}\n",
      name.c_str(), cfg.num_items, cfg.d, cfg.heads, cfg.ffn_width(), st.users, st.mean, st.p50, st.p99,
      st.cpu_mean, st.cpu_p50, st.cpu_p99, st.encode_mean, st.topk_mean,
      std::string(model.index().kind()).c_str(), serve_ws.bytes(), train_ws.bytes());
  std::fflush(stdout);
}

std::string load() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  char buf[64] = {};
  if (f) {
    if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
    std::fclose(f);
  }
  std::string s(buf);
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

int sweep_maxlen(const std::string& csv, int users) {
  constexpr int kItems = 3416;  // ML-1M's catalog
  std::FILE* out = std::fopen(csv.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "error: cannot write %s\n", csv.c_str());
    return 1;
  }
  const char* header =
      "attention,window,maxlen,users,wall_mean_us,wall_p50_us,wall_p99_us,cpu_mean_us,cpu_p50_us,"
      "cpu_p99_us,encode_mean_us,topk_mean_us,users_per_s_wall,users_per_cpu_s,load1\n";
  std::fputs(header, out);
  std::fputs(header, stdout);
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int32_t> item(1, kItems);
  for (const int window : {0, 50}) {
    for (const int maxlen : {50, 100, 200, 400, 800}) {
      m::Config cfg;  // default width: d 64, 2 blocks, 2 heads, ffn 512
      cfg.maxlen = maxlen;
      if (window > 0) {
        cfg.attention = m::Attention::kLocal;
        cfg.window = window;
      }
      const m::Model model = random_model(cfg, kItems);
      std::vector<std::vector<int32_t>> seqs(size_t(users), std::vector<int32_t>(size_t(maxlen), 0));
      for (auto& s : seqs) {
        for (auto& x : s) x = item(rng);
      }
      const Stats st = measure(model, seqs, 1);
      char row[512];
      std::snprintf(row, sizeof row, "%s,%d,%d,%zu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%s\n",
                    window > 0 ? "local" : "full", window, maxlen, st.users, st.mean, st.p50, st.p99,
                    st.cpu_mean, st.cpu_p50, st.cpu_p99, st.encode_mean, st.topk_mean,
                    double(st.users) / st.wall_s, double(st.users) / st.cpu_s, load().c_str());
      std::fputs(row, out);
      std::fputs(row, stdout);
      std::fflush(out);
      std::fflush(stdout);
    }
  }
  std::fclose(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: infer_bench FILE [ref|default|both] [REPEATS]\n");
    return 2;
  }
  if (std::string(argv[1]) == "--sweep-maxlen") {
    if (argc < 3) {
      std::fprintf(stderr, "usage: infer_bench --sweep-maxlen CSV [USERS]\n");
      return 2;
    }
    return sweep_maxlen(argv[2], argc > 3 ? std::max(10, std::atoi(argv[3])) : 400);
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
