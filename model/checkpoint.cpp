#include "model/checkpoint.h"

#include <bit>
#include <cstring>

#include "base/durable_file.h"

namespace attnrec::model {

static_assert(std::endian::native == std::endian::little, "checkpoints assume a little-endian host");

namespace {

constexpr char kMagic[8] = {'A', 'T', 'N', 'R', 'S', 'A', 'S', '\0'};
constexpr size_t kHeader = 24;

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= uint8_t(p[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

template <class V>
void put(std::string& out, V v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_str(std::string& out, const std::string& s) {
  put<uint32_t>(out, uint32_t(s.size()));
  out.append(s);
}

// Bounds-checked reader over the payload.
class Reader {
 public:
  Reader(const std::string& b, size_t pos, size_t end) : b_(b), pos_(pos), end_(end) {}
  template <class V>
  bool get(V& v) {
    if (end_ - pos_ < sizeof v) return false;
    std::memcpy(&v, b_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool get_str(std::string& s) {
    uint32_t n = 0;
    if (!get(n) || end_ - pos_ < n) return false;
    s.assign(b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool get_floats(float* out, size_t n) {
    if ((end_ - pos_) / sizeof(float) < n) return false;
    std::memcpy(out, b_.data() + pos_, n * sizeof(float));
    pos_ += n * sizeof(float);
    return true;
  }
  bool at_end() const { return pos_ == end_; }
  size_t remaining() const { return end_ - pos_; }

 private:
  const std::string& b_;
  size_t pos_, end_;
};

}  // namespace

Status save_checkpoint(const Model& model, const std::string& path) {
  const Config& c = model.config();
  std::string out(kMagic, sizeof kMagic);
  put<uint32_t>(out, kCheckpointVersion);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, 0);  // payload size, patched below
  for (int32_t v : {c.num_items, c.maxlen, c.d, c.blocks, c.heads, c.d_ff, int32_t(c.act)}) put(out, v);
  put<float>(out, c.dropout);
  put<float>(out, c.ln_eps);
  put<int32_t>(out, int32_t(c.attention));  // since version 2
  put<int32_t>(out, c.window);
  put<uint32_t>(out, uint32_t(model.item_ids().size()));
  for (const std::string& id : model.item_ids()) put_str(out, id);
  const Params<float>& p = model.params();
  put<uint32_t>(out, uint32_t(p.layout().tensors().size()));
  for (const TensorSpec& s : p.layout().tensors()) {
    put_str(out, s.name);
    put<uint32_t>(out, uint32_t(s.rows));
    put<uint32_t>(out, uint32_t(s.cols));
    out.append(reinterpret_cast<const char*>(p.flat().data() + s.offset), s.size() * sizeof(float));
  }
  const uint64_t payload = out.size() - kHeader;
  std::memcpy(out.data() + 16, &payload, sizeof payload);
  put<uint64_t>(out, fnv1a(out.data(), out.size()));

  // A crash leaves the old file, or none, or this one whole (base/durable_file.h).
  return write_file_durably(path, out);
}

Result<std::shared_ptr<const Model>> load_checkpoint(const std::string& path,
                                                     const IndexOptions& index) {
  std::string bytes;
  if (Status s = read_file(path, &bytes); !s.is_ok()) {
    if (s.is_not_found()) return Status::not_found(path + ": cannot open model file (it does not exist)");
    return s;
  }
  return parse_checkpoint(bytes, path, index);
}

Result<std::shared_ptr<const Model>> parse_checkpoint(const std::string& b,
                                                      const std::string& what,
                                                      const IndexOptions& index) {
  // Every check below is of stored bytes: a failure is kCorruption.
  auto fail = [&](const std::string& msg) { return Status::corruption(what + ": " + msg); };
  if (b.size() < kHeader) {
    if (b.size() >= sizeof kMagic && std::memcmp(b.data(), kMagic, sizeof kMagic) != 0) {
      return fail("not an attnrec model file (bad magic)");
    }
    return fail("truncated: " + std::to_string(b.size()) + " bytes, the header alone needs " +
                std::to_string(kHeader));
  }
  if (std::memcmp(b.data(), kMagic, sizeof kMagic) != 0) {
    return fail("not an attnrec model file (bad magic)");
  }
  uint32_t version = 0;
  uint64_t payload = 0;
  std::memcpy(&version, b.data() + 8, 4);
  std::memcpy(&payload, b.data() + 16, 8);
  if (version < kCheckpointMinVersion || version > kCheckpointVersion) {
    return fail("unsupported format version " + std::to_string(version) + " (this build reads " +
                std::to_string(kCheckpointMinVersion) + " to " +
                std::to_string(kCheckpointVersion) +
                (version > kCheckpointVersion ? "; it was written by a newer attnrec)" : ")"));
  }
  const uint64_t expected = kHeader + payload + 8;
  if (payload > b.size() || b.size() < expected) {
    return fail("truncated: " + std::to_string(b.size()) + " bytes, the header announces " +
                std::to_string(expected));
  }
  if (b.size() > expected) {
    return fail("corrupt: " + std::to_string(b.size() - expected) + " trailing bytes after the checksum");
  }
  uint64_t sum = 0;
  std::memcpy(&sum, b.data() + kHeader + payload, 8);
  if (sum != fnv1a(b.data(), size_t(kHeader + payload))) {
    return fail("checksum mismatch: the file is corrupt");
  }

  Reader r(b, kHeader, size_t(kHeader + payload));
  Config c;
  int32_t act = 0;
  bool ok = r.get(c.num_items) && r.get(c.maxlen) && r.get(c.d) && r.get(c.blocks) &&
            r.get(c.heads) && r.get(c.d_ff) && r.get(act) && r.get(c.dropout) && r.get(c.ln_eps);
  int32_t attention = int32_t(Attention::kFull);  // version 1: full attention, window 0
  if (ok && version >= 2) ok = r.get(attention) && r.get(c.window);
  if (!ok) return fail("truncated config");
  c.act = Activation(act);
  c.attention = Attention(attention);
  if (const Status s = c.validate(); !s.is_ok()) return fail("invalid config: " + s.message());
  uint32_t n_ids = 0;
  if (!r.get(n_ids)) return fail("truncated item id list");
  if (n_ids != uint32_t(c.num_items)) {
    return fail("item id list has " + std::to_string(n_ids) + " entries, config says " +
                std::to_string(c.num_items) + " items");
  }
  // Sizes are checked against the bytes present before anything is
  // allocated: a header that passes the checksum can still announce
  // billions of items or a huge network.
  if (n_ids > r.remaining() / sizeof(uint32_t)) {
    return fail("truncated item id list: " + std::to_string(n_ids) + " ids need at least " +
                std::to_string(uint64_t(n_ids) * sizeof(uint32_t)) + " bytes, " +
                std::to_string(r.remaining()) + " remain");
  }
  std::vector<std::string> ids(n_ids);
  std::unordered_map<std::string, int> unique;
  for (std::string& id : ids) {
    if (!r.get_str(id)) return fail("truncated item id list");
    if (!unique.emplace(id, 0).second) return fail("duplicate item id '" + id + "'");
  }
  auto layout = std::make_shared<Layout>(c);  // the table of tensors only
  if (layout->size() > r.remaining() / sizeof(float)) {
    return fail("truncated: the config needs " + std::to_string(layout->size()) + " weights (" +
                std::to_string(uint64_t(layout->size()) * sizeof(float)) + " bytes), " +
                std::to_string(r.remaining()) + " bytes remain");
  }
  Params<float> params(std::move(layout));
  const auto& specs = params.layout().tensors();
  uint32_t n_tensors = 0;
  if (!r.get(n_tensors)) return fail("truncated tensor table");
  if (n_tensors != specs.size()) {
    return fail("wrong shape: " + std::to_string(n_tensors) + " tensors, the config needs " +
                std::to_string(specs.size()));
  }
  for (const TensorSpec& s : specs) {
    std::string name;
    uint32_t rows = 0, cols = 0;
    if (!r.get_str(name) || !r.get(rows) || !r.get(cols)) return fail("truncated tensor header");
    if (name != s.name) return fail("tensor '" + name + "' where '" + s.name + "' was expected");
    if (rows != uint32_t(s.rows) || cols != uint32_t(s.cols)) {
      return fail("wrong shape: tensor '" + name + "' is [" + std::to_string(rows) + ", " +
                  std::to_string(cols) + "], the config needs [" + std::to_string(s.rows) + ", " +
                  std::to_string(s.cols) + "]");
    }
    if (!r.get_floats(params.flat().data() + s.offset, s.size())) {
      return fail("truncated data of tensor '" + name + "'");
    }
  }
  if (!r.at_end()) return fail("corrupt: unexpected bytes after the last tensor");
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(params), std::move(ids), index));
}

}  // namespace attnrec::model
