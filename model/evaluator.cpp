#include "model/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "base/random.h"
#include "model/exact_index.h"

namespace attnrec::model {

std::string protocol_name(Protocol p) {
  return p == Protocol::kFull ? "full" : "sampled-100";
}

namespace {

constexpr int kChunk = 64;  // users scored together with one GEMM in full ranking

void eval_range(const Model& model, const ExactIndex& exact, const Dataset& data,
                std::span<const EvalCase> cases, const EvalOptions& opt, RankMetrics& out) {
  const int d = model.dim(), N = model.num_items();
  Mat<float> users(kChunk, d);                            // [c, d]
  Mat<float> scores(kChunk, N + 1);                       // [c, N + 1]
  std::vector<int32_t> cand;
  std::vector<float> cand_scores;
  std::vector<char> seen(size_t(N) + 1, 0);
  for (size_t begin = 0; begin < cases.size(); begin += kChunk) {
    const size_t end = std::min(cases.size(), begin + kChunk);
    std::vector<char> valid(end - begin, 0);
    for (size_t i = begin; i < end; ++i) {
      valid[i - begin] = model.encode(cases[i].history,
                                      std::span<float>(&users(Eigen::Index(i - begin), 0), size_t(d)));
    }
    const int c = int(end - begin);
    if (opt.protocol == Protocol::kFull) {
      exact.score_all(users.topRows(c), scores.topRows(c));  // [c, N+1] = [c, d] x [d, N+1]
    }
    for (size_t i = begin; i < end; ++i) {
      const EvalCase& ec = cases[i];
      const int r = int(i - begin);
      if (!valid[size_t(r)]) {  // no usable history: the worst possible rank
        out.add_rank(opt.protocol == Protocol::kFull ? N : opt.negatives);
        continue;
      }
      if (opt.protocol == Protocol::kFull) {
        const float* s = &scores(r, 0);
        const float t = s[ec.target];
        const std::span<const int32_t> negative = data.negatives_of(size_t(ec.user));
        for (int32_t h : ec.history) seen[size_t(h)] = 1;
        for (int32_t h : negative) seen[size_t(h)] = 1;  // never recommended to this user
        seen[size_t(ec.target)] = 0;
        int64_t rank = 0;
        for (int32_t j = 1; j <= N; ++j) rank += (s[j] > t) & !seen[size_t(j)];
        // NaN scores must not look like a perfect model.
        if (std::isnan(t)) rank = N;
        for (int32_t h : ec.history) seen[size_t(h)] = 0;
        for (int32_t h : negative) seen[size_t(h)] = 0;
        out.add_rank(rank);
      } else {
        // Items the user touched (in the sequence, or marked negative) are
        // never sampled as negatives.
        const auto& full = data.seqs[size_t(ec.user)];
        const std::span<const int32_t> negative = data.negatives_of(size_t(ec.user));
        int64_t distinct = 0;
        for (int32_t h : full) {
          distinct += !seen[size_t(h)];
          seen[size_t(h)] = 1;
        }
        for (int32_t h : negative) {
          distinct += !seen[size_t(h)];
          seen[size_t(h)] = 1;
        }
        Rng rng(mix_seed(opt.seed, uint64_t(ec.user)));
        cand.assign(1, ec.target);
        const int64_t unseen = int64_t(N) - distinct;
        const int want = int(std::min<int64_t>(opt.negatives, unseen));
        while (int(cand.size()) < want + 1) {
          const int32_t j = int32_t(rng.below(uint32_t(N))) + 1;
          if (!seen[size_t(j)]) {
            seen[size_t(j)] = 2;  // no duplicates among the negatives
            cand.push_back(j);
          }
        }
        for (int32_t j : cand) seen[size_t(j)] = 0;
        for (int32_t h : full) seen[size_t(h)] = 0;
        for (int32_t h : negative) seen[size_t(h)] = 0;
        cand_scores.resize(cand.size());
        model.score(std::span<const float>(&users(r, 0), size_t(d)), cand, cand_scores);
        int64_t rank = 0;
        for (size_t j = 1; j < cand.size(); ++j) rank += cand_scores[j] > cand_scores[0];
        if (std::isnan(cand_scores[0])) rank = int64_t(cand.size()) - 1;
        out.add_rank(rank);
      }
    }
  }
}

}  // namespace

RankMetrics evaluate(const Model& model, const Dataset& data, Split split,
                     const EvalOptions& options) {
  std::vector<EvalCase> cases = eval_cases(data, split);
  if (options.max_users > 0 && size_t(options.max_users) < cases.size()) {
    cases.resize(size_t(options.max_users));
  }
  // Full ranking needs every score: the model's own index when it is exact,
  // else an exact one built for this evaluation.
  const ExactIndex* exact = dynamic_cast<const ExactIndex*>(&model.index());
  std::unique_ptr<ExactIndex> own;
  if (!exact) {
    own = std::make_unique<ExactIndex>(model.item_embeddings());
    exact = own.get();
  }
  const int threads = std::max(1, std::min(options.threads, int(cases.size() / kChunk) + 1));
  std::vector<RankMetrics> parts(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  const size_t per = (cases.size() + size_t(threads) - 1) / size_t(threads);
  for (int t = 0; t < threads; ++t) {
    const size_t b = std::min(cases.size(), size_t(t) * per);
    const size_t e = std::min(cases.size(), b + per);
    auto run = [&, b, e, t] {
      eval_range(model, *exact, data, std::span<const EvalCase>(cases).subspan(b, e - b), options,
                 parts[size_t(t)]);
    };
    if (t + 1 == threads) {
      run();
    } else {
      pool.emplace_back(run);
    }
  }
  for (auto& th : pool) th.join();
  RankMetrics total;
  for (const RankMetrics& p : parts) total.merge(p);  // fixed order: deterministic
  return total;
}

int test_user_limit(int64_t num_items) {
  if (num_items <= 100'000) return 0;
  return int(std::max<int64_t>(1000, int64_t(5e9) / num_items));
}

TestReport evaluate_test(const Model& model, const Dataset& data, int threads) {
  const auto start = std::chrono::steady_clock::now();
  TestReport r;
  EvalOptions eo;
  eo.threads = threads;
  eo.max_users = test_user_limit(data.num_items());
  eo.protocol = Protocol::kFull;
  r.full = evaluate(model, data, Split::kTest, eo);
  eo.protocol = Protocol::kSampled;
  r.sampled = evaluate(model, data, Split::kTest, eo);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace attnrec::model
