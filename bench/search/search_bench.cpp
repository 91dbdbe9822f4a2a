// bench/search: does personalisation make search better, and is it fast?
//
// On MovieLens-1M (SASRec's ml-1m.txt, titles from ml-1m-raw/movies.dat via
// ml-1m-sas-mapping), every user's last movie is held out. The service is
// loaded with the catalog and every user's other events, trains its model
// through the same pipeline as POST /v1/admin/train, and then, per user,
// searches for ONE word of the held-out movie's title (four ways to pick it:
// random, first, random among words other titles share, most common in the
// catalog; never a stop word or a number),
// once without the user (pure text) and once with the user (personalised),
// for each blend weight asked for. Reported:
// MRR, NDCG@10 and HR@10 of the held-out movie in the results (rank beyond
// the result list counts as a miss), and the latency of personalised
// searches (p50/p99, single thread, in process: what /v1/search adds on top
// of HTTP).
//
//   build/bench/search/search_bench [--data ../shared/data] [--minutes 8]
//       [--weights 0.3,0.5,0.7] [--seed 1] [--model-dir DIR]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "model/dataset.h"
#include "service/import/movielens.h"
#include "service/service.h"
#include "service/search/text.h"

namespace svc = attnrec::service;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "search_bench: " << msg << "\n";
  std::exit(1);
}

struct Args {
  std::string data = "../shared/data";
  double minutes = 8;
  std::vector<double> weights = {0.3, 0.5, 0.7};
  uint64_t seed = 1;
  std::string dir;  // keep the store here (reused when it already has a model)
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + k);
      return argv[++i];
    };
    if (k == "--data") a.data = val();
    else if (k == "--minutes") a.minutes = std::stod(val());
    else if (k == "--seed") a.seed = std::stoull(val());
    else if (k == "--model-dir") a.dir = val();
    else if (k == "--weights") {
      a.weights.clear();
      std::stringstream ss(val());
      for (std::string w; std::getline(ss, w, ',');) a.weights.push_back(std::stod(w));
    } else if (k == "--help" || k == "-h") {
      std::cout << "usage: search_bench [--data DIR] [--minutes M] [--weights w1,w2] [--seed S] "
                   "[--model-dir DIR]\n";
      std::exit(0);
    } else {
      die("unknown flag " + k);
    }
  }
  return a;
}

struct Movie {
  std::string title;
  std::vector<std::string> genres;
};

// SASRec item id -> movie, through the id mapping.
std::unordered_map<std::string, Movie> read_movies(const std::string& data) {
  std::unordered_map<std::string, Movie> by_original;
  std::ifstream movies(data + "/ml-1m-raw/movies.dat", std::ios::binary);
  if (!movies) die("cannot read " + data + "/ml-1m-raw/movies.dat");
  for (std::string line; std::getline(movies, line);) {
    const std::string utf8 = svc::importing::latin1_to_utf8(line);
    const auto a = utf8.find("::"), b = utf8.rfind("::");
    if (a == std::string::npos || a == b) continue;
    Movie m;
    m.title = utf8.substr(a + 2, b - a - 2);
    std::stringstream genres(utf8.substr(b + 2));
    for (std::string g; std::getline(genres, g, '|');) {
      std::transform(g.begin(), g.end(), g.begin(), [](unsigned char c) { return std::tolower(c); });
      m.genres.push_back(g);
    }
    by_original[utf8.substr(0, a)] = m;
  }
  std::unordered_map<std::string, Movie> out;
  std::ifstream mapping(data + "/ml-1m-sas-mapping/sas_to_original_items.txt");
  if (!mapping) die("cannot read the SASRec item id mapping under " + data);
  std::string sas, original;
  while (mapping >> sas >> original) {
    auto it = by_original.find(original);
    if (it != by_original.end()) out[sas] = it->second;
  }
  return out;
}

struct Quality {
  double rr = 0, ndcg = 0, hr = 0;
  size_t n = 0;
  void add(size_t rank) {  // 1-based; 0 = not in the results
    ++n;
    if (rank == 0) return;
    rr += 1.0 / double(rank);
    if (rank <= 10) {
      hr += 1;
      ndcg += 1.0 / std::log2(double(rank) + 1);
    }
  }
};

size_t rank_of(const svc::SearchResults& r, const std::string& item) {
  for (size_t i = 0; i < r.items.size(); ++i) {
    if (r.items[i].item == item) return i + 1;
  }
  return 0;
}

class PrintProgress : public svc::JobContext {
 public:
  bool cancelled() const override { return false; }
  void update(const std::function<void(svc::TrainJob&)>& edit) override {
    edit(job_);
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(10)) return;
    last_ = now;
    std::fprintf(stderr, "training: epoch %d/%d batch %d/%d loss %.4f\n", job_.epoch, job_.epochs,
                 job_.batch, job_.batches, job_.loss);
  }
  const svc::TrainJob& job() const { return job_; }

 private:
  svc::TrainJob job_;
  Clock::time_point last_ = Clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const std::string pairs = args.data + "/ml-1m.txt";
  if (!std::filesystem::exists(pairs)) {
    std::cout << "search_bench: " << pairs << " is absent; skipped\n";
    return 0;
  }
  auto data = attnrec::model::read_pairs(pairs);
  if (!data) die(data.error());
  const auto movies = read_movies(args.data);

  std::string dir = args.dir;
  const bool temp = dir.empty();
  if (temp) {
    dir = (std::filesystem::temp_directory_path() / "attnrec-search-bench").string();
    std::filesystem::remove_all(dir);  // a run that was stopped leaves it behind
  }
  const bool fresh = !std::filesystem::exists(dir);
  svc::Config config;
  config.data_dir = dir;
  config.sync_writes = false;  // a bulk load; durability is not what is measured
  config.train.threads = 2;
  config.train.max_minutes = args.minutes;
  std::unique_ptr<svc::Service> rec;
  if (attnrec::Status s = svc::Service::open(config, &rec); !s.is_ok()) die(s.message());

  if (fresh) {
    std::vector<svc::Item> items;
    for (const auto& id : data.value().item_ids) {
      auto it = movies.find(id);
      if (it == movies.end()) continue;
      svc::Item item;
      item.id = id;
      item.title = it->second.title;
      item.tags = it->second.genres;
      items.push_back(std::move(item));
    }
    if (attnrec::Status s = rec->catalog().put(items); !s.is_ok()) die(s.message());
    // Every user's events but the last, in order.
    std::vector<svc::EventInput> batch;
    const auto& d = data.value();
    for (size_t u = 0; u < d.seqs.size(); ++u) {
      const auto& seq = d.seqs[u];
      for (size_t t = 0; t + 1 < seq.size(); ++t) {
        svc::EventInput e;
        e.user = d.user_ids[u];
        e.item = d.item_ids[size_t(seq[t] - 1)];
        e.ts_ms = 1000000000000 + int64_t(t) * 1000;
        batch.push_back(std::move(e));
        if (batch.size() == 10000) {
          svc::IngestResult r;
          if (attnrec::Status s = rec->events().ingest(batch, &r); !s.is_ok()) die(s.message());
          batch.clear();
        }
      }
    }
    svc::IngestResult r;
    if (!batch.empty()) {
      if (attnrec::Status s = rec->events().ingest(batch, &r); !s.is_ok()) die(s.message());
    }
    std::fprintf(stderr, "loaded %zu items and %llu events into %s\n", items.size(),
                 static_cast<unsigned long long>(rec->stats().events), dir.c_str());
  }
  if (rec->models().live_version().empty()) {
    PrintProgress progress;
    const auto t0 = Clock::now();
    if (attnrec::Status s = rec->models().train_now(rec->models().default_options(), progress); !s.is_ok()) {
      die(s.message());
    }
    const auto& m = progress.job().metrics;
    std::fprintf(stderr, "trained %s in %.0f s: test full NDCG@10 %.4f, sampled-100 %.4f\n",
                 progress.job().version.c_str(), std::chrono::duration<double>(Clock::now() - t0).count(),
                 m ? m->test.full.ndcg10() : 0.0, m ? m->test.sampled.ndcg10() : 0.0);
  }

  // Document frequency of each title word over the catalog, for the
  // "common" choice below.
  std::unordered_map<std::string, int> df;
  for (const auto& id : data.value().item_ids) {
    auto found = movies.find(id);
    if (found == movies.end()) continue;
    auto words = svc::tokenize(found->second.title);
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    for (const auto& w : words) ++df[w];
  }
  const auto& d = data.value();
  const size_t k = 200;
  std::vector<double> latency_us;
  // Four ways to pick the query word of a held-out title: a random one
  // (seeded), the first one (what people type first), a random one among the
  // title's words that other catalog titles share too (an ambiguous query:
  // a word found in one title only names its movie whoever asks), and the
  // most common one in the catalog (the most ambiguous query). Stop words and
  // numbers (years, sequel numbers) are never picked.
  for (const std::string choice : {"random", "first", "shared", "common"}) {
    std::mt19937_64 rng(args.seed);
    struct Case {
      std::string user, item, query;
    };
    std::vector<Case> cases;
    for (size_t u = 0; u < d.seqs.size(); ++u) {
      const std::string item = d.item_ids[size_t(d.seqs[u].back() - 1)];
      auto it = movies.find(item);
      if (it == movies.end()) continue;
      std::vector<std::string> words;
      for (auto& w : svc::tokenize(it->second.title)) {
        const bool numeric = std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!numeric && !svc::is_stop_word(w) && w.size() >= 2) words.push_back(w);
      }
      if (choice == "shared") {
        std::erase_if(words, [&](const std::string& w) { return df[w] < 2; });
      }
      if (words.empty()) continue;
      std::string word = words.front();
      if (choice == "random" || choice == "shared") word = words[rng() % words.size()];
      if (choice == "common") {
        word = *std::max_element(words.begin(), words.end(),
                                 [&](const std::string& a, const std::string& b) { return df[a] < df[b]; });
      }
      cases.push_back({d.user_ids[u], item, word});
    }

    Quality text;
    std::vector<Quality> personal(args.weights.size());
    for (const auto& c : cases) {
      svc::SearchRequest req;
      req.query = c.query;
      req.k = k;
      svc::SearchResults out;
      if (attnrec::Status s = rec->search().search(req, &out); !s.is_ok()) die(s.message());
      text.add(rank_of(out, c.item));
      req.user = c.user;
      for (size_t w = 0; w < args.weights.size(); ++w) {
        req.personal_weight = args.weights[w];
        const auto t0 = Clock::now();
        if (attnrec::Status s = rec->search().search(req, &out); !s.is_ok()) die(s.message());
        latency_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        personal[w].add(rank_of(out, c.item));
      }
    }
    std::printf("\nML-1M, %zu users; query = the %s word of the held-out movie's title; %zu results per query\n",
                cases.size(), choice.c_str(), k);
    std::printf("| ranking | MRR | NDCG@10 | HR@10 | MRR vs text |\n|---|---|---|---|---|\n");
    std::printf("| text only (BM25F) | %.4f | %.4f | %.4f | 1.00x |\n", text.rr / double(text.n),
                text.ndcg / double(text.n), text.hr / double(text.n));
    for (size_t w = 0; w < args.weights.size(); ++w) {
      const Quality& q = personal[w];
      std::printf("| personalised, weight %.2f | %.4f | %.4f | %.4f | %.2fx |\n", args.weights[w],
                  q.rr / double(q.n), q.ndcg / double(q.n), q.hr / double(q.n), q.rr / text.rr);
    }
  }
  std::sort(latency_us.begin(), latency_us.end());
  auto pct = [&](double p) { return latency_us[std::min(latency_us.size() - 1, size_t(p * latency_us.size()))]; };
  std::printf("\npersonalised search latency (in process, 1 thread, %zu searches): p50 %.2f ms, p99 %.2f ms, "
              "max %.2f ms\n", latency_us.size(), pct(0.5) / 1000, pct(0.99) / 1000, latency_us.back() / 1000);
  rec.reset();
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
