// HNSW against exact on a trained model's own vectors: the synthetic
// vectors of index_bench are easier than trained item embeddings (their
// norms and clusters are what the model learnt, and the queries are encoded
// users, not items). For each graph (M, ef_construction) it builds once and
// sweeps ef_search, with each user's history excluded as the service does;
// prints recall@10 against the exact answer and per-query latency on one
// thread.
//
// usage: model_recall --model FILE --pairs FILE [--users U] [--m 16,32]
//                     [--efc 100,200] [--ef 128,256,512] [--threads T]
// (--pairs: `user item` lines of the users to query, oldest first, as
// `attnrec recommend --input` takes them)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench/latency_stats.h"
#include "model/checkpoint.h"
#include "model/dataset.h"
#include "model/hnsw_index.h"

namespace m = attnrec::model;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<int> int_list(const std::string& v) {
  std::vector<int> out;
  for (size_t p = 0; p < v.size();) {
    const size_t e = std::min(v.find(',', p), v.size());
    out.push_back(std::atoi(v.substr(p, e - p).c_str()));
    p = e + 1;
  }
  return out;
}

std::string load() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, pairs_path;
  size_t max_users = 1000;
  std::vector<int> ms = {16}, efcs = {100}, efs = {128, 256, 512, 1024};
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--model") {
      model_path = v;
    } else if (f == "--pairs") {
      pairs_path = v;
    } else if (f == "--users") {
      max_users = size_t(std::atoll(v.c_str()));
    } else if (f == "--m") {
      ms = int_list(v);
    } else if (f == "--efc") {
      efcs = int_list(v);
    } else if (f == "--ef") {
      efs = int_list(v);
    } else if (f == "--threads") {
      threads = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }
  if (model_path.empty() || pairs_path.empty()) {
    std::fprintf(stderr, "usage: model_recall --model FILE --pairs FILE [--users U] [--m LIST] "
                         "[--efc LIST] [--ef LIST] [--threads T]\n");
    return 2;
  }
  m::IndexOptions exact_options;
  exact_options.kind = m::IndexKind::kExact;
  auto model = m::load_checkpoint(model_path, exact_options);
  if (!model) {
    std::fprintf(stderr, "%s\n", model.error().c_str());
    return 1;
  }
  const m::Model& mod = *model.value();
  auto data = m::read_pairs(pairs_path, mod.item_ids());
  if (!data) {
    std::fprintf(stderr, "%s\n", data.error().c_str());
    return 1;
  }

  // Encoded users and their exact answers, history excluded.
  const int d = mod.dim();
  std::vector<std::vector<float>> users;
  std::vector<std::vector<int32_t>> histories;
  std::vector<std::vector<m::ScoredItem>> exact;
  std::vector<double> exact_us;
  for (const auto& seq : data.value().seqs) {
    if (users.size() == max_users) break;
    std::vector<float> u(static_cast<size_t>(d));
    if (!mod.encode(seq, u)) continue;
    m::SearchFilter filter;
    filter.excluded = seq;
    std::vector<m::ScoredItem> out;
    const auto t0 = Clock::now();
    mod.index().search(u, 10, filter, &out);
    exact_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    users.push_back(std::move(u));
    histories.push_back(seq);
    exact.push_back(std::move(out));
  }
  std::printf("model_recall: %s, %d items, d %d, %zu users (history excluded), k 10, build threads %d; "
              "load %s\n",
              model_path.c_str(), mod.num_items(), d, users.size(), threads, load().c_str());
  std::printf("exact: mean %.0f us, p99 %.0f us\n\n", attnrec::bench::mean(exact_us),
              attnrec::bench::percentile(exact_us, 0.99));
  std::printf("| M | ef_construction | build s | ef_search | recall@10 | mean us | p50 us | p99 us |\n"
              "|---|---|---|---|---|---|---|---|\n");
  for (int M : ms) {
    for (int efc : efcs) {
      m::IndexOptions o;
      o.kind = m::IndexKind::kHnsw;
      o.hnsw_m = M;
      o.hnsw_ef_construction = efc;
      o.build_threads = threads;
      const auto t0 = Clock::now();
      auto hnsw = m::HnswIndex::build(mod.item_embeddings(), o);
      const double build_s = seconds_since(t0);
      if (!hnsw) {
        std::fprintf(stderr, "HNSW build failed (M %d, ef_construction %d)\n", M, efc);
        return 1;
      }
      for (int ef : efs) {
        hnsw->set_ef_search(ef);
        std::vector<double> us;
        size_t hits = 0, total = 0;
        std::vector<m::ScoredItem> out;
        for (size_t q = 0; q < users.size(); ++q) {
          m::SearchFilter filter;
          filter.excluded = histories[q];
          const auto s0 = Clock::now();
          hnsw->search(users[q], 10, filter, &out);
          us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s0).count());
          for (const auto& want : exact[q]) {
            for (const auto& got : out) hits += got.item == want.item;
          }
          total += exact[q].size();
        }
        std::printf("| %d | %d | %.1f | %d | %.4f | %.0f | %.0f | %.0f |\n", M, efc, build_s, ef,
                    double(hits) / double(std::max<size_t>(total, 1)), attnrec::bench::mean(us),
                    attnrec::bench::percentile(us, 0.5), attnrec::bench::percentile(us, 0.99));
        std::fflush(stdout);
      }
    }
  }
}
