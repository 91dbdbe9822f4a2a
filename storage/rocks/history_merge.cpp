#include "storage/rocks/history_merge.h"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include <rocksdb/merge_operator.h>

#include "storage/rocks/event_codec.h"

namespace attnrec::storage {

namespace {

class HistoryMergeOperator : public rocksdb::MergeOperator {
 public:
  explicit HistoryMergeOperator(size_t cap) : cap_(cap) {}

  const char* Name() const override { return "attnrec.HistoryMerge"; }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::vector<HistoryRecord> records;
    if (in.existing_value != nullptr && !decode_history(to_view(*in.existing_value), &records)) {
      return false;  // RocksDB reports Corruption to the reader
    }
    for (const auto& op : in.operand_list) {
      if (!decode_history(to_view(op), &records)) return false;
    }
    encode_newest(&records, &out->new_value);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    std::vector<HistoryRecord> records;
    for (const auto& op : operands) {
      if (!decode_history(to_view(op), &records)) return false;
    }
    encode_newest(&records, new_value);
    return true;
  }

  // One operand is already a valid value, but truncating it to the cap keeps
  // values bounded when one batch brings more than cap events.
  bool AllowSingleOperand() const override { return true; }

 private:
  static std::string_view to_view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

  // Sorts by (ts, seq) and writes the newest cap_ entries, oldest first.
  void encode_newest(std::vector<HistoryRecord>* records, std::string* out) const {
    newest_history(cap_, records);
    out->clear();
    for (const HistoryRecord& r : *records) append_history_record(r, out);
  }

  const size_t cap_;
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> make_history_merge_operator(size_t cap) {
  return std::make_shared<HistoryMergeOperator>(cap);
}

}  // namespace attnrec::storage
