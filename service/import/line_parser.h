// The seam between the import driver (run_import, importer.h) and the input
// formats (movielens.h, pairs.h, jsonl.h).
//
// The driver owns what every format shares: listing and opening the files,
// reading lines (line ends, a UTF-8 BOM, over-long lines, progress), FILE:LINE
// reporting, skip_bad, and batching values into the ImportSink. A format only
// turns lines into events and items and hands them to ParseOutput, which
// checks each value as it is added (check_event / check_item), so that a bad
// value is reported at its line before anything of its batch is sent.
//
// Per run the driver calls list_files, begin_import, then per file
// begin_file, parse_line for every line in order (except over-long ones,
// which the driver reports itself), and finish_file. A record is normally
// one line; while a parser is inside a multi-line record (in_record(), e.g. a
// quoted CSV field holding a newline) the driver attributes the record's
// values and errors to the record's first line.
//
// Thread safety: a parser serves one run_import call, on its thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "service/item.h"
#include "service/events.h"

namespace attnrec::service::importing {

// Where a parser puts what it read (implemented by the driver).
class ParseOutput {
 public:
  virtual ~ParseOutput() = default;
  // "" when the value is taken, else why it is refused: the line is then bad
  // and the parser returns that message from parse_line.
  virtual std::string add_event(EventInput event) = 0;
  virtual std::string add_item(Item item) = 0;
};

class LineParser {
 public:
  virtual ~LineParser() = default;

  // The files to read, in order, from the paths the user gave; notes that are
  // not errors go to *warnings. kNotFound: a path (or, for a format that
  // takes folders, the files expected in it) is missing; kInvalidArgument: a
  // path of the wrong kind. The default: every path is a regular file, read
  // in the order given.
  virtual Status list_files(const std::vector<std::string>& paths,
                            std::vector<std::string>* files, std::vector<std::string>* warnings);

  // Once, after list_files, with the total size of those files in bytes.
  virtual void begin_import(uint64_t /*bytes_total*/) {}

  // Before the first line of each file; may add warnings.
  virtual void begin_file(const std::string& /*path*/, std::vector<std::string>* /*warnings*/) {}

  // Line `number` (1-based, in the file) without its line end, and on line 1
  // without a UTF-8 BOM. Returns "" or what is wrong with the record, which
  // the driver reports at the record's first line (or skips, under skip_bad).
  virtual std::string parse_line(std::string_view line, uint64_t number, ParseOutput& out) = 0;

  // True while the lines given so far end inside a record.
  virtual bool in_record() const { return false; }

  // After the last line of a file: "" or what is wrong with the record left
  // unfinished (reported at its first line). Leaves in_record() false.
  virtual std::string finish_file() { return {}; }
};

}  // namespace attnrec::service::importing
