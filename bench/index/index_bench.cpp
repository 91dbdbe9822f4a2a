// Exact vs HNSW item index (model/item_index.h) over catalog sizes: per-query
// latency of an unfiltered top-10 on one thread (mean, p50, p99), HNSW
// recall@10 against the exact answer, build time and memory; prints a
// Markdown table row per size as it finishes (and, with --csv FILE, a CSV
// row), then the crossover (the smallest size where HNSW's p99 beats
// exact's at recall@10 >= 0.95).
//
// Vectors (d = 64 unless --dim): clustered Gaussian, a stand-in for trained
// item embeddings: 1,000 cluster centres ~ N(0, I); item = centre + 0.6 N(0, I),
// scaled by exp(0.25 N(0, 1)) (trained embeddings' norms vary, and inner
// product search has to cope with that). Users: 0.7 * a random centre + 0.5
// N(0, I), not items themselves.
//
// Also per size: ExactIndex::search_batch over batches of 8 and of 32
// consecutive users, mean microseconds per user (last two CSV columns).
//
// usage: index_bench [--sizes 10000,30000,...] [--queries Q] [--threads T]
//                    [--ef E] [--efc EFC] [--m M] [--dim D] [--csv FILE]
// (--ef: ef_search, --efc: ef_construction, --m: graph degree; the
// IndexOptions defaults otherwise)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/latency_stats.h"
#include "model/exact_index.h"
#include "model/hnsw_index.h"

namespace m = attnrec::model;
using Clock = std::chrono::steady_clock;

using attnrec::bench::mean;
using attnrec::bench::percentile;

namespace {

struct Row {
  int64_t n = 0;
  int queries = 0;
  double exact_mean = 0, exact_p50 = 0, exact_p99 = 0;  // microseconds
  double hnsw_mean = 0, hnsw_p50 = 0, hnsw_p99 = 0;
  double recall = 0, build_s = 0;
  size_t exact_bytes = 0, hnsw_bytes = 0;
  double batch8_us = 0, batch32_us = 0;  // exact search_batch, mean us per user
};


m::Mat<float> centres(int d, std::mt19937_64& rng) {
  std::normal_distribution<float> g(0, 1);
  m::Mat<float> c(1000, d);
  for (Eigen::Index i = 0; i < c.size(); ++i) c.data()[i] = g(rng);
  return c;
}

m::Mat<float> make_items(int64_t n, const m::Mat<float>& c, std::mt19937_64& rng) {
  std::normal_distribution<float> g(0, 1);
  std::uniform_int_distribution<int> pick(0, int(c.rows()) - 1);
  m::Mat<float> E(n + 1, c.cols());
  E.row(0).setZero();
  for (int64_t i = 1; i <= n; ++i) {
    const int k = pick(rng);
    const float scale = std::exp(0.25f * g(rng));
    for (Eigen::Index j = 0; j < c.cols(); ++j) E(i, j) = scale * (c(k, j) + 0.6f * g(rng));
  }
  return E;
}

std::vector<std::vector<float>> make_users(int q, const m::Mat<float>& c, std::mt19937_64& rng) {
  std::normal_distribution<float> g(0, 1);
  std::uniform_int_distribution<int> pick(0, int(c.rows()) - 1);
  std::vector<std::vector<float>> users(size_t(q), std::vector<float>(size_t(c.cols())));
  for (auto& u : users) {
    const int k = pick(rng);
    for (size_t j = 0; j < u.size(); ++j) u[j] = 0.7f * c(k, Eigen::Index(j)) + 0.5f * g(rng);
  }
  return users;
}

// Per-query microseconds, after a few warm-up queries; answers kept.
std::vector<double> time_queries(const m::ItemIndex& index, const std::vector<std::vector<float>>& users,
                                 std::vector<std::vector<m::ScoredItem>>* answers) {
  std::vector<m::ScoredItem> out;
  for (size_t i = 0; i < std::min<size_t>(5, users.size()); ++i) index.search(users[i], 10, {}, &out);
  std::vector<double> us;
  answers->assign(users.size(), {});
  for (size_t i = 0; i < users.size(); ++i) {
    const auto t0 = Clock::now();
    index.search(users[i], 10, {}, &out);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    (*answers)[i] = out;
  }
  return us;
}

// Mean microseconds per user of ExactIndex::search_batch over batches of B
// consecutive users (the last partial batch dropped).
double time_batches(const m::ExactIndex& index, const std::vector<std::vector<float>>& users, int B) {
  const int d = index.dim();
  const size_t batches = users.size() / size_t(B);
  if (batches == 0) return 0;
  m::Mat<float> U(B, d);
  std::vector<m::SearchFilter> filters(static_cast<size_t>(B));
  std::vector<std::vector<m::ScoredItem>> outs(static_cast<size_t>(B));
  const auto load_batch = [&](size_t q0) {
    for (int b = 0; b < B; ++b) {
      for (int j = 0; j < d; ++j) U(b, j) = users[q0 + size_t(b)][size_t(j)];
    }
  };
  load_batch(0);
  index.search_batch(U, 10, filters, outs);  // warm-up
  double total = 0;
  for (size_t t = 0; t < batches; ++t) {
    load_batch(t * size_t(B));
    const auto t0 = Clock::now();
    index.search_batch(U, 10, filters, outs);
    total += std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  return total / double(batches * size_t(B));
}

void print_row(const Row& r) {
  std::printf("| %lld | %d | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.3f | %.1f | %.0f | %.0f |\n",
              static_cast<long long>(r.n), r.queries, r.exact_mean, r.exact_p50, r.exact_p99, r.hnsw_mean,
              r.hnsw_p50, r.hnsw_p99, r.recall, r.build_s, double(r.exact_bytes) / 1e6, double(r.hnsw_bytes) / 1e6);
}

void write_csv_row(std::ofstream& f, const Row& r) {
  f << r.n << ',' << r.queries << ',' << r.exact_mean << ',' << r.exact_p50 << ',' << r.exact_p99 << ','
    << r.hnsw_mean << ',' << r.hnsw_p50 << ',' << r.hnsw_p99 << ',' << r.recall << ',' << r.build_s << ','
    << r.exact_bytes << ',' << r.hnsw_bytes << ',' << r.batch8_us << ',' << r.batch32_us << '\n';
}

std::string load() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {10'000, 30'000, 100'000, 300'000, 1'000'000};
  int queries = 0, threads = 2, dim = 64;
  m::IndexOptions opt;
  std::string csv;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--sizes") {
      sizes.clear();
      for (size_t p = 0; p < v.size();) {
        const size_t e = std::min(v.find(',', p), v.size());
        sizes.push_back(std::atoll(v.substr(p, e - p).c_str()));
        p = e + 1;
      }
    } else if (f == "--queries") {
      queries = std::atoi(v.c_str());
    } else if (f == "--threads") {
      threads = std::atoi(v.c_str());
    } else if (f == "--ef") {
      opt.hnsw_ef_search = std::atoi(v.c_str());
    } else if (f == "--efc") {
      opt.hnsw_ef_construction = std::atoi(v.c_str());
    } else if (f == "--m") {
      opt.hnsw_m = std::atoi(v.c_str());
    } else if (f == "--dim") {
      dim = std::atoi(v.c_str());
    } else if (f == "--csv") {
      csv = v;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }
  opt.build_threads = threads;
  std::printf("index_bench: d %d, k 10, HNSW M %d, ef_construction %d, ef_search %d, build threads %d; load %s\n",
              dim, opt.hnsw_m, opt.hnsw_ef_construction, opt.hnsw_ef_search, threads, load().c_str());
  std::mt19937_64 rng(7);
  const m::Mat<float> c = centres(dim, rng);
  std::vector<Row> rows;
  // Rows are printed (and written) as each size finishes: the large sizes
  // take many minutes on a loaded machine.
  std::unique_ptr<std::ofstream> csv_out;
  if (!csv.empty()) {
    csv_out = std::make_unique<std::ofstream>(csv);
    *csv_out << "items,queries,exact_mean_us,exact_p50_us,exact_p99_us,hnsw_mean_us,hnsw_p50_us,hnsw_p99_us,"
                "hnsw_recall10,hnsw_build_s,exact_bytes,hnsw_bytes,exact_batch8_us_per_user,"
                "exact_batch32_us_per_user\n";
  }
  std::printf("\n| items | queries | exact mean / p50 / p99 (us) | HNSW mean / p50 / p99 (us) | HNSW recall@10 | "
              "HNSW build (s, %d threads) | exact MB | HNSW MB |\n|---|---|---|---|---|---|---|---|\n",
              threads);
  for (const int64_t n : sizes) {
    Row r;
    r.n = n;
    // Enough queries for a p99, fewer where an exact scan is slow.
    r.queries = queries > 0 ? queries : (n <= 100'000 ? 1000 : n <= 300'000 ? 500 : 200);
    const m::Mat<float> E = make_items(n, c, rng);
    const auto users = make_users(r.queries, c, rng);
    const m::CMatMap<float> view(E.data(), E.rows(), E.cols());
    const m::ExactIndex exact(view);
    auto t0 = Clock::now();
    auto hnsw = m::HnswIndex::build(view, opt);
    r.build_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!hnsw) {
      std::fprintf(stderr, "HNSW build failed at %lld items\n", static_cast<long long>(n));
      return 1;
    }
    std::vector<std::vector<m::ScoredItem>> want, got;
    const auto te = time_queries(exact, users, &want);
    const auto th = time_queries(*hnsw, users, &got);
    double hits = 0;
    for (size_t q = 0; q < users.size(); ++q) {
      for (const auto& g : got[q]) {
        hits += std::any_of(want[q].begin(), want[q].end(), [&](const m::ScoredItem& w) { return w.item == g.item; });
      }
    }
    r.recall = hits / (10.0 * double(users.size()));
    r.exact_mean = mean(te), r.exact_p50 = percentile(te, 0.5), r.exact_p99 = percentile(te, 0.99);
    r.hnsw_mean = mean(th), r.hnsw_p50 = percentile(th, 0.5), r.hnsw_p99 = percentile(th, 0.99);
    r.exact_bytes = exact.memory_bytes();
    r.hnsw_bytes = hnsw->memory_bytes();
    r.batch8_us = time_batches(exact, users, 8);
    r.batch32_us = time_batches(exact, users, 32);
    print_row(r);
    std::printf("    exact search_batch: %.0f us per user in batches of 8, %.0f in batches of 32 (single: mean %.0f)\n",
                r.batch8_us, r.batch32_us, r.exact_mean);
    std::printf("    (load %s)\n", load().c_str());
    std::fflush(stdout);
    if (csv_out) {
      write_csv_row(*csv_out, r);
      csv_out->flush();
    }
    rows.push_back(r);
  }
  const Row* cross = nullptr;
  for (const Row& r : rows) {
    if (!cross && r.hnsw_p99 < r.exact_p99 && r.recall >= 0.95) cross = &r;
  }
  if (cross) {
    std::printf("\ncrossover: %lld items (the smallest size measured where HNSW p99 < exact p99 at recall@10 >= 0.95)\n",
                static_cast<long long>(cross->n));
  } else {
    std::printf("\ncrossover: none among the sizes measured\n");
  }
  std::printf("load after: %s\n", load().c_str());
  return 0;
}
