// Mean and percentiles of per-query timings, shared by the C++ benchmarks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace attnrec::bench {

// The p-quantile (0..1) of `v`, nearest rank; `v` non-empty.
inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

inline double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

}  // namespace attnrec::bench
