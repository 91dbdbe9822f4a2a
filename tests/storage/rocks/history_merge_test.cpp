#include "storage/rocks/history_merge.h"

#include <catch2/catch.hpp>
#include <rocksdb/merge_operator.h>

#include "storage/rocks/event_codec.h"

using namespace attnrec::storage;

namespace {

std::string operand(std::initializer_list<std::pair<int64_t, uint64_t>> ts_seq) {
  std::string out;
  for (auto [ts, seq] : ts_seq) append_history_record({ts, seq, static_cast<uint32_t>(seq), 1.0f, "view"}, &out);
  return out;
}

std::vector<uint64_t> seqs(const std::string& value) {
  std::vector<HistoryRecord> records;
  REQUIRE(decode_history(value, &records));
  std::vector<uint64_t> out;
  for (const auto& r : records) out.push_back(r.seq);
  return out;
}

}  // namespace

TEST_CASE("history merge orders by (ts, seq) and keeps the newest cap entries", "[storage][merge]") {
  auto op = make_history_merge_operator(3);
  const std::string existing = operand({{10, 1}, {20, 2}});
  const std::string late = operand({{5, 3}});            // arrives late, older than everything
  const std::string newer = operand({{30, 4}, {20, 5}});  // same ts as seq 2: seq breaks the tie
  rocksdb::Slice existing_slice(existing);
  std::vector<rocksdb::Slice> operands{late, newer};
  std::string new_value;
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationInput in("k", &existing_slice, operands, nullptr);
  rocksdb::MergeOperator::MergeOperationOutput out(new_value, existing_operand);
  REQUIRE(op->FullMergeV2(in, &out));
  CHECK(seqs(new_value) == std::vector<uint64_t>{2, 5, 4});

  SECTION("partial merge is the same merge without a base") {
    std::deque<rocksdb::Slice> list{late, newer};
    std::string partial;
    REQUIRE(op->PartialMergeMulti("k", list, &partial, nullptr));
    CHECK(seqs(partial) == std::vector<uint64_t>{3, 5, 4});
  }

  SECTION("a malformed value is reported, not guessed") {
    std::string bad = existing.substr(0, existing.size() - 2);
    rocksdb::Slice bad_slice(bad);
    rocksdb::MergeOperator::MergeOperationInput bad_in("k", &bad_slice, operands, nullptr);
    CHECK_FALSE(op->FullMergeV2(bad_in, &out));
  }
}
