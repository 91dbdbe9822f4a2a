// Checkpoint file of a trained Model (format version 2; version 1 is still
// read). All integers and floats are little-endian; strings are a u32 byte
// length then the bytes.
//
//   offset  size  field
//   0       8     magic "ATNRSAS\0"
//   8       4     u32 format version (= 2)
//   12      4     u32 reserved (0)
//   16      8     u64 payload size P: bytes from offset 24 to the checksum
//   24      44    config: i32 num_items, maxlen, d, blocks, heads, d_ff,
//                 activation (0 relu, 1 gelu); f32 dropout, ln_eps;
//                 i32 attention (0 full, 1 local), window (0 with full,
//                 W >= 1 with local)
//   68      ...   item ids: u32 count (= num_items), then count strings
//                 (external id of item 1, 2, ...)
//   ...     ...   tensors: u32 count, then per tensor: string name,
//                 u32 rows, u32 cols, rows*cols f32 (row-major), in the
//                 order of Layout (item_emb, pos_emb, blocks.0.ln1_g, ...)
//   24+P    8     u64 FNV-1a-64 of bytes [0, 24 + P)
//
// Version 1 is the same without the last two config fields (a 36-byte
// config, item ids at offset 60); it means full attention (window 0).
//
// The reader refuses a file with a message naming the failed check: missing
// file (kNotFound), unreadable file (kIOError), and with kCorruption:
// truncated, bad magic, unsupported version (older than 1 or newer than this
// build), trailing bytes, checksum mismatch, invalid config (an attention
// kind or window included), item id list, tensor count, tensor name or shape.
// The writer always writes the current version.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "model/model.h"

namespace attnrec::model {

inline constexpr uint32_t kCheckpointVersion = 2;     // written
inline constexpr uint32_t kCheckpointMinVersion = 1;  // oldest still read

// Writes durably (base/durable_file.h: PATH.tmp, fsync, rename, fsync of the
// directory): after a crash `path` holds the old file or the whole new one.
// kIOError naming the file when it cannot be created, written, synced or
// renamed into place.
Status save_checkpoint(const Model& model, const std::string& path);

// The loaded Model builds the item index `index` asks for.
Result<std::shared_ptr<const Model>> load_checkpoint(const std::string& path,
                                                     const IndexOptions& index = {});

// The same, from bytes in memory (`what` names the source in messages).
Result<std::shared_ptr<const Model>> parse_checkpoint(const std::string& bytes,
                                                      const std::string& what,
                                                      const IndexOptions& index = {});

}  // namespace attnrec::model
