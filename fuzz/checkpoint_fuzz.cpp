// libFuzzer target: the checkpoint loader (model/checkpoint.h
// parse_checkpoint) on bytes in memory. Random bytes almost never pass the
// checksum, so when the first byte is odd the harness makes the file
// self-consistent first (payload size = what follows the header, checksum
// appended): the structure after the checksum is then what gets fuzzed. A
// model that loads must also answer: encode a short history and score every
// item.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "model/checkpoint.h"

namespace {

uint64_t fnv1a(const char* p, size_t n) {  // as in model/checkpoint.cpp
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= uint8_t(p[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr size_t kHeader = 24;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) != 0 && bytes.size() >= kHeader) {
    const uint64_t payload = bytes.size() - kHeader;
    std::memcpy(bytes.data() + 16, &payload, sizeof payload);
    const uint64_t sum = fnv1a(bytes.data(), bytes.size());
    bytes.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  }
  auto loaded = attnrec::model::parse_checkpoint(bytes, "fuzz");
  if (!loaded) return 0;
  const attnrec::model::Model& m = *loaded.value();
  std::vector<int32_t> history;
  for (int32_t i = 1; i <= m.num_items() && i <= 5; ++i) history.push_back(i);
  std::vector<float> user(size_t(m.dim())), scores(size_t(m.num_items()) + 1);
  if (m.encode(history, user)) m.score_all(user, scores);
  return 0;
}
