// ThreadSanitizer suppressions for the test binaries that read and write
// RocksDB concurrently (storage_tests, api_tests), compiled into each so
// that both ctest and direct runs use them (unused in other builds).
//
// librocksdb is not instrumented: its memtable publishes entries through its
// own atomics, which TSan cannot see, so a Get (our thread, memcmp/merge)
// reading an entry a writer's MemTable::Add memcpy'd into its arena is
// reported as a race.
// Every pattern names a RocksDB internal frame on one of the two stacks.
extern "C" const char* __tsan_default_suppressions() {
  return "race:rocksdb::MemTable::Add\n"
         "race:rocksdb::Arena::AllocateNewBlock\n"
         "race:rocksdb::ColumnFamilyData::CreateNewMemtable\n"
         // The reading side: RocksDB's Get comparing keys or merging operands.
         "race:rocksdb::MergeHelper::TimedFullMerge\n"
         "race:rocksdb::*BytewiseComparatorImpl\n"
         // An iterator over a snapshot stepping through (DBIter) and decoding
         // (our log reader, scan_log, on Slices that point into the memtable:
         // the training snapshot, erase's search for a user's events) entries
         // a concurrent write put there. The writer's stack is often lost
         // ("failed to restore the stack"), so only this side can match.
         "race:rocksdb::DBIter::FindNextUserEntryInternal\n"
         "race:attnrec::storage::scan_log\n";
}
